"""`pay --amount` reads the amount in the desk's locale and refuses what is ambiguous,
starting nothing (issue 14)."""

from __future__ import annotations

import pytest

from kiosk.cli.main import main
from kiosk.payments.attempts import list_attempts
from tests.payments.conftest import KEY


@pytest.fixture
def cli(monkeypatch, sandbox, home):
    monkeypatch.setenv("STRIPE_SECRET_KEY", KEY)
    monkeypatch.setenv("STRIPE_API_BASE", sandbox.url)
    return lambda *argv: main(["--home", str(home), *argv])


@pytest.mark.parametrize(
    ("locale", "typed", "message"),
    [
        ("en_IN", "12,34", "'12,34' is not an amount in en_IN: did you mean 1,234 or 12.34?"),
        ("en_IN", "99,99", "did you mean 9,999 or 99.99?"),
        ("en_US", "1,50,000", "'1,50,000' is not an amount in en_US: did you mean 150,000?"),
        ("en_IN", "१५००", "digits other than 0-9"),
    ],
)
def test_an_ambiguous_amount_starts_nothing(ctx, cli, invoice, capsys, locale, typed, message):
    assert cli("config", "set", "desk.locale", locale) == 0
    capsys.readouterr()
    assert cli("pay", invoice, "--amount", typed, "--no-wait") == 2
    assert message in capsys.readouterr().err
    assert list_attempts(ctx) == []


def test_the_locales_grouping_is_read(ctx, cli, invoice, capsys):
    import json

    assert cli("config", "set", "desk.locale", "de_DE") == 0
    assert cli("pay", invoice, "--amount", "12.500,50", "--no-wait", "--json") == 0
    out = capsys.readouterr().out
    assert json.loads(out[out.index("{") :])["amount"] == 1_250_050

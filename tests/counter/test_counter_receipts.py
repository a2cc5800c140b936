"""What counter receipts say: cash tendered and change, a cheque or draft received subject
to realisation, a transfer's UTR, a refund from the drawer, and a bounced cheque's
reversal note; on the A5 page and the 80 mm roll alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.ledger.models import Receipt
from tests.counter.conftest import days_ago
from tests.receipts.conftest import pdf_text


def _json(capsys) -> dict:
    return json.loads(capsys.readouterr().out)


def _texts(ctx, number: str, tmp_path: Path) -> tuple[str, str]:
    """(the receipt as filed, the same receipt on the 80 mm roll) as text."""
    from kiosk.receipts.facts import receipt_facts
    from kiosk.receipts.pdf_parts import RenderOptions
    from kiosk.receipts.render import render_receipt

    with ctx.ledger.read() as s:
        filed = s.scalar(select(Receipt.file_path).where(Receipt.number == number))
        facts = receipt_facts(s, number)
    roll = tmp_path / f"{number}-roll.pdf"
    roll.write_bytes(render_receipt(facts, RenderOptions.from_settings(ctx.settings, "thermal80")))
    return pdf_text(Path(filed)), pdf_text(roll)


@pytest.fixture
def opened(cli, capsys):
    assert cli("counter", "open", "--float", "2,000", "--as", "ravi") == 0
    capsys.readouterr()


def test_a_cash_receipt_shows_the_cash_handed_over_and_the_change(
    opened, cli, ctx, invoice, capsys, tmp_path
):
    assert cli("pay", invoice, "--amount", "15,000", "--channel", "cash",
               "--tendered", "20,000", "--json") == 0  # fmt: skip
    paid = _json(capsys)
    for text in _texts(ctx, paid["receipt"], tmp_path):
        assert "Cash tendered ₹20,000.00" in text and "Change given ₹5,000.00" in text
        assert "Cash" in text and paid["attempt_id"] in text
        assert "Stripe" not in text  # no Stripe reference on cash
        assert "TEST MODE" not in text  # cash is real money, whatever the desk's key
        assert "subject to realisation" not in text


@pytest.mark.parametrize(("channel", "name"), [("cheque", "Cheque"), ("dd", "Demand draft")])
def test_an_instrument_is_received_subject_to_realisation(
    opened, cli, ctx, invoice, capsys, tmp_path, channel, name
):
    instrument = ["--instrument-number", "004512", "--bank", "State Bank of India",
                  "--instrument-date", days_ago(2)]  # fmt: skip
    assert cli("pay", invoice, "--amount", "25,000", "--channel", channel, *instrument,
               "--json") == 0  # fmt: skip
    paid = _json(capsys)
    for text in _texts(ctx, paid["receipt"], tmp_path):
        assert f"{name} no. 004512" in text and "Drawn on State Bank of India" in text
        assert "Received subject to realisation" in text
        assert f"once the {name.lower()} is honoured" in text


def test_a_transfer_receipt_shows_its_utr(opened, cli, ctx, invoice, capsys, tmp_path):
    assert cli("pay", invoice, "--amount", "8,000", "--channel", "bank-transfer",
               "--reference", "SBIN526337000123", "--paid-on", days_ago(1), "--json") == 0  # fmt: skip
    paid = _json(capsys)
    for text in _texts(ctx, paid["receipt"], tmp_path):
        assert "UTR SBIN526337000123" in text and "Paid on" in text
        assert "Bank transfer (NEFT/RTGS/IMPS)" in text
        assert "subject to realisation" not in text


def test_a_cash_refund_note_says_the_drawer_paid_it(opened, cli, ctx, invoice, capsys, tmp_path):
    assert cli("pay", invoice, "--amount", "5,000", "--channel", "cash", "--json") == 0
    paid = _json(capsys)
    assert cli("refund", paid["receipt"], "--amount", "1,000", "--reason", "hostel waiver",
               "--as", "meera") == 0  # fmt: skip
    with ctx.ledger.read() as s:
        note = s.scalar(select(Receipt.number).where(Receipt.kind == "refund"))
    for text in _texts(ctx, note, tmp_path):
        assert "REFUND NOTE" in text and f"Refund of receipt {paid['receipt']}" in text
        assert "In cash, from the counter's drawer" in text and "hostel waiver" in text
        assert "Stripe" not in text


def test_a_bounced_cheque_gets_a_reversal_note(opened, cli, ctx, invoice, capsys, tmp_path):
    cheque = ["--instrument-number", "100200", "--bank", "ICICI Bank",
              "--instrument-date", days_ago(1)]  # fmt: skip
    assert cli("pay", invoice, "--amount", "5,000", "--channel", "cheque", *cheque, "--json") == 0
    paid = _json(capsys)
    assert cli("payments", "bounce", paid["receipt"], "--reason", "insufficient funds",
               "--as", "meera", "--json") == 0  # fmt: skip
    note = _json(capsys)["reversal_note"]
    for text in _texts(ctx, note, tmp_path):
        assert "REVERSAL NOTE" in text and "REFUND NOTE" not in text
        assert f"Reverses receipt {paid['receipt']}" in text
        assert "Cheque 100200 · ICICI Bank" in text
        assert "insufficient funds" in text and "Total reversed ₹5,000.00" in text
        assert "Refunded to" not in text

"""Plain logic of the desk, no QApplication: statuses, Stripe mode, CLI import weight."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_status_has_a_label_a_colour_and_an_icon():
    from kiosk.ledger.status import InvoiceStatus
    from kiosk.payments.status import PaymentStatus
    from ui.paths import ICONS
    from ui.statuses import INVOICE, PAYMENT

    for status, table in [(s.value, INVOICE) for s in InvoiceStatus] + [
        (s.value, PAYMENT) for s in PaymentStatus
    ]:
        look = table[status]
        assert look.label and look.colour("light") and look.colour("dark")
        assert (ICONS / f"{look.icon}.svg").exists()


def test_stripe_mode_never_shows_the_key():
    from ui.status_bar_widget import stripe_mode

    assert stripe_mode("sk_test_abc") == "TEST"
    assert stripe_mode("rk_live_abc") == "LIVE"
    assert stripe_mode(None) == "NO KEY"


def test_the_cli_module_does_not_import_qt():
    code = "import sys, ui.cli; print('PySide6' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "False"


def test_demo_command_is_registered():
    out = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "demo", "--help"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert "--public-url" in out.stdout


def test_schema_check_without_alembic(ledger, ctx):
    from kiosk.ledger.database import make_engine, schema_is_current

    assert schema_is_current(ledger.engine)
    missing = make_engine("sqlite:///" + str(ctx.home / "missing.db"))
    assert not schema_is_current(missing)
    missing.dispose()

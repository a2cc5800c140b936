"""Voiding: supervisors only, never over money or a payment in progress, slips go dead."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from kiosk.cli.main import main
from kiosk.ledger.invoices import invoice_row
from kiosk.ledger.models import AuditEntry
from kiosk.payments.attempts import cancel_attempt, create_fee_slip_link, start_payment
from kiosk.payments.errors import AmountError
from kiosk.payments.voiding import VoidRefused, void_invoice
from tests.payments.conftest import KEY, PASSWORD
from tests.payments.test_refunds import paid


def status(ctx, number: str) -> str:
    with ctx.ledger.read() as s:
        return invoice_row(s, number).status


def test_a_supervisor_voids_and_its_fee_slip_link_goes_dead(ctx, gateway, client, invoice, staff):
    supervisor, _cashier = staff
    slip = create_fee_slip_link(ctx, gateway, invoice)
    row = void_invoice(ctx, gateway, invoice, "issued twice by mistake", supervisor)
    assert row.status == "void" and status(ctx, invoice) == "void"
    assert client.v1.payment_links.retrieve(slip.stripe_id).active is False
    page = requests.get(slip.url, timeout=10, allow_redirects=False)
    assert page.status_code != 303  # the student reaches no checkout from the old slip
    with ctx.ledger.read() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "invoice.voided"))
    assert entry.username == supervisor.username and "issued twice" in entry.details
    with pytest.raises(AmountError, match="void"):
        start_payment(ctx, gateway, invoice, None)


def test_voiding_is_refused_while_money_or_a_payment_is_on_the_invoice(
    ctx, gateway, client, invoice, staff
):
    supervisor, cashier = staff
    with pytest.raises(VoidRefused, match="supervisor"):
        void_invoice(ctx, gateway, invoice, "why not", cashier)
    with pytest.raises(VoidRefused, match="reason"):
        void_invoice(ctx, gateway, invoice, "  ", supervisor)
    live = start_payment(ctx, gateway, invoice, 100_000)
    with pytest.raises(VoidRefused, match="in progress"):
        void_invoice(ctx, gateway, invoice, "duplicate", supervisor)
    cancel_attempt(ctx, gateway, live.public_id)
    paid(ctx, gateway, client, invoice, 100_000)
    with pytest.raises(VoidRefused, match=r"holds ₹1,000.00 in payments; refund them"):
        void_invoice(ctx, gateway, invoice, "duplicate", supervisor)
    assert status(ctx, invoice) == "partially_paid"


def test_void_command(ctx, home, invoice, staff, monkeypatch, capsys, sandbox):
    monkeypatch.setenv("STRIPE_SECRET_KEY", KEY)
    monkeypatch.setenv("STRIPE_API_BASE", sandbox.url)
    base = ["--home", str(home), "void", invoice, "--reason", "student withdrew"]
    monkeypatch.setenv("FEE_KIOSK_SUPERVISOR_PASSWORD", PASSWORD)
    assert main([*base, "--as", "ravi"]) == 1
    assert "supervisor must approve" in capsys.readouterr().err
    assert main([*base, "--as", "meera"]) == 0
    assert capsys.readouterr().out.strip() == f"{invoice}: void"
    assert main([*base, "--as", "meera"]) == 1
    assert "already void" in capsys.readouterr().err

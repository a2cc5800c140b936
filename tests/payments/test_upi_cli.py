"""UPI end to end through the CLI against the sandbox: `pay` with success, failure then
retry, pending then approved, pending then expired; `refund`, then the refund fails."""

from __future__ import annotations

import json
import threading
import uuid

import pytest

from kiosk.cli.main import main
from kiosk.ledger.invoices import invoice_detail
from kiosk.payments.attempts import attempt_view, list_attempts
from kiosk.payments.methods import UPI_PENDING
from tests.payments.conftest import KEY, PASSWORD, wait_for
from tests.payments.test_upi import MASKED, pay_upi


@pytest.fixture
def cli(monkeypatch, sandbox, home):
    monkeypatch.setenv("STRIPE_SECRET_KEY", KEY)
    monkeypatch.setenv("STRIPE_API_BASE", sandbox.url)
    return lambda *argv: main(["--home", str(home), *argv])


@pytest.fixture(autouse=True)
def _finish_commands(client):
    """A failed test must not leave `pay` waiting for a 30-minute session."""
    started: list[PayCommand] = []
    PayCommand.started = started
    yield
    for run in started:
        if run.thread.is_alive():
            client.raw_request(
                "post", f"/v1/test_helpers/checkout/sessions/{run.view.stripe_id}/expire_now"
            )
            run.thread.join(30)


@pytest.fixture
def invoice(make_invoice) -> str:
    number = f"INV-{uuid.uuid4().hex[:8].upper()}"
    make_invoice(number, [("Tuition", 5_000_000, 1), ("Hostel", 1_100_000, 2)])
    return number


class PayCommand:
    """`pay INVOICE --amount 3000 --methods card,upi` running as the operator would."""

    started: list[PayCommand] = []

    def __init__(self, ctx, cli, invoice: str, *extra: str) -> None:
        self.ctx = ctx
        self.code: list[int] = []
        argv = ("pay", invoice, "--amount", "3000", "--methods", "card,upi", *extra)
        self.thread = threading.Thread(target=lambda: self.code.append(cli(*argv)))
        self.thread.start()
        self.view = wait_for(self._opened, what="the attempt to open")
        PayCommand.started.append(self)

    def _opened(self):
        views = list_attempts(self.ctx, open_only=True)
        return views[0] if views and views[0].stripe_id else None

    def reason_is(self, wanted: str) -> None:
        wait_for(
            lambda: attempt_view(self.ctx, self.view.public_id).reason.startswith(wanted),
            what=f"the attempt's reason to be {wanted!r}",
        )

    def result(self) -> int:
        self.thread.join(60)
        assert not self.thread.is_alive()
        return self.code[0]


def test_pay_by_upi_succeeds_and_reports_methods(ctx, cli, client, invoice, capsys):
    run = PayCommand(ctx, cli, invoice, "--json")
    pay_upi(client, run.view.stripe_id)
    assert run.result() == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "paid" and out["methods"] == ["card", "upi"]
    assert cli("invoices", "show", invoice, "--json") == 0
    [payment] = json.loads(capsys.readouterr().out)["payments"]
    assert payment["method"] == "upi" and payment["upi"] == {"vpa": MASKED}


def test_pay_by_upi_fails_then_the_student_retries(ctx, cli, client, invoice, capsys):
    run = PayCommand(ctx, cli, invoice)
    with pytest.raises(Exception, match="did not approve"):
        pay_upi(client, run.view.stripe_id, "payment.failure@stripeupi")
    run.reason_is("UPI payment not approved")
    pay_upi(client, run.view.stripe_id)
    assert run.result() == 0
    out = capsys.readouterr().out
    assert "the student can pay by Card or UPI" in out
    assert "declined: UPI payment not approved" in out and "\npaid\n" in out


def test_pay_by_upi_pending_then_approved(ctx, cli, client, invoice, capsys):
    run = PayCommand(ctx, cli, invoice)
    pay_upi(client, run.view.stripe_id, "payment.pending@stripeupi")
    run.reason_is(UPI_PENDING)
    client.raw_request(
        "post", f"/v1/test_helpers/checkout/sessions/{run.view.stripe_id}/approve_upi"
    )
    assert run.result() == 0
    out = capsys.readouterr().out
    assert f"open: {UPI_PENDING}" in out and "\npaid\n" in out


def test_pay_by_upi_pending_then_expired(ctx, cli, client, invoice, capsys):
    run = PayCommand(ctx, cli, invoice)
    pay_upi(client, run.view.stripe_id, "payment.pending@stripeupi")
    run.reason_is(UPI_PENDING)
    client.raw_request(
        "post", f"/v1/test_helpers/checkout/sessions/{run.view.stripe_id}/expire_now"
    )
    assert run.result() == 1
    assert "expired: session expired" in capsys.readouterr().out
    with ctx.ledger.begin() as s:
        assert invoice_detail(s, invoice).payments == []


def test_upi_refund_by_cli_then_it_fails_later(
    ctx, cli, client, invoice, staff, monkeypatch, capsys
):
    run = PayCommand(ctx, cli, invoice, "--json")
    pay_upi(client, run.view.stripe_id)
    assert run.result() == 0
    with ctx.ledger.begin() as s:
        receipt = invoice_detail(s, invoice).payments[0].receipt_number
    monkeypatch.setenv("FEE_KIOSK_SUPERVISOR_PASSWORD", PASSWORD)
    capsys.readouterr()
    assert cli("refund", receipt, "--amount", "1000", "--reason", "typo", "--as", "meera") == 0
    assert "₹1,000.00: succeeded" in capsys.readouterr().out
    with ctx.ledger.begin() as s:
        refund_id = invoice_detail(s, invoice).refunds[0].stripe_refund_id
    client.raw_request("post", f"/v1/test_helpers/refunds/{refund_id}/fail")

    def shown_failed() -> bool:
        assert cli("poll") == 0
        capsys.readouterr()
        assert cli("invoices", "show", invoice, "--json") == 0
        out = json.loads(capsys.readouterr().out)
        return [r["status"] for r in out["refunds"]] == ["failed"]

    wait_for(shown_failed, what="the failed refund on the invoice")
    with ctx.ledger.begin() as s:
        paid = {c.name: c.paid for c in invoice_detail(s, invoice).components}
    assert paid["Tuition"] == 300_000  # the money stayed with us

"""The payment commands, driven as an operator would (Ctrl-C included)."""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path

import pytest

from kiosk.cli.main import main
from kiosk.payments.attempts import list_attempts
from kiosk.payments.poller import Poller
from kiosk.payments.status import subscribe
from tests.payments.conftest import KEY, FaultyProxy, pay, start_pay_child, wait_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cli(monkeypatch, sandbox, home):
    monkeypatch.setenv("STRIPE_SECRET_KEY", KEY)
    monkeypatch.setenv("STRIPE_API_BASE", sandbox.url)
    return lambda *argv: main(["--home", str(home), *argv])


def open_attempt(ctx):
    views = list_attempts(ctx, open_only=True)
    return views[0] if views and views[0].stripe_id else None


def test_pay_waits_until_paid_and_prints_the_outcome(ctx, cli, client, invoice, capsys):
    code: list[int] = []
    worker = threading.Thread(
        target=lambda: code.append(cli("pay", invoice, "--amount", "2,500.50", "--json"))
    )
    worker.start()
    view = wait_for(lambda: open_attempt(ctx), what="the attempt to open")
    pay(client, view.stripe_id)
    worker.join(30)
    assert code == [0]
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "paid" and out["amount"] == 250_050
    assert out["attempt_id"] == view.public_id and out["stripe_id"] == view.stripe_id


def test_pay_prints_the_url_and_a_terminal_qr(ctx, cli, invoice, capsys):
    assert cli("pay", invoice, "--channel", "payment-link", "--no-wait") == 0
    out = capsys.readouterr().out
    [view] = list_attempts(ctx)
    assert (view.url in out and "█" in out) or "▀" in out
    assert view.stripe_id.startswith("plink_")


def test_attempts_poll_cancel_and_reconcile_commands(ctx, cli, client, invoice, capsys):
    assert cli("pay", invoice, "--no-wait", "--json") == 0
    started = json.loads(capsys.readouterr().out)
    assert started["amount"] == 6_100_000  # the whole balance by default
    assert cli("attempts", "--open") == 0
    assert started["attempt_id"] in capsys.readouterr().out
    assert cli("poll") == 0
    assert "nothing changed" in capsys.readouterr().out
    pay(client, started["stripe_id"])
    assert cli("reconcile", "--since", "2026-01-01") == 0
    out = capsys.readouterr().out
    assert f"fixed: {started['invoice']}: paid ₹61,000.00" in out
    assert cli("reconcile") == 0
    assert "0 fixed" in capsys.readouterr().out
    assert cli("cancel", started["attempt_id"]) == 0
    assert "paid" in capsys.readouterr().out  # nothing to cancel: it was paid
    assert cli("reconcile", "--since", "yesterday") == 2


def test_ctrl_c_cancels_the_attempt(ctx, home, sandbox, client, invoice):
    child = start_pay_child(home, invoice, sandbox.url)
    try:
        view = wait_for(lambda: open_attempt(ctx), timeout=30, what="the attempt to open")
        child.send_signal(signal.SIGINT)
        out, _ = child.communicate(timeout=30)
    finally:
        child.kill()
    assert child.returncode == 1
    assert json.loads(out)["status"] == "cancelled"
    assert client.v1.checkout.sessions.retrieve(view.stripe_id).status == "expired"


def test_ctrl_c_while_the_attempt_opens_still_cancels_it(ctx, home, sandbox, client, invoice):
    """Ctrl+C while Stripe is still creating the session: the command opens the attempt,
    then cancels it (a KeyboardInterrupt inside the call left it open and payable)."""
    proxy = FaultyProxy(sandbox.url)  # POST /v1/checkout/sessions answered 2 s late
    proxy.delay_first, proxy.delay = 1, 2.0
    child = start_pay_child(home, invoice, proxy.url)
    try:
        assert proxy.forwarded.wait(30), "the session create never reached Stripe"
        child.send_signal(signal.SIGINT)
        out, _ = child.communicate(timeout=60)
    finally:
        child.kill()
        proxy.close()
    assert child.returncode == 1
    result = json.loads(out)
    assert result["status"] == "cancelled"
    assert client.v1.checkout.sessions.retrieve(result["stripe_id"]).status == "expired"


def test_poller_thread_reports_a_payment_and_stops_promptly(ctx, gateway, client, invoice):
    from kiosk.payments.attempts import start_payment

    seen = []
    done = threading.Event()

    def listener(change):
        seen.append(change)
        if change.status == "paid":
            done.set()

    unsubscribe = subscribe(listener)
    poller = Poller(ctx, gateway, low=0.05, high=0.5)
    poller.start()
    try:
        view = start_payment(ctx, gateway, invoice, 100_000)
        poller.wake()
        pay(client, view.stripe_id)
        assert done.wait(15), "the poller never saw the payment"
    finally:
        unsubscribe()
        poller.stop(timeout=5)
    assert not poller._thread.is_alive()
    assert [c.status for c in seen if c.attempt_id == view.public_id][-1] == "paid"


def test_poller_thread_reports_a_refund_that_fails(ctx, gateway, client, invoice, monkeypatch):
    from kiosk.ledger.users import create_user
    from kiosk.payments import poller as poller_module
    from kiosk.payments.attempts import start_payment
    from kiosk.payments.refunds import request_refund

    monkeypatch.setattr(poller_module, "REFUNDS_EVERY", 0.1)
    with ctx.ledger.begin() as s:
        supervisor = create_user(s, "meera", "correct horse battery", "supervisor")
    view = start_payment(ctx, gateway, invoice, 100_000)
    paid = pay(client, view.stripe_id, "4000000000005126")
    from kiosk.payments.poller import poll_once

    poll_once(ctx, gateway)
    failed = threading.Event()
    unsubscribe = subscribe(lambda c: failed.set() if c.status == "failed" else None)
    poller = Poller(ctx, gateway, low=0.05, high=0.2)
    poller.start()
    try:
        request_refund(ctx, gateway, paid.payment_intent, None, "duplicate", supervisor)
        assert failed.wait(15), "the poller never saw the refund fail"
    finally:
        unsubscribe()
        poller.stop(timeout=5)


def _receipt_files(ctx, number: str) -> list[Path]:
    """The PDFs on disk of the invoice's receipts (every receipt must have one)."""
    from sqlalchemy import select

    from kiosk.ledger.models import Invoice, Payment, Receipt

    with ctx.ledger.begin() as s:
        rows = list(
            s.execute(
                select(Receipt.number, Receipt.file_path)
                .join(Payment, Payment.id == Receipt.payment_id)
                .join(Invoice, Invoice.id == Payment.invoice_id)
                .where(Invoice.number == number)
            )
        )
    assert rows, "no receipt was numbered"
    assert all(path for _, path in rows), f"receipts left pending: {rows}"
    return [Path(path) for _, path in rows]


def test_pay_wait_leaves_the_receipt_pdf_on_disk(ctx, cli, client, invoice, capsys):
    """Issue 14: the process that applies the payment renders its receipt."""
    code: list[int] = []
    worker = threading.Thread(target=lambda: code.append(cli("pay", invoice, "--json")))
    worker.start()
    view = wait_for(lambda: open_attempt(ctx), what="the attempt to open")
    pay(client, view.stripe_id)
    worker.join(30)
    assert code == [0]
    assert json.loads(capsys.readouterr().out)["status"] == "paid"  # stdout stays one JSON
    [pdf] = _receipt_files(ctx, invoice)
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("command", [("poll",), ("reconcile", "--since", "2026-01-01")])
def test_poll_and_reconcile_leave_the_receipt_pdf_on_disk(
    ctx, cli, client, invoice, capsys, command
):
    assert cli("pay", invoice, "--no-wait", "--json") == 0
    started = json.loads(capsys.readouterr().out)
    pay(client, started["stripe_id"])
    assert cli(*command) == 0
    out = capsys.readouterr().out
    [pdf] = _receipt_files(ctx, invoice)
    assert pdf.is_file() and pdf.stem in out  # "receipt(s) written: R-…"

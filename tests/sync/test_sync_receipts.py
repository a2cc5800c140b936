"""Issue 14: `sync` renders the receipts of the payments it applies, after each commit."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from kiosk.cli.main import main
from kiosk.ledger.models import Receipt
from kiosk.payments.attempts import start_payment
from kiosk.payments.gateway import StripeGateway
from kiosk.sync.client import RelayClient
from tests.sync.conftest import wait_for
from tests.sync.test_sync import pay


def test_sync_once_leaves_the_receipt_pdf_on_disk(wiring, invoice, capsys):
    ctx = wiring.ctx
    attempt = start_payment(ctx, StripeGateway.from_context(ctx), invoice, 1_200_000)
    pay(wiring.sandbox.url, attempt.stripe_id)
    relay = RelayClient(wiring.relay.url, wiring.token)
    wait_for(
        lambda: any(e.type == "checkout.session.completed" for e in relay.fetch(0, wait=0)[0]),
        what="the payment's event at the relay",
    )
    assert main(["--home", str(ctx.home), "sync", "--once", "--wait", "0"]) == 0
    out = capsys.readouterr().out
    with ctx.ledger.begin() as s:
        [(number, path)] = list(s.execute(select(Receipt.number, Receipt.file_path)))
    assert path and Path(path).read_bytes().startswith(b"%PDF")
    assert f"receipt(s) written: {number}" in out

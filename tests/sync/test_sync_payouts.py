"""A payout event that reaches the desk through the relay makes it fetch the payout."""

from __future__ import annotations

import stripe
from sqlalchemy import select

from kiosk.ledger.models import StripePayout
from kiosk.payments.attempts import start_payment
from kiosk.payments.gateway import StripeGateway
from kiosk.sync.loop import build_sync_loop
from kiosk.sync.state import SyncStatus
from tests.sync.conftest import KEY, Running, wait_for
from tests.sync.test_sync import pay, payments


def synced_payouts(ctx) -> list[tuple[str, str]]:
    with ctx.ledger.read() as s:
        return [(p.id, p.status) for p in s.scalars(select(StripePayout))]


def test_a_payout_event_through_the_relay_syncs_the_payout(wiring, invoice):
    ctx = wiring.ctx
    attempt = start_payment(ctx, StripeGateway.from_context(ctx), invoice, 1_000_000)
    loop = build_sync_loop(ctx, wait=1)
    with Running(loop):
        wait_for(lambda: loop.state.status is SyncStatus.CONNECTED, what="connected")
        pay(wiring.sandbox.url, attempt.stripe_id)
        wait_for(lambda: payments(ctx, invoice), what="the payment")
        client = stripe.StripeClient(
            KEY, base_addresses={"api": wiring.sandbox.url}, max_network_retries=0
        )
        resp = client.raw_request("post", "/v1/test_helpers/payouts/run_now")
        payout = client.deserialize(resp, api_mode="V1")
        found = wait_for(
            lambda: (payout.id, "paid") in synced_payouts(ctx), timeout=20, what="the payout"
        )
    assert found

"""The payer's confirmation page: Checkout's success_url points at the relay's /paid, and
the desk's sync tells the relay the receipt number to show there."""

from __future__ import annotations

import httpx
import stripe

from kiosk.payments.attempts import start_payment
from kiosk.payments.gateway import StripeGateway
from kiosk.sync.loop import build_sync_loop
from tests.sync.conftest import KEY, Running, wait_for
from tests.sync.test_sync import pay, payments


def test_the_relay_page_shows_the_receipt_the_desk_issued(wiring, invoice):
    ctx = wiring.ctx
    gateway = StripeGateway.from_context(ctx)
    attempt = start_payment(ctx, gateway, invoice, 2_000_000)
    client = stripe.StripeClient(KEY, base_addresses={"api": wiring.sandbox.url})
    session = client.v1.checkout.sessions.retrieve(attempt.stripe_id)
    assert session.success_url == f"{wiring.relay.url}/paid?session={{CHECKOUT_SESSION_ID}}"
    page_url = f"{wiring.relay.url}/paid?session={attempt.stripe_id}"
    loop = build_sync_loop(ctx, wait=1)
    with Running(loop):
        pay(wiring.sandbox.url, attempt.stripe_id)
        wait_for(lambda: payments(ctx, invoice), what="the payment")
        wait_for(lambda: "R-" in httpx.get(page_url).text, what="the receipt on the page")
    page = httpx.get(page_url).text
    assert "₹20,000.00" in page and invoice in page and "Payment received" in page


def test_a_success_url_set_by_the_institution_is_kept(wiring, invoice):
    ctx = wiring.ctx
    ctx.settings.set(
        "stripe.success_url", "https://fees.example.edu/thanks?s={CHECKOUT_SESSION_ID}"
    )
    attempt = start_payment(ctx, StripeGateway.from_context(ctx), invoice, 100_000)
    client = stripe.StripeClient(KEY, base_addresses={"api": wiring.sandbox.url})
    got = client.v1.checkout.sessions.retrieve(attempt.stripe_id).success_url
    assert got == "https://fees.example.edu/thanks?s={CHECKOUT_SESSION_ID}"

"""A refund made outside the desk (in the Stripe Dashboard) reaches the ledger by every
source, now that a Charge no longer carries its refunds (API 2022-11-15, issue 13 item 1)."""

from __future__ import annotations

import stripe
from sqlalchemy import select

from kiosk.ledger.models import Payment, Refund
from kiosk.payments.after_commit import finish
from kiosk.payments.apply import event_work
from kiosk.payments.attempts import start_payment
from kiosk.payments.gateway import StripeGateway
from kiosk.payments.poller import poll_once
from kiosk.payments.reconcile import reconcile
from kiosk.payments.refunds import poll_refunds
from kiosk.payments.verify import apply_in_ledger
from tests.payments.conftest import KEY, events_for, pay, wait_for


def _paid_intent(ctx, gateway, client, invoice) -> str:
    view = start_payment(ctx, gateway, invoice, 300_000)
    pay(client, view.stripe_id)
    poll_once(ctx, gateway)
    with ctx.ledger.begin() as s:
        return s.scalars(select(Payment.stripe_payment_intent)).one()


def _dashboard_refund(client, pi: str) -> dict:
    """A refund the desk did not make, as a bursar would in the Stripe Dashboard."""
    return client.v1.refunds.create({"payment_intent": pi, "amount": 100_000}).to_dict()


def _learned(ctx, refund_id: str) -> list[tuple[int, str]]:
    with ctx.ledger.begin() as s:
        rows = s.execute(
            select(Refund.amount, Refund.status).where(Refund.stripe_refund_id == refund_id)
        ).all()
    return [tuple(r) for r in rows]


def _apply(ctx, gateway, events) -> None:
    results = []
    for event in events:
        work = event_work(event, source="relay", desk=ctx.desk, settings=ctx.settings)
        results.append(apply_in_ledger(ctx, gateway, work))
    finish(ctx, gateway, results)


def _events(client, refund: dict, type_: str) -> list[dict]:
    def found():
        events = [
            e for e in events_for(client, refund["id"], refund["charge"]) if e["type"] == type_
        ]
        return events or None

    return wait_for(found, what=type_)


def test_charges_no_longer_carry_their_refunds(client, ctx, gateway, invoice):
    pi = _paid_intent(ctx, gateway, client, invoice)
    refund = _dashboard_refund(client, pi)
    charge = client.v1.charges.retrieve(refund["charge"])
    assert "refunds" not in charge.to_dict()
    expanded = client.v1.charges.retrieve(refund["charge"], {"expand": ["refunds"]})
    assert [r.id for r in expanded.refunds.data] == [refund["id"]]
    [event] = _events(client, refund, "charge.refunded")
    assert "refunds" not in event["data"]["object"]


def test_learned_from_refund_events(client, ctx, gateway, invoice):
    refund = _dashboard_refund(client, _paid_intent(ctx, gateway, client, invoice))
    _apply(ctx, gateway, _events(client, refund, "refund.created"))
    assert _learned(ctx, refund["id"]) == [(100_000, "succeeded")]


def test_learned_from_charge_refunded_without_the_list(client, ctx, gateway, invoice):
    refund = _dashboard_refund(client, _paid_intent(ctx, gateway, client, invoice))
    _apply(ctx, gateway, _events(client, refund, "charge.refunded"))
    assert _learned(ctx, refund["id"]) == [(100_000, "succeeded")]


def test_learned_by_polling(client, ctx, gateway, invoice):
    refund = _dashboard_refund(client, _paid_intent(ctx, gateway, client, invoice))
    assert _learned(ctx, refund["id"]) == []
    poll_refunds(ctx, gateway)
    assert _learned(ctx, refund["id"]) == [(100_000, "succeeded")]


def test_learned_by_reconcile(own_sandbox, ctx, make_invoice):
    client = stripe.StripeClient(KEY, base_addresses={"api": own_sandbox.url})
    gateway = StripeGateway(KEY, own_sandbox.url, timeout=5, max_retries=2)
    make_invoice("INV-RECON-1", [("Tuition", 5_000_000, 1)])
    refund = _dashboard_refund(client, _paid_intent(ctx, gateway, client, "INV-RECON-1"))
    reconcile(ctx, gateway)
    assert _learned(ctx, refund["id"]) == [(100_000, "succeeded")]

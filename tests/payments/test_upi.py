"""UPI at the desk: what a payment offers, the method and masked VPA in the ledger, JSON,
receipts, the day's summary, and refunds (60-day window, failing later)."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, text

from kiosk.ledger.day_summary import day_summary
from kiosk.ledger.invoices import invoice_detail
from kiosk.ledger.models import Payment, PaymentAttempt
from kiosk.ledger.views import detail_json
from kiosk.payments import methods
from kiosk.payments.attempts import start_payment
from kiosk.payments.errors import NotRefundable, PaymentError
from kiosk.payments.poller import poll_once
from kiosk.payments.refunds import poll_refunds, refund_view, request_refund
from kiosk.receipts.service import render_pending
from tests.payments.conftest import wait_for
from tests.receipts.conftest import pdf_text

FULL_VPA = "payment.success@stripeupi"
MASKED = "pay•••@stripeupi"


def pay_upi(client, session_id: str, vpa: str = FULL_VPA):
    resp = client.raw_request(
        "post",
        f"/v1/test_helpers/checkout/sessions/{session_id}/pay",
        payment_method_type="upi",
        vpa=vpa,
    )
    return client.deserialize(resp, api_mode="V1")


def paid_by_upi(ctx, gateway, client, invoice, amount=300_000) -> str:
    view = start_payment(ctx, gateway, invoice, amount)
    pay_upi(client, view.stripe_id)
    poll_once(ctx, gateway)
    with ctx.ledger.begin() as s:
        return invoice_detail(s, invoice).payments[-1].receipt_number


def test_mask_keeps_three_characters_and_the_bank():
    assert methods.mask_vpa("payment.success@okaxis") == "pay•••@okaxis"
    assert methods.mask_vpa("ab@ybl") == "ab•••@ybl"
    assert methods.mask_vpa(" asha.verma99@oksbi ") == "ash•••@oksbi"


def test_offered_methods_follow_config_currency_and_override():
    assert methods.offered(["card", "upi"], "INR") == ("card", "upi")
    assert methods.offered(["card", "upi"], "USD") == ("card",)
    assert methods.offered(["card", "upi"], "INR", "upi") == ("upi",)
    with pytest.raises(PaymentError, match="UPI takes INR only"):
        methods.offered(["card"], "USD", "card,upi")
    with pytest.raises(PaymentError, match="--methods: paypal"):
        methods.offered(["card"], "INR", "card,paypal")
    assert methods.describe(("card", "upi")) == "Card or UPI"


def test_session_offers_configured_methods_or_the_override(ctx, gateway, client, invoice):
    view = start_payment(ctx, gateway, invoice, 100_000)
    assert view.methods == ("card", "upi") and view.to_json()["methods"] == ["card", "upi"]
    session = client.v1.checkout.sessions.retrieve(view.stripe_id)
    assert session.payment_method_types == ["card", "upi"]
    ctx.settings.set("payments.methods", "card")
    view = start_payment(ctx, gateway, invoice, 100_000)
    assert client.v1.checkout.sessions.retrieve(view.stripe_id).payment_method_types == ["card"]
    view = start_payment(ctx, gateway, invoice, 100_000, "payment-link", methods="upi")
    assert client.v1.payment_links.retrieve(view.stripe_id).payment_method_types == ["upi"]
    with ctx.ledger.begin() as s:
        assert s.scalar(select(PaymentAttempt.methods).order_by(PaymentAttempt.id.desc())) == "upi"


def test_bad_methods_change_nothing(ctx, gateway, invoice):
    with pytest.raises(PaymentError, match="--methods"):
        start_payment(ctx, gateway, invoice, 100_000, methods="cash")
    with ctx.ledger.begin() as s:
        assert s.scalar(select(PaymentAttempt.id)) is None


def test_upi_payment_records_method_and_masked_vpa_only(ctx, gateway, client, invoice):
    receipt = paid_by_upi(ctx, gateway, client, invoice)
    with ctx.ledger.begin() as s:
        payment = s.scalar(select(Payment))
        assert (payment.method, payment.upi_vpa, payment.card_last4) == ("upi", MASKED, "")
        out = detail_json(invoice_detail(s, invoice))
        dump = "\n".join(
            str(row)
            for table in ("payments", "audit_log", "receipts", "processed_events")
            for row in s.execute(text(f"SELECT * FROM {table}"))
        )
    [p] = out["payments"]
    assert (p["method"], p["upi"], p["card"]) == ("upi", {"vpa": MASKED}, None)
    assert FULL_VPA not in dump and "payment.success" not in dump
    assert receipt


def test_card_payment_json_keeps_card(ctx, gateway, client, invoice):
    from tests.payments.conftest import pay

    view = start_payment(ctx, gateway, invoice, 100_000)
    pay(client, view.stripe_id)
    poll_once(ctx, gateway)
    with ctx.ledger.begin() as s:
        [p] = detail_json(invoice_detail(s, invoice))["payments"]
    assert p["method"] == "card" and p["upi"] is None and p["card"]["last4"] == "4242"


def test_receipt_prints_masked_vpa_never_the_full_one(ctx, gateway, client, invoice):
    number = paid_by_upi(ctx, gateway, client, invoice)
    assert number in render_pending(ctx)
    with ctx.ledger.begin() as s:
        from kiosk.receipts.facts import receipt_facts

        path = receipt_facts(s, number).file_path
    words = pdf_text(path)
    assert f"UPI · {MASKED}" in words
    assert FULL_VPA not in words and "payment.success" not in words


def test_day_summary_splits_by_method(ctx, gateway, client, invoice):
    from tests.payments.conftest import pay

    paid_by_upi(ctx, gateway, client, invoice, 300_000)
    view = start_payment(ctx, gateway, invoice, 100_000)
    pay(client, view.stripe_id)
    poll_once(ctx, gateway)
    summary = day_summary(ctx)  # the desk's today, in its timezone
    [inr] = summary.currencies
    assert {ln.label: ln.amount for ln in inr.by_method} == {"Card": 100_000, "UPI": 300_000}
    assert ("Method", "UPI") in {(r[0], r[1]) for r in summary.rows("en_IN")}


def test_upi_refund_past_60_days_is_refused_in_plain_words(ctx, gateway, client, invoice, staff):
    supervisor, _ = staff
    receipt = paid_by_upi(ctx, gateway, client, invoice)
    with ctx.ledger.begin() as s:
        charge = s.scalar(select(Payment.stripe_charge_id))
    client.raw_request("post", f"/v1/test_helpers/charges/{charge}/backdate", days=61)
    with pytest.raises(NotRefundable) as exc:
        request_refund(ctx, gateway, receipt, 100_000, "withdrawn", supervisor)
    assert "more than 60 days old" in exc.value.message and "bank transfer" in exc.value.message
    with ctx.ledger.begin() as s:
        assert {c.name: c.paid for c in invoice_detail(s, invoice).components}["Tuition"] == (
            300_000
        )


def test_upi_refund_that_fails_later_restores_the_allocation(ctx, gateway, client, invoice, staff):
    supervisor, _ = staff
    receipt = paid_by_upi(ctx, gateway, client, invoice)
    view = request_refund(ctx, gateway, receipt, 100_000, "duplicate payment", supervisor)
    assert view.status == "succeeded"
    client.raw_request("post", f"/v1/test_helpers/refunds/{view.stripe_refund_id}/fail")

    def failed() -> bool:
        poll_refunds(ctx, gateway)
        return refund_view(ctx, view.id).status == "failed"

    wait_for(failed, what="the UPI refund to fail")
    with ctx.ledger.begin() as s:
        detail = invoice_detail(s, invoice)
        assert {c.name: c.paid for c in detail.components}["Tuition"] == 300_000
        assert [r.status for r in detail.refunds] == ["failed"]
    [inr] = day_summary(ctx).currencies  # the desk's today, in its timezone
    assert [ln.amount for ln in inr.failed_refunds] == [100_000] and inr.refunded == 0


@pytest.fixture
def invoice(make_invoice) -> str:
    number = f"INV-{uuid.uuid4().hex[:8].upper()}"
    make_invoice(number, [("Tuition", 5_000_000, 1), ("Hostel", 1_100_000, 2)])
    return number


@given(
    handle=st.from_regex(r"[a-z0-9][a-z0-9._-]{0,30}", fullmatch=True),
    bank=st.from_regex(r"[a-z][a-z0-9]{1,15}", fullmatch=True),
)
def test_mask_never_shows_more_than_three_characters(handle: str, bank: str):
    masked = methods.mask_vpa(f"{handle}@{bank}")
    assert masked == f"{handle[:3]}•••@{bank}"
    if len(handle) > 3:
        assert f"{handle}@{bank}" not in masked


def test_upi_details_learnt_after_an_event_without_the_charge(ctx, gateway, client, invoice):
    """checkout.session.completed carries the PaymentIntent as an id only: the method and
    masked VPA are read from Stripe after the commit, as card details are."""
    from kiosk.payments.after_commit import finish
    from kiosk.payments.apply import event_work
    from kiosk.payments.verify import apply_in_ledger
    from tests.payments.conftest import events_for

    view = start_payment(ctx, gateway, invoice, 100_000)
    pay_upi(client, view.stripe_id)
    [event] = [
        e
        for e in events_for(client, view.stripe_id, view.public_id)
        if e["type"] == "checkout.session.completed"
    ]
    work = event_work(event, source="relay", desk=ctx.desk, settings=ctx.settings)
    result = apply_in_ledger(ctx, gateway, work)
    finish(ctx, gateway, [result])
    with ctx.ledger.begin() as s:
        payment = s.scalar(select(Payment))
        assert (payment.method, payment.upi_vpa) == ("upi", MASKED)

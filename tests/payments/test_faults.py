"""Every fault in the issue, through the sandbox over loopback."""

from __future__ import annotations

import json
import signal
import socket
from pathlib import Path

import pytest
import stripe
from sqlalchemy import select

from kiosk.ledger.invoices import invoice_detail
from kiosk.ledger.models import Payment, PaymentAttempt
from kiosk.payments import attempts
from kiosk.payments.apply import apply_event
from kiosk.payments.attempt_records import record_attempt
from kiosk.payments.attempts import cancel_attempt, resume_in_flight, start_payment
from kiosk.payments.charges import charge_for, ensure_customer
from kiosk.payments.errors import StripeUnavailable
from kiosk.payments.gateway import StripeGateway
from kiosk.payments.poller import poll_once
from kiosk.payments.status import subscribe
from kiosk.payments.verify import apply_in_ledger
from tests.payments.conftest import (
    KEY,
    events_for,
    expire_now,
    pay,
    sessions_for_attempt,
    start_pay_child,
    wait_for,
)

ROOT = Path(__file__).resolve().parents[2]


def closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def relay(ctx, events, gateway=None):
    """Apply `events` as the sync loop does, each committed; no post-commit follow-ups (as if
    the desk died right after each commit)."""
    out = []
    for event in events:
        out.append(
            apply_in_ledger(
                ctx,
                gateway,
                lambda s, v, event=event: apply_event(
                    s, event, source="relay", desk=ctx.desk, verifier=v, settings=ctx.settings
                ),
            )
        )
    return out


def payments(ctx) -> list[Payment]:
    with ctx.ledger.begin() as s:
        return list(s.scalars(select(Payment)))


def test_stripe_unreachable_is_a_readable_error(ctx, invoice):
    gateway = StripeGateway(KEY, closed_port(), timeout=1, max_retries=1)
    with pytest.raises(StripeUnavailable) as info:
        start_payment(ctx, gateway, invoice, 100_000)
    assert info.value.message == "Stripe is unreachable; retrying"
    assert "Traceback" not in str(info.value) and KEY not in str(info.value)


def test_500s_on_create_are_retried_with_the_same_key(ctx, proxy, client, invoice):
    proxy.fail_first = 2  # the SDK retries twice with the same Idempotency-Key
    gateway = StripeGateway(KEY, proxy.url, timeout=5, max_retries=2)
    view = start_payment(ctx, gateway, invoice, 100_000)
    assert len(proxy.hits) == 3
    assert [cs.id for cs in sessions_for_attempt(client, view.public_id)] == [view.stripe_id]


def test_500s_beyond_retries_leave_the_attempt_in_flight_then_resume(
    ctx, proxy, client, gateway, invoice
):
    proxy.fail_first = 3
    flaky = StripeGateway(KEY, proxy.url, timeout=5, max_retries=1)
    with pytest.raises(StripeUnavailable, match=r"Stripe had a problem \(HTTP 500\)"):
        start_payment(ctx, flaky, invoice, 100_000)
    [view] = attempts.list_attempts(ctx)
    assert view.status == "created"
    [resumed] = resume_in_flight(ctx, gateway)
    assert resumed.status == "open" and resumed.stripe_id.startswith("cs_")
    assert len(sessions_for_attempt(client, view.public_id)) == 1


def test_timeout_on_create_then_retry_gives_one_session(ctx, proxy, client, invoice):
    proxy.delay_first, proxy.delay = 1, 3.0  # the sandbox creates it; the answer is late
    gateway = StripeGateway(KEY, proxy.url, timeout=1, max_retries=2)
    view = start_payment(ctx, gateway, invoice, 100_000)
    assert len(proxy.hits) == 2  # the timed-out request and its retry, same key
    assert [cs.id for cs in sessions_for_attempt(client, view.public_id)] == [view.stripe_id]


def test_desk_killed_between_recording_and_stripes_answer(
    ctx, home, proxy, client, gateway, invoice
):
    proxy.delay_first, proxy.delay = 1, 60.0
    child = start_pay_child(home, invoice, proxy.url, "--no-wait")
    try:
        assert proxy.forwarded.wait(30), "the desk never reached Stripe"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    [view] = attempts.list_attempts(ctx)
    assert view.status == "created" and view.stripe_id is None
    created = sessions_for_attempt(client, view.public_id)
    assert len(created) == 1  # Stripe made it; the desk never heard
    [resumed] = resume_in_flight(ctx, gateway)
    assert resumed.stripe_id == created[0].id and resumed.status == "open"
    assert len(sessions_for_attempt(client, view.public_id)) == 1


def test_desk_killed_before_stripe_heard_anything(ctx, gateway, client, invoice):
    ensure_customer(ctx, gateway, invoice)
    public_id = record_attempt(ctx, invoice, 100_000, "checkout", None, live=True)
    assert sessions_for_attempt(client, public_id) == []
    [resumed] = resume_in_flight(ctx, gateway)
    assert resumed.status == "open"
    assert resume_in_flight(ctx, gateway) == []
    assert len(sessions_for_attempt(client, public_id)) == 1


def test_duplicate_and_out_of_order_events_never_undo_a_success(ctx, gateway, client, invoice):
    view = start_payment(ctx, gateway, invoice, 100_000)
    pay(client, view.stripe_id)
    events = events_for(client, view.public_id, view.stripe_id)
    completed = next(e for e in events if e["type"] == "checkout.session.completed")
    late_expiry = {
        **completed,
        "id": completed["id"] + "_x",
        "type": "checkout.session.expired",
        "data": {
            "object": {
                **completed["data"]["object"],
                "status": "expired",
                "payment_status": "unpaid",
            }
        },
    }
    pi = completed["data"]["object"]["payment_intent"]
    late_failure = {
        "id": "evt_late_failure_" + view.public_id,
        "type": "payment_intent.payment_failed",
        "created": completed["created"],
        "data": {
            "object": {
                "id": pi,
                "object": "payment_intent",
                "status": "requires_payment_method",
                "metadata": {"attempt": view.public_id},
                "last_payment_error": {"code": "card_declined"},
            }
        },
    }
    outcomes = [
        r.outcome
        for r in relay(
            ctx, [completed, completed, late_expiry, late_failure, *events, *reversed(events)]
        )
    ]
    assert outcomes[:2] == ["applied", "duplicate"]
    assert attempts.attempt_view(ctx, view.public_id).status == "paid"
    assert len(payments(ctx)) == 1


def test_session_paid_before_stripe_heard_the_cancel_is_recorded_and_counts(
    ctx, gateway, client, invoice
):
    """Stripe still had the session open and took the money: it refuses the expire the
    poller retries, so the payment counts; it is not late (issue 14)."""
    view = start_payment(ctx, gateway, invoice, 100_000)
    offline = StripeGateway(KEY, closed_port(), timeout=1, max_retries=0)
    cancelled = cancel_attempt(ctx, offline, view.public_id)  # Stripe cannot be told
    assert cancelled.status == "cancelled" and cancelled.reason == attempts.UNCONFIRMED_CANCEL
    pay(client, view.stripe_id)  # the student pays on the still-open page
    seen = []
    unsubscribe = subscribe(seen.append)
    try:
        poll_once(ctx, gateway)  # tries the expire again: finds the money
    finally:
        unsubscribe()
    [payment] = payments(ctx)
    assert payment.flag == "" and payment.amount == 100_000
    assert [c.status for c in seen] == ["paid"] and "refund or keep" not in seen[0].reason
    relay(ctx, events_for(client, view.public_id, view.stripe_id))
    assert len(payments(ctx)) == 1


def test_link_session_paid_after_cancel_arrives_by_relay(
    ctx, gateway, client, sandbox, invoice, monkeypatch
):
    import time

    import requests

    view = start_payment(ctx, gateway, invoice, 100_000, channel="payment-link")
    assert view.stripe_id.startswith("plink_")
    page = requests.get(view.url, allow_redirects=False, timeout=5)  # the student opens it
    assert page.status_code == 303
    session_id = page.headers["location"].rstrip("/").rsplit("/", 1)[-1]
    cancel_attempt(ctx, gateway, view.public_id)
    assert client.v1.payment_links.retrieve(view.stripe_id).active is False
    monkeypatch.setattr(sandbox.engine, "now", lambda: int(time.time()) + 5)  # paid 5 s later
    pay(client, session_id)
    relay(ctx, events_for(client, view.public_id, view.stripe_id, session_id), gateway)
    [payment] = payments(ctx)
    assert payment.flag == "late_after_cancel"


def test_decline_then_successful_retry_on_the_same_session(ctx, gateway, client, invoice):
    view = start_payment(ctx, gateway, invoice, 100_000)
    with pytest.raises(stripe.CardError):
        pay(client, view.stripe_id, "4000000000009995")
    changes = poll_once(ctx, gateway)
    assert [(c.status, c.reason) for c in changes] == [
        ("declined", "card declined: insufficient funds")
    ]
    with ctx.ledger.begin() as s:
        attempt = s.scalar(select(PaymentAttempt).where(PaymentAttempt.public_id == view.public_id))
        assert attempt.live_invoice_id is not None  # still the live attempt: retry allowed
    pay(client, view.stripe_id)
    assert [c.status for c in poll_once(ctx, gateway)] == ["paid"]
    events = events_for(client, view.public_id, view.stripe_id)
    relay(ctx, list(reversed(events)))  # the old decline arrives after the success
    assert attempts.attempt_view(ctx, view.public_id).status == "paid"
    with ctx.ledger.begin() as s:
        assert invoice_detail(s, invoice).row.paid == 100_000


def test_declines_reach_the_desk_by_relay_as_they_happen(ctx, gateway, client, invoice):
    view = start_payment(ctx, gateway, invoice, 100_000)
    with pytest.raises(stripe.CardError):
        pay(client, view.stripe_id, "4000000000000002")
    [result] = [
        r for r in relay(ctx, events_for(client, view.public_id, view.stripe_id)) if r.changes
    ]
    assert result.changes[0].status == "declined"
    assert result.changes[0].reason == "card declined: generic decline"


def test_cli_refuses_an_amount_under_stripes_minimum(home, sandbox, invoice, monkeypatch, capsys):
    from kiosk.cli.main import main

    monkeypatch.setenv("STRIPE_SECRET_KEY", KEY)
    monkeypatch.setenv("STRIPE_API_BASE", sandbox.url)
    code = main(["--home", str(home), "pay", invoice, "--amount", "0.40", "--no-wait", "--json"])
    assert code == 1 and "below Stripe's minimum" in capsys.readouterr().err
    assert main(["--home", str(home), "attempts", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def wait_refund(ctx, gateway, view, status):
    from kiosk.payments.refunds import poll_refunds, refund_view

    def done():
        poll_refunds(ctx, gateway)
        return refund_view(ctx, view.id).status == status

    wait_for(done, what=f"refund {status}")


def test_paid_before_the_desk_recovered_from_a_crash(ctx, gateway, client, invoice):
    """Stripe made the session and it was paid while the desk was down: the relay's event
    lands the money; resuming afterwards keeps the attempt paid."""
    from kiosk.payments import stripe_params

    ensure_customer(ctx, gateway, invoice)
    public_id = record_attempt(ctx, invoice, 100_000, "checkout", None, live=True)
    with ctx.ledger.begin() as s:
        a = s.scalar(select(PaymentAttempt).where(PaymentAttempt.public_id == public_id))
        params = stripe_params.checkout_session(
            charge_for(s, a),
            str(ctx.settings.get("stripe.success_url")),
            str(ctx.settings.get("stripe.cancel_url")),
        )
    cs = gateway.create_checkout_session(params, f"kiosk:{public_id}:create-session")
    pay(client, cs["id"])
    relay(ctx, events_for(client, public_id, cs["id"]))
    assert attempts.attempt_view(ctx, public_id).status == "paid"
    assert resume_in_flight(ctx, gateway) == []
    assert len(payments(ctx)) == 1


def test_cancel_that_stripe_refuses_to_hear_is_retried_by_the_poller(
    ctx, client, sandbox, gateway, invoice
):
    from tests.payments.conftest import FaultyProxy

    view = start_payment(ctx, gateway, invoice, 100_000)
    proxy = FaultyProxy(sandbox.url, path_prefix=f"/v1/checkout/sessions/{view.stripe_id}/expire")
    try:
        proxy.fail_first = 3
        flaky = StripeGateway(KEY, proxy.url, timeout=5, max_retries=1)
        cancelled = cancel_attempt(ctx, flaky, view.public_id)
        assert cancelled.reason == attempts.UNCONFIRMED_CANCEL
        assert client.v1.checkout.sessions.retrieve(view.stripe_id).status == "open"
        poll_once(ctx, flaky)  # retries the expire until Stripe hears it
        poll_once(ctx, flaky)  # and then leaves the attempt alone
    finally:
        proxy.close()
    assert client.v1.checkout.sessions.retrieve(view.stripe_id).status == "expired"
    assert attempts.attempt_view(ctx, view.public_id).reason == attempts.CANCELLED
    assert payments(ctx) == []


@pytest.mark.parametrize("fault", ["500s", "timeout"])
def test_refund_create_retried_with_the_same_key_refunds_once(
    ctx, client, sandbox, gateway, invoice, fault
):
    from kiosk.ledger.users import create_user
    from kiosk.payments.refunds import request_refund
    from tests.payments.conftest import FaultyProxy

    with ctx.ledger.begin() as s:
        supervisor = create_user(s, "meera", "correct horse battery", "supervisor")
    view = start_payment(ctx, gateway, invoice, 300_000)
    paid = pay(client, view.stripe_id)
    poll_once(ctx, gateway)
    proxy = FaultyProxy(sandbox.url, path_prefix="/v1/refunds")
    try:
        if fault == "500s":
            proxy.fail_first = 2
        else:
            proxy.delay_first, proxy.delay = 1, 3.0
        flaky = StripeGateway(KEY, proxy.url, timeout=1, max_retries=2)
        refund = request_refund(ctx, flaky, paid.payment_intent, 100_000, "typo", supervisor)
    finally:
        proxy.close()
    assert refund.status == "succeeded"
    stripe_refunds = client.v1.refunds.list({"payment_intent": paid.payment_intent}).data
    assert [r.id for r in stripe_refunds] == [refund.stripe_refund_id]


def test_poller_leaves_an_attempt_being_created_alone_then_resumes_it(
    ctx, gateway, client, invoice
):
    from datetime import timedelta

    ensure_customer(ctx, gateway, invoice)
    public_id = record_attempt(ctx, invoice, 100_000, "checkout", None, live=True)
    poll_once(ctx, gateway)  # its desk may be waiting for Stripe right now
    assert attempts.attempt_view(ctx, public_id).status == "created"
    assert sessions_for_attempt(client, public_id) == []
    with ctx.ledger.begin() as s:
        a = s.scalar(select(PaymentAttempt).where(PaymentAttempt.public_id == public_id))
        a.created_at -= timedelta(minutes=1)  # interrupted a minute ago
    assert [c.status for c in poll_once(ctx, gateway)] == ["open"]
    assert len(sessions_for_attempt(client, public_id)) == 1


def links_for_attempt(client, attempt_id: str) -> list:
    return [
        link
        for link in client.v1.payment_links.list({"limit": 100}).auto_paging_iter()
        if link.metadata.to_dict().get("attempt") == attempt_id
    ]


def test_500s_on_link_create_give_one_price_and_one_link(ctx, client, sandbox, invoice):
    from tests.payments.conftest import FaultyProxy

    proxy = FaultyProxy(sandbox.url, path_prefix="/v1/payment_links")
    try:
        proxy.fail_first = 2
        flaky = StripeGateway(KEY, proxy.url, timeout=5, max_retries=2)
        view = start_payment(ctx, flaky, invoice, 100_000, channel="payment-link")
    finally:
        proxy.close()
    assert [link.id for link in links_for_attempt(client, view.public_id)] == [view.stripe_id]


def test_desk_killed_between_price_and_link(ctx, gateway, client, invoice):
    """The price was made, the link not: resuming reuses the price (same key)."""
    from kiosk.payments import stripe_params

    ensure_customer(ctx, gateway, invoice)
    public_id = record_attempt(ctx, invoice, 100_000, "payment_link", None, live=True)
    with ctx.ledger.begin() as s:
        a = s.scalar(select(PaymentAttempt).where(PaymentAttempt.public_id == public_id))
        charge = charge_for(s, a)
    price = gateway.create_price(stripe_params.price(charge), f"kiosk:{public_id}:create-price")
    [view] = resume_in_flight(ctx, gateway)
    assert view.status == "open" and view.stripe_id.startswith("plink_")
    items = client.v1.payment_links.line_items.list(view.stripe_id).data
    assert [item.price.id for item in items] == [price["id"]]
    assert len(links_for_attempt(client, public_id)) == 1


def test_link_abandoned_by_one_payer_and_paid_by_another(ctx, gateway, client, invoice):
    import requests

    view = start_payment(ctx, gateway, invoice, 100_000, channel="payment-link")
    first = requests.get(view.url, allow_redirects=False, timeout=5).headers["location"]
    second = requests.get(view.url, allow_redirects=False, timeout=5).headers["location"]
    first_id, second_id = (u.rstrip("/").rsplit("/", 1)[-1] for u in (first, second))
    expire_now(client, first_id)  # the first payer walked away
    pay(client, second_id)
    relay(ctx, events_for(client, view.public_id, view.stripe_id, first_id, second_id))
    assert attempts.attempt_view(ctx, view.public_id).status == "paid"
    [payment] = payments(ctx)
    assert payment.stripe_session_id == second_id and payment.flag == ""

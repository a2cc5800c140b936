"""UPI in the sandbox: offered methods, test VPAs, approval helpers, refunds, fees."""

from __future__ import annotations

from typing import Any

import pytest
import requests
import stripe

from kiosk.sandbox import start_sandbox
from kiosk.sandbox.fees import FeeSchedule
from tests.sandbox.conftest import make_client, pay

SUCCESS, FAILURE, PENDING = (
    "payment.success@stripeupi",
    "payment.failure@stripeupi",
    "payment.pending@stripeupi",
)


def pay_upi(client: stripe.StripeClient, session_id: str, vpa: str) -> Any:
    resp = client.raw_request(
        "post",
        f"/v1/test_helpers/checkout/sessions/{session_id}/pay",
        payment_method_type="upi",
        vpa=vpa,
    )
    return client.deserialize(resp, api_mode="V1")


def helper(client: stripe.StripeClient, session_id: str, action: str) -> Any:
    resp = client.raw_request("post", f"/v1/test_helpers/checkout/sessions/{session_id}/{action}")
    return client.deserialize(resp, api_mode="V1")


def _usd_items() -> list[dict[str, Any]]:
    data = {"currency": "usd", "unit_amount": 5000, "product_data": {"name": "Fee"}}
    return [{"price_data": data, "quantity": 1}]


def test_dynamic_methods_by_currency(new_session):
    assert new_session().payment_method_types == ["card", "upi"]
    assert new_session(line_items=_usd_items()).payment_method_types == ["card"]
    assert new_session(payment_method_types=["upi"]).payment_method_types == ["upi"]


def test_upi_with_other_currency_is_400_naming_the_param(new_session, stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        new_session(line_items=_usd_items(), payment_method_types=["card", "upi"])
    assert exc.value.http_status == 400 and exc.value.param == "payment_method_types"
    assert "upi" in exc.value.user_message
    price = stripe_client.v1.prices.create(
        {"currency": "usd", "unit_amount": 5000, "product_data": {"name": "Fee"}}
    )
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.payment_links.create(
            {"line_items": [{"price": price.id, "quantity": 1}], "payment_method_types": ["upi"]}
        )
    assert exc.value.param == "payment_method_types"
    with pytest.raises(stripe.InvalidRequestError) as exc:
        new_session(payment_method_types=["card", "ideal"])
    assert exc.value.param == "payment_method_types[1]"


def test_payment_link_sessions_offer_the_links_methods(stripe_client, sandbox):
    price = stripe_client.v1.prices.create(
        {"currency": "inr", "unit_amount": 50000, "product_data": {"name": "Fee"}}
    )
    link = stripe_client.v1.payment_links.create(
        {"line_items": [{"price": price.id, "quantity": 1}], "payment_method_types": ["upi"]}
    )
    assert link.payment_method_types == ["upi"]
    with sandbox.engine.lock:
        from kiosk.sandbox import links_logic

        session = links_logic.open_session(sandbox.engine, sandbox.engine.store.objects[link.id])
    assert session["payment_method_types"] == ["upi"]
    with pytest.raises(stripe.InvalidRequestError):
        pay(stripe_client, session["id"])  # no cards on this link


def test_success_vpa_pays_with_stripe_shapes(stripe_client, new_session):
    done = pay_upi(stripe_client, new_session().id, SUCCESS)
    assert (done.status, done.payment_status) == ("complete", "paid")
    pi = stripe_client.v1.payment_intents.retrieve(done.payment_intent)
    assert pi.status == "succeeded" and pi.payment_method_types == ["card", "upi"]
    pm = stripe_client.v1.payment_methods.retrieve(pi.payment_method)
    assert (pm.type, pm.upi.vpa, pm.card) == ("upi", SUCCESS, None)
    charge = stripe_client.v1.charges.retrieve(pi.latest_charge)
    assert charge.payment_method_details.type == "upi"
    assert charge.payment_method_details.upi.vpa == SUCCESS


def test_failure_vpa_leaves_session_open_and_retry_pays(stripe_client, new_session):
    s = new_session()
    with pytest.raises(stripe.CardError) as exc:
        pay_upi(stripe_client, s.id, FAILURE)
    assert exc.value.http_status == 402 and exc.value.code == "payment_method_provider_decline"
    again = stripe_client.v1.checkout.sessions.retrieve(s.id)
    assert (again.status, again.payment_status) == ("open", "unpaid")
    failed = stripe_client.v1.events.list({"type": "payment_intent.payment_failed", "limit": 1})
    pi = failed.data[0].data.object
    assert pi.last_payment_error.payment_method.upi.vpa == FAILURE
    done = pay_upi(stripe_client, s.id, "pay.student@okaxis")
    assert done.status == "complete" and done.payment_intent == pi.id


def test_pending_waits_then_approved(stripe_client, new_session):
    s = new_session()
    waiting = pay_upi(stripe_client, s.id, PENDING)
    assert (waiting.status, waiting.payment_status) == ("open", "unpaid")
    pi_id = (
        stripe_client.v1.events.list({"type": "payment_intent.requires_action", "limit": 1})
        .data[0]
        .data.object.id
    )
    pi = stripe_client.v1.payment_intents.retrieve(pi_id)
    assert pi.status == "requires_action"
    assert pi.next_action.type == "upi_handle_redirect_or_display_qr_code"
    with pytest.raises(stripe.InvalidRequestError):
        pay(stripe_client, s.id)  # no second payment while one awaits approval
    done = helper(stripe_client, s.id, "approve_upi")
    assert (done.status, done.payment_intent) == ("complete", pi_id)
    with pytest.raises(stripe.InvalidRequestError):
        helper(stripe_client, s.id, "approve_upi")


def test_pending_then_refused_allows_retry(stripe_client, new_session):
    s = new_session()
    pay_upi(stripe_client, s.id, PENDING)
    refused = helper(stripe_client, s.id, "fail_upi")
    assert refused.status == "open"
    assert pay(stripe_client, s.id).status == "complete"  # now by card


def test_pending_then_session_expires_cancels_intent(stripe_client, new_session):
    s = new_session()
    pay_upi(stripe_client, s.id, PENDING)
    gone = stripe_client.raw_request(
        "post", f"/v1/test_helpers/checkout/sessions/{s.id}/expire_now"
    )
    assert stripe_client.deserialize(gone, api_mode="V1").status == "expired"
    canceled = stripe_client.v1.events.list({"type": "payment_intent.canceled", "limit": 1})
    pi = canceled.data[0].data.object
    assert (pi.status, pi.cancellation_reason) == ("canceled", "abandoned")
    assert pi.payment_method_types == ["card", "upi"]


def test_bad_vpa_is_400(stripe_client, new_session):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        pay_upi(stripe_client, new_session().id, "not-a-vpa")
    assert exc.value.param == "vpa"


def test_upi_refund_window_and_destination(stripe_client, new_session):
    old = pay_upi(stripe_client, new_session().id, SUCCESS)
    charge = stripe_client.v1.payment_intents.retrieve(old.payment_intent).latest_charge
    stripe_client.raw_request("post", f"/v1/test_helpers/charges/{charge}/backdate", days=59)
    refund = stripe_client.v1.refunds.create({"charge": charge, "amount": 100})
    assert refund.destination_details.type == "upi"
    stripe_client.raw_request("post", f"/v1/test_helpers/charges/{charge}/backdate", days=2)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.refunds.create({"charge": charge, "amount": 100})
    assert exc.value.code == "charge_not_refundable" and "60 days" in exc.value.user_message


def test_upi_refund_fails_later_money_back(stripe_client, new_session):
    done = pay_upi(stripe_client, new_session().id, SUCCESS)
    refund = stripe_client.v1.refunds.create({"payment_intent": done.payment_intent})
    resp = stripe_client.raw_request("post", f"/v1/test_helpers/refunds/{refund.id}/fail")
    failed = stripe_client.deserialize(resp, api_mode="V1")
    assert failed.status == "failed"
    back = stripe_client.v1.balance_transactions.retrieve(failed.failure_balance_transaction)
    assert (back.type, back.amount) == ("refund_failure", 50000)
    events = stripe_client.v1.events.list({"type": "refund.failed", "limit": 1}).data
    assert events[0].data.object.id == refund.id
    charge = stripe_client.v1.charges.retrieve(refund.charge)
    assert charge.amount_refunded == 0


def test_upi_charge_gets_the_upi_rate():
    handle = start_sandbox(fee_schedule=FeeSchedule.from_text("card=200,upi=150,tax=0"))
    try:
        client = make_client(handle.url)
        items = [
            {
                "price_data": {
                    "currency": "inr",
                    "unit_amount": 100000,
                    "product_data": {"name": "Fee"},
                },
                "quantity": 1,
            }
        ]
        fees = {}
        for method in ("card", "upi"):
            s = client.v1.checkout.sessions.create({"mode": "payment", "line_items": items})
            done = (
                pay_upi(client, s.id, SUCCESS)
                if method == "upi"
                else pay(client, s.id, "4000003560000008")
            )
            charge = client.v1.charges.retrieve(
                client.v1.payment_intents.retrieve(done.payment_intent).latest_charge
            )
            fees[method] = client.v1.balance_transactions.retrieve(charge.balance_transaction).fee
        assert fees == {"card": 2000, "upi": 1500}
    finally:
        handle.stop()


def _submit_upi(url: str, vpa: str) -> requests.Response:
    form = {"method": "upi", "email": "payer@example.edu", "vpa": vpa}
    return requests.post(url, data=form, allow_redirects=False, timeout=5)


def test_hosted_page_offers_upi_and_shows_the_wait(stripe_client, new_session):
    s = new_session()
    page = requests.get(s.url, timeout=5).text
    assert 'name="vpa"' in page and 'name="card_number"' in page and SUCCESS in page
    usd = new_session(line_items=_usd_items())
    assert 'name="vpa"' not in requests.get(usd.url, timeout=5).text
    wait = _submit_upi(s.url, PENDING)
    assert wait.status_code == 200 and 'data-state="upi_pending"' in wait.text
    assert "approve" in wait.text.lower() and 'id="countdown"' in wait.text
    assert 'data-state="upi_pending"' in requests.get(s.url, timeout=5).text
    helper(stripe_client, s.id, "approve_upi")
    assert requests.get(s.url, timeout=5).text.count('data-state="complete"') == 1


def test_hosted_page_upi_failure_then_retry(new_session):
    s = new_session()
    failed = _submit_upi(s.url, FAILURE)
    assert failed.status_code == 402 and "did not approve" in failed.text
    assert 'name="vpa"' in failed.text  # the same page, to try again
    paid = _submit_upi(s.url, SUCCESS)
    assert paid.status_code == 303 and s.id in paid.headers["location"]


def test_hosted_page_without_card_hides_the_card_form(new_session):
    page = requests.get(new_session(payment_method_types=["upi"]).url, timeout=5).text
    assert '<form method="post" action="/checkout/' in page and 'autocomplete="on" hidden>' in page
    assert 'name="vpa"' in page

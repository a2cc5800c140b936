"""Balance transactions, Stripe's fees and payouts, through the stripe package."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import stripe

from kiosk.sandbox import SandboxHandle, start_sandbox
from kiosk.sandbox.fees import FeeSchedule
from tests.sandbox.conftest import FAST_RETRIES, make_client, pay, wait_for

INDIAN_CARD = "4000003560000008"


@pytest.fixture
def sb() -> Iterator[SandboxHandle]:
    handle = start_sandbox(webhook_retry_delays=FAST_RETRIES, refund_failure_delay=60)
    yield handle
    handle.stop()


@pytest.fixture
def client(sb: SandboxHandle) -> stripe.StripeClient:
    return make_client(sb.url)


def paid_charge(client: stripe.StripeClient, amount: int, card: str = INDIAN_CARD) -> Any:
    session = client.v1.checkout.sessions.create(
        {
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {
                        "currency": "inr",
                        "unit_amount": amount,
                        "product_data": {"name": "Tuition fee"},
                    },
                    "quantity": 1,
                }
            ],
            "success_url": "https://kiosk.example/paid",
        }
    )
    done = pay(client, session.id, card)
    pi = client.v1.payment_intents.retrieve(done.payment_intent)
    return client.v1.charges.retrieve(pi.latest_charge, {"expand": ["balance_transaction"]})


def run_now(client: stripe.StripeClient, **params: Any) -> Any:
    resp = client.raw_request("post", "/v1/test_helpers/payouts/run_now", **params)
    return client.deserialize(resp, api_mode="V1")


def fail_payout(client: stripe.StripeClient, payout_id: str) -> Any:
    resp = client.raw_request("post", f"/v1/test_helpers/payouts/{payout_id}/fail")
    return client.deserialize(resp, api_mode="V1")


def test_fee_arithmetic_is_pinned():
    """Stripe India: 2% domestic cards and UPI, 3% international cards, GST 18% on the fee;
    half-up to the paisa."""
    schedule = FeeSchedule()
    assert [d["amount"] for d in schedule.details(100_000, "inr", "upi")] == [2000, 360]
    assert [d["amount"] for d in schedule.details(100_000, "inr", "card")] == [2000, 360]
    intl = schedule.details(100_000, "inr", "card_international")
    assert [d["amount"] for d in intl] == [3000, 540]
    # 2% of ₹123.45 is 246.9 paise -> 247; 18% of 247 is 44.46 -> 44
    assert [d["amount"] for d in schedule.details(12_345, "inr", "upi")] == [247, 44]
    assert [d["type"] for d in intl] == ["stripe_fee", "tax"]
    assert FeeSchedule.from_text("upi=0,tax=0").details(5000, "inr", "upi")[0]["amount"] == 0
    with pytest.raises(ValueError, match="NAME=BASIS_POINTS"):
        FeeSchedule.from_text("upi=two")


def test_a_charge_has_a_balance_transaction_with_fees(client):
    charge = paid_charge(client, 100_000)
    txn = charge.balance_transaction
    assert txn.object == "balance_transaction" and txn.type == "charge"
    assert (txn.amount, txn.fee, txn.net) == (100_000, 2360, 97_640)
    assert txn.source == charge.id and txn.reporting_category == "charge"
    assert txn.status == "available" and txn.available_on <= txn.created
    assert sum(d.amount for d in txn.fee_details) == txn.fee
    assert client.v1.balance_transactions.retrieve(txn.id).net == 97_640


def test_a_us_test_card_pays_international_rates(client):
    txn = paid_charge(client, 100_000, card="4242424242424242").balance_transaction
    assert (txn.fee, txn.net) == (3540, 96_460)


def test_a_refund_has_its_own_negative_transaction(client):
    charge = paid_charge(client, 50_000)
    refund = client.v1.refunds.create(
        {"charge": charge.id, "amount": 20_000, "expand": ["balance_transaction"]}
    )
    txn = refund.balance_transaction
    assert (txn.type, txn.amount, txn.fee, txn.net) == ("refund", -20_000, 0, -20_000)
    assert txn.source == refund.id


def test_run_now_pays_out_the_net_and_lists_its_transactions(client, receiver):
    client.v1.webhook_endpoints.create(
        {"url": receiver.url, "enabled_events": ["payout.created", "payout.paid"]}
    )
    a, b = paid_charge(client, 100_000), paid_charge(client, 61_000)
    refund = client.v1.refunds.create({"charge": b.id, "amount": 1_000})
    payout = run_now(client)
    nets = a.balance_transaction.net + b.balance_transaction.net - refund.amount
    assert payout.object == "payout" and payout.status == "paid" and payout.amount == nets
    assert payout.currency == "inr" and payout.automatic is True
    lines = client.v1.balance_transactions.list({"payout": payout.id, "limit": 100}).data
    assert {t.type for t in lines} == {"charge", "refund", "payout"}
    assert sum(t.net for t in lines) == 0  # what came in went out
    assert next(t for t in lines if t.type == "payout").amount == -payout.amount
    only_charges = client.v1.balance_transactions.list({"payout": payout.id, "type": "charge"})
    assert {t.source for t in only_charges.data} == {a.id, b.id}
    wait_for(lambda: len(receiver.events()) >= 2, what="payout events")
    assert sorted(e["type"] for e in receiver.events()) == ["payout.created", "payout.paid"]
    with pytest.raises(stripe.InvalidRequestError) as err:
        run_now(client)
    assert err.value.code == "balance_insufficient"


def test_a_failed_payout_returns_its_funds_to_the_next_one(client):
    paid_charge(client, 100_000)
    first = run_now(client)
    failed = fail_payout(client, first.id)
    assert failed.status == "failed" and failed.failure_code == "account_closed"
    back = client.v1.balance_transactions.retrieve(failed.failure_balance_transaction)
    assert (back.type, back.amount, back.reporting_category) == (
        "payout_failure",
        first.amount,
        "payout_reversal",
    )
    second = run_now(client)
    assert second.amount == first.amount
    lines = client.v1.balance_transactions.list({"payout": second.id}).data
    assert {t.type for t in lines} == {"payout_failure", "payout"}
    listed = client.v1.payouts.list({"status": "failed"}).data
    assert [p.id for p in listed] == [first.id]
    with pytest.raises(stripe.InvalidRequestError):
        fail_payout(client, first.id)


def test_a_failed_refund_gives_the_money_back(client):
    charge = paid_charge(client, 30_000)
    refund = client.v1.refunds.create({"charge": charge.id})
    resp = client.raw_request("post", f"/v1/test_helpers/refunds/{refund.id}/fail")
    failed = client.deserialize(resp, api_mode="V1")
    back = client.v1.balance_transactions.retrieve(failed.failure_balance_transaction)
    assert (back.type, back.amount, back.source) == ("refund_failure", 30_000, refund.id)
    payout = run_now(client)
    assert payout.amount == charge.balance_transaction.net


def test_payout_delay_keeps_funds_pending():
    handle = start_sandbox(payout_delay_days=2, payout_interval=0)
    try:
        client = make_client(handle.url)
        txn = paid_charge(client, 10_000).balance_transaction
        assert txn.status == "pending" and txn.available_on == txn.created + 2 * 86_400
        with pytest.raises(stripe.InvalidRequestError) as err:
            run_now(client)
        assert err.value.code == "balance_insufficient"
    finally:
        handle.stop()


def test_automatic_payouts_run_on_the_schedule():
    handle = start_sandbox(payout_interval=0.2)
    try:
        client = make_client(handle.url)
        charge = paid_charge(client, 10_000)
        payouts = wait_for(lambda: client.v1.payouts.list().data, what="an automatic payout")
        assert payouts[0].amount == charge.balance_transaction.net
        assert payouts[0].automatic is True
    finally:
        handle.stop()


def test_balance_transaction_list_filters_and_errors(client):
    paid_charge(client, 10_000)
    assert all(t.type == "charge" for t in client.v1.balance_transactions.list({"type": "charge"}))
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.balance_transactions.retrieve("txn_nope")
    assert err.value.http_status == 404
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payouts.list({"status": "lost"})

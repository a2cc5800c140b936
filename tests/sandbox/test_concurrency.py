"""Many clients at once: no 5xx, no lost updates, every session paid exactly once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import stripe

from tests.sandbox.conftest import make_client, pay

SESSION = {
    "mode": "payment",
    "line_items": [
        {
            "price_data": {"currency": "inr", "unit_amount": 5000, "product_data": {"name": "Fee"}},
            "quantity": 1,
        }
    ],
}


def test_parallel_create_pay_refund(fresh_sandbox):
    def one(n: int) -> str:
        client = make_client(fresh_sandbox.url)
        s = client.v1.checkout.sessions.create({**SESSION, "client_reference_id": f"r{n}"})
        done = pay(client, s.id)
        client.v1.refunds.create({"payment_intent": done.payment_intent, "amount": 1000})
        return s.id

    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(one, range(40)))
    client = make_client(fresh_sandbox.url)
    listed = list(client.v1.checkout.sessions.list({"limit": 100}).auto_paging_iter())
    assert sorted(s.id for s in listed) == sorted(ids)
    assert all(s.payment_status == "paid" for s in listed)
    completed = client.v1.events.list({"type": "checkout.session.completed", "limit": 100})
    assert len(completed.data) == 40
    assert len(client.v1.refunds.list({"limit": 100}).data) == 40


def test_racing_payers_complete_a_session_once(fresh_sandbox):
    client = make_client(fresh_sandbox.url)
    s = client.v1.checkout.sessions.create(SESSION)

    def attempt(_: int) -> str:
        try:
            pay(make_client(fresh_sandbox.url), s.id)
            return "paid"
        except stripe.InvalidRequestError:
            return "refused"

    with ThreadPoolExecutor(6) as pool:
        outcomes = list(pool.map(attempt, range(6)))
    assert outcomes.count("paid") == 1 and outcomes.count("refused") == 5
    assert len(client.v1.charges.list({"limit": 100}).data) == 1

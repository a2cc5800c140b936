"""GET /paid: the page Checkout's success_url lands on, and POST /v1/receipts, by which a
desk adds the receipt number to it."""

from __future__ import annotations

import json

import httpx

from kiosk.relay.testing import post_event
from tests.relay.conftest import SECRET


def _completed(session: str, status: str = "paid", event: str = "evt_paid_1") -> bytes:
    return json.dumps(
        {
            "id": event,
            "object": "event",
            "type": "checkout.session.completed",
            "created": 1764720000,
            "data": {
                "object": {
                    "id": session,
                    "object": "checkout.session",
                    "amount_total": 1234550,
                    "currency": "inr",
                    "payment_status": status,
                    "metadata": {"invoice": "INV-2026-0042", "student": "S1001"},
                    "customer_details": {"name": "Kavya Rao", "email": "kavya@example.edu"},
                }
            },
        }
    ).encode()


def test_the_page_waits_then_shows_what_was_paid_and_the_receipt(relay, desk):
    session = "cs_test_a1B2c3"
    page = httpx.get(f"{relay.url}/paid", params={"session": session})
    assert page.status_code == 200 and "being confirmed" in page.text
    assert 'http-equiv="refresh"' in page.text
    assert post_event(relay.url, _completed(session), SECRET).status_code == 200
    page = httpx.get(f"{relay.url}/paid", params={"session": session})
    assert "Payment received" in page.text and "₹12,345.50" in page.text
    assert "INV-2026-0042" in page.text and "Kavya" not in page.text  # nothing about the student
    assert "kavya@" not in page.text and "issuing your receipt" in page.text
    assert (
        desk.post("/v1/receipts", json={"session": session, "receipt": "R-2026-000123"}).status_code
        == 204
    )
    page = httpx.get(f"{relay.url}/paid", params={"session": session})
    assert "R-2026-000123" in page.text and 'http-equiv="refresh"' not in page.text


def test_unpaid_completions_and_bad_links_show_no_payment(relay):
    post_event(relay.url, _completed("cs_test_upi", status="unpaid", event="evt_u"), SECRET)
    assert "being confirmed" in httpx.get(f"{relay.url}/paid?session=cs_test_upi").text
    bad = httpx.get(f"{relay.url}/paid", params={"session": "<script>"})
    assert bad.status_code == 404 and "<script>" not in bad.text


def test_receipts_need_a_desk_token_and_a_known_session(relay, desk):
    body = {"session": "cs_test_unknown", "receipt": "R-2026-000001"}
    assert httpx.post(f"{relay.url}/v1/receipts", json=body).status_code == 401
    assert desk.post("/v1/receipts", json=body).status_code == 404
    assert desk.post("/v1/receipts", json={**body, "receipt": "R 1; drop"}).status_code == 400

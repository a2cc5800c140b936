"""Issue 16, defect 7: polling does not grow with fee slips, and fee-slip links expire.

The calls are counted by a real HTTP proxy in front of the sandbox (the one the fault
tests use), not by patching the gateway.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from sqlalchemy import select, update

from kiosk.ledger.models import Payment, PaymentAttempt
from kiosk.ledger.types import utcnow
from kiosk.payments.attempts import create_fee_slip_link, start_payment
from kiosk.payments.gateway import StripeGateway
from kiosk.payments.poller import poll_once, pollable
from tests.payments.conftest import KEY, FaultyProxy, pay


class CountingProxy(FaultyProxy):
    """Forwards everything and writes down each request."""

    def __init__(self, upstream: str) -> None:
        super().__init__(upstream)
        self.calls: list[tuple[str, str]] = []

    def _plan(self, method: str, path: str) -> str:
        with self._lock:
            self.calls.append((method, path.split("?", 1)[0]))
        return "pass"


@pytest.fixture
def counting(own_sandbox):
    proxy = CountingProxy(own_sandbox.url)
    yield proxy
    proxy.close()


def _slips(ctx, gateway, make_invoice, n: int) -> list[Any]:
    out = []
    for i in range(n):
        number = f"INV-FS-{i:03d}"
        make_invoice(number, [("Tuition", 100_000 + i, 1)])
        out.append(create_fee_slip_link(ctx, gateway, number))
    return out


def test_a_poll_pass_costs_a_constant_number_of_calls_with_20_fee_slips(
    ctx, own_sandbox, counting, make_invoice
):
    gateway = StripeGateway(KEY, counting.url, timeout=5, max_retries=0)
    slips = _slips(ctx, gateway, make_invoice, 20)
    make_invoice("INV-OTHER-DESK", [("Tuition", 200_000, 1)])
    elsewhere = start_payment(ctx, gateway, "INV-OTHER-DESK", None)
    with ctx.ledger.begin() as s:  # another desk's attempt: that desk polls it
        s.execute(
            update(PaymentAttempt)
            .where(PaymentAttempt.public_id == elsewhere.public_id)
            .values(desk="Desk 9")
        )
    counting.calls.clear()
    poll_once(ctx, gateway)
    first_pass = list(counting.calls)
    counting.calls.clear()
    poll_once(ctx, gateway)
    # One events list for every fee slip, one refunds list for refunds made outside the desk
    # (a charge no longer lists its refunds): a constant, whatever the number of slips.
    assert len(first_pass) <= 3 and len(counting.calls) <= 3, (first_pass, counting.calls)
    assert {path for _, path in first_pass + counting.calls} <= {"/v1/events", "/v1/refunds"}
    assert pollable(ctx) == []  # fee slips are in the events pass; the other desk's is its own

    # A student pays one slip: the next single pass finds it among all twenty.
    page = requests.get(slips[7].url, allow_redirects=False, timeout=5)
    client_gateway = StripeGateway(KEY, own_sandbox.url, timeout=5, max_retries=0)
    pay(client_gateway._client, page.headers["location"].rstrip("/").rsplit("/", 1)[-1])
    counting.calls.clear()
    poll_once(ctx, gateway)
    with ctx.ledger.begin() as s:
        [payment] = list(s.scalars(select(Payment)))
        assert payment.amount == 100_007 and payment.source == "poll"
    reads = [c for c in counting.calls if c[0] == "GET"]
    assert len(reads) <= 3, counting.calls  # the events list, then the card's details


def test_fee_slip_links_expire_after_the_due_date_and_are_deactivated(
    ctx, own_sandbox, make_invoice
):
    gateway = StripeGateway(KEY, own_sandbox.url, timeout=5, max_retries=0)
    due = date.today() + timedelta(days=10)
    make_invoice("INV-EXP-1", [("Tuition", 100_000, 1)], due=due)
    slip = create_fee_slip_link(ctx, gateway, "INV-EXP-1")
    tz = ZoneInfo(str(ctx.settings.get("desk.timezone")))
    end_of_due = datetime.combine(due + timedelta(days=1), time(), tzinfo=tz)
    assert slip.expires_at == end_of_due + timedelta(days=30)

    poll_once(ctx, gateway)  # not due yet: still live
    assert StripeGateway.retrieve_payment_link(gateway, slip.stripe_id)["active"] is True
    with ctx.ledger.begin() as s:  # ...the days go by
        s.execute(
            update(PaymentAttempt)
            .where(PaymentAttempt.public_id == slip.public_id)
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
    poll_once(ctx, gateway)
    link = gateway.retrieve_payment_link(slip.stripe_id)
    assert link["active"] is False and "expired" in link["inactive_message"]
    with ctx.ledger.begin() as s:
        a = s.scalar(select(PaymentAttempt).where(PaymentAttempt.public_id == slip.public_id))
        assert a.status == "expired" and a.last_error == "fee slip link expired"
        assert a.closed_at is not None


def test_the_desks_background_poller_covers_fee_slips(ctx, own_sandbox, make_invoice):
    from kiosk.payments.poller import Poller
    from tests.waiting import wait_for

    gateway = StripeGateway(KEY, own_sandbox.url, timeout=5, max_retries=0)
    [slip] = _slips(ctx, gateway, make_invoice, 1)
    page = requests.get(slip.url, allow_redirects=False, timeout=5)
    pay(gateway._client, page.headers["location"].rstrip("/").rsplit("/", 1)[-1])
    poller = Poller(ctx, gateway, low=0.05, high=0.2)
    poller.start()
    try:
        assert wait_for(lambda: _paid(ctx), what="the fee slip's payment") == slip.amount
    finally:
        poller.stop()


def _paid(ctx) -> int | None:
    with ctx.ledger.begin() as s:
        return s.scalar(select(Payment.amount))

"""Issue 13 item 9: the desk's gateway backs off and retries when Stripe answers 429."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kiosk.ledger.invoices import invoice_detail
from kiosk.payments.attempts import start_payment
from kiosk.payments.gateway import StripeGateway
from kiosk.payments.poller import poll_once
from kiosk.sandbox import SandboxHandle, start_sandbox
from tests.payments.conftest import KEY, TUITION, pay


@pytest.fixture
def limited() -> Iterator[SandboxHandle]:
    with start_sandbox(rate_limit=2) as handle:  # 2 requests a second: every flow trips it
        yield handle


def test_payment_succeeds_through_a_rate_limited_stripe(ctx, limited, invoice):
    gateway = StripeGateway(KEY, limited.url, timeout=5, max_retries=2)
    view = start_payment(ctx, gateway, invoice, TUITION)
    pay(gateway._client, view.stripe_id)  # the payer, through the same backing-off client
    changes = poll_once(ctx, gateway)
    assert [c.status for c in changes] == ["paid"]
    with ctx.ledger.begin() as s:
        assert invoice_detail(s, invoice).payments[-1].amount == TUITION
    assert limited.app.api.limiter.refused > 0  # it did hit the limit, and got through

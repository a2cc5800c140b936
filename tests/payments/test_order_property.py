"""Property: any order and multiplicity of one payment's events gives the same ledger."""

from __future__ import annotations

import shutil
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from kiosk.ledger.database import Ledger
from kiosk.ledger.models import Allocation, Payment, PaymentAttempt, Receipt
from kiosk.payments.apply import apply_event
from kiosk.payments.attempts import start_payment
from tests.payments.conftest import events_for, pay


def test_any_order_any_repeats_lands_once(ctx, gateway, client, invoice, tmp_path):
    view = start_payment(ctx, gateway, invoice, 1_234_500)
    pay(client, view.stripe_id)
    events = events_for(client, view.public_id, view.stripe_id)
    completed = next(e for e in events if e["type"] == "checkout.session.completed")
    session = completed["data"]["object"]
    events.append(
        {
            **completed,
            "id": completed["id"] + "_late_expiry",
            "type": "checkout.session.expired",
            "data": {"object": {**session, "status": "expired", "payment_status": "unpaid"}},
        }
    )
    ctx.ledger.close()
    original = ctx.db_url.removeprefix("sqlite:///")

    @settings(
        max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(st.lists(st.sampled_from(events), min_size=1, max_size=12))
    def check(sequence):
        copy = tmp_path / f"{uuid.uuid4().hex}.db"
        shutil.copy(original, copy)
        ledger = Ledger.open(f"sqlite:///{copy}", migrate=False)
        try:
            for event in sequence:
                with ledger.begin() as s:
                    apply_event(s, event, source="relay", desk="Desk 1")
            with ledger.begin() as s:
                pays = s.scalar(select(func.count()).select_from(Payment))
                status = s.scalar(select(PaymentAttempt.status))
                money = any(
                    e["type"] in ("checkout.session.completed", "payment_intent.succeeded")
                    for e in sequence
                )
                if money:
                    assert pays == 1 and status == "paid"
                    assert s.scalar(select(func.sum(Allocation.amount))) == 1_234_500
                    assert s.scalar(select(func.count()).select_from(Receipt)) == 1
                else:
                    assert pays == 0 and status in ("open", "declined", "expired")
        finally:
            ledger.close()

    check()

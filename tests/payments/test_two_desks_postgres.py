"""Two desks on one PostgreSQL ledger, applying the same payments at the same moment."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
import stripe
from sqlalchemy import func, select

from kiosk.ledger.invoices import invoice_detail
from kiosk.ledger.models import Allocation, FeeComponent, Invoice, Payment, Receipt, Student
from kiosk.payments.apply import apply_event, publish_result
from kiosk.payments.attempts import create_fee_slip_link, start_payment
from kiosk.payments.poller import poll_once
from kiosk.payments.reconcile import reconcile
from kiosk.payments.verify import apply_in_ledger
from tests.conftest import add_invoice, desk_contexts
from tests.payments.conftest import KEY, events_for, pay

pytestmark = pytest.mark.postgres

NUMBER = "INV-PG-1"


@pytest.fixture
def desks(pg_url: str, tmp_path: Path):
    """Two desks, each with its own engine on the same database."""
    out = desk_contexts(pg_url, tmp_path)
    add_invoice(
        out[0].ledger,
        NUMBER,
        [("Tuition", 300_000, 1), ("Library", 100_000, 2)],
        student_number="S-PG-1",
        name="Kavya Rao",
        email="kavya@example.com",
    )
    yield out
    for ctx in out:
        ctx.ledger.close()


@pytest.fixture
def sandbox(own_sandbox):
    """This module reads Stripe's whole events list: a sandbox per test keeps it short."""
    return own_sandbox


@pytest.fixture
def client(sandbox):
    return stripe.StripeClient(KEY, base_addresses={"api": sandbox.url}, max_network_retries=0)


def together(*jobs) -> None:
    """Run the jobs on threads released at the same instant; re-raise the first failure."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job):
        try:
            barrier.wait(10)
            job()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    if errors:
        raise errors[0]


def apply_all(ctx, gateway, events, source="relay"):
    for event in events:
        result = apply_in_ledger(
            ctx,
            gateway,
            lambda s, v, event=event: apply_event(
                s, event, source=source, desk=ctx.desk, verifier=v, settings=ctx.settings
            ),
        )
        publish_result(result)


def counts(ctx) -> tuple[int, int, int]:
    with ctx.ledger.begin() as s:
        return (
            s.scalar(select(func.count()).select_from(Payment)),
            s.scalar(select(func.count()).select_from(Receipt)),
            s.scalar(select(func.coalesce(func.sum(Allocation.amount), 0))),
        )


def test_same_payment_applied_by_two_desks_at_once_lands_once(desks, gateway, client):
    one, two = desks
    view = start_payment(one, gateway, NUMBER, 250_000)
    pay(client, view.stripe_id)
    events = events_for(client, view.public_id, view.stripe_id)
    for _ in range(3):
        together(
            lambda: apply_all(one, gateway, events),
            lambda: apply_all(two, gateway, list(reversed(events))),
            lambda: poll_once(two, gateway),
            lambda: reconcile(one, gateway),
        )
    assert counts(one) == (1, 1, 250_000)
    with two.ledger.begin() as s:
        d = invoice_detail(s, NUMBER)
    assert {c.name: c.paid for c in d.components} == {"Tuition": 250_000, "Library": 0}


def test_two_phones_paying_one_invoice_make_credit_not_double_allocation(desks, gateway, client):
    import requests

    one, two = desks
    slip = create_fee_slip_link(two, gateway, NUMBER)  # the parent's phone, from the slip
    link_page = requests.get(slip.url, allow_redirects=False, timeout=5)
    slip_session = link_page.headers["location"].rstrip("/").rsplit("/", 1)[-1]
    view = start_payment(one, gateway, NUMBER)  # the student's phone, at desk 1
    pay(client, view.stripe_id)
    pay(client, slip_session)
    first = events_for(client, view.public_id, view.stripe_id)
    second = events_for(client, slip.public_id, slip.stripe_id, slip_session)
    together(
        lambda: apply_all(one, gateway, first + second),
        lambda: apply_all(two, gateway, second + first),
    )
    payments, receipts, allocated = counts(one)
    assert (payments, receipts, allocated) == (2, 2, 400_000)  # never over-allocated
    with one.ledger.begin() as s:
        d = invoice_detail(s, NUMBER)
    assert d.row.status == "paid" and d.row.credit == 400_000
    assert sum(1 for p in d.payments if p.flag) == 1


def test_two_desks_starting_a_payment_at_once_leave_one_live_attempt(desks, gateway):
    from kiosk.payments.attempts import list_attempts
    from kiosk.payments.errors import AttemptBusy

    one, two = desks
    refused: list[Exception] = []

    def start(ctx):
        try:
            start_payment(ctx, gateway, NUMBER, 100_000)
        except AttemptBusy as exc:
            refused.append(exc)

    for _ in range(3):
        together(lambda: start(one), lambda: start(two))
    live = list_attempts(one, open_only=True)
    assert len(live) == 1
    assert all("started at the same moment" in e.message for e in refused)


def test_two_desks_create_the_students_customer_once(desks, gateway, client):
    import uuid

    one, two = desks
    email = f"kavya-{uuid.uuid4().hex[:8]}@example.com"
    with one.ledger.begin() as s:
        st = s.scalar(select(Student).where(Student.number == "S-PG-1"))
        st.email = email
        inv = Invoice(
            number="INV-PG-2",
            student_id=st.id,
            currency="INR",
            issue_date=date.today(),
            due_date=date.today() + timedelta(days=30),
        )
        inv.components = [FeeComponent(name="Exam", amount=50_000, priority=1, position=0)]
        s.add(inv)
    together(
        lambda: start_payment(one, gateway, NUMBER, 100_000),
        lambda: start_payment(two, gateway, "INV-PG-2", None),
    )
    customers = client.v1.customers.list({"email": email}).data
    assert len(customers) == 1
    with two.ledger.begin() as s:
        assert s.scalar(select(Student.stripe_customer_id)) == customers[0].id

"""Demo data: deterministic, idempotent, and its payments obey the allocation rules."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

from sqlalchemy import func, select

from kiosk.ledger.database import Ledger
from kiosk.ledger.demo_data import generate_bulk, load_demo_data
from kiosk.ledger.demo_plan import plan
from kiosk.ledger.invoices import invoice_detail
from kiosk.ledger.models import Allocation, FeeComponent, Invoice, Payment, Student
from kiosk.ledger.search import count_invoices, search_invoices
from kiosk.ledger.users import authenticate
from tests.ledger.helpers import dump

TODAY = date(2026, 11, 26)


def test_running_twice_leaves_the_same_data(ledger):
    first = load_demo_data(ledger, students=30, today=TODAY)
    before = dump(ledger)
    second = load_demo_data(ledger, students=30, today=TODAY)
    assert dump(ledger) == before
    assert (first.students_created, first.invoices_created, first.users_created) == (30, 31, 2)
    assert (
        second.students_created,
        second.invoices_created,
        second.payments_created,
        second.users_created,
    ) == (0, 0, 0, 0)


def test_test_student_and_invoice(ledger):
    load_demo_data(ledger, students=5, today=TODAY)
    with ledger.begin() as s:
        d = invoice_detail(s, "INV-DEMO-0002", today=TODAY)
        hits = search_invoices(s, "test stud", today=TODAY)
    assert (d.row.student_number, d.row.student_name, d.row.student_email) == (
        "S0000001",
        "Test Student",
        "teststudent@example.com",
    )
    assert [(c.name, c.amount, c.priority) for c in d.components] == [
        ("Tuition", 5_000_000, 1),
        ("Hostel", 1_100_000, 2),
    ]
    assert (d.row.total, d.row.paid, d.row.balance, d.row.status) == (
        6_100_000,
        0,
        6_100_000,
        "open",
    )
    assert d.payments == []
    assert [h.number for h in hits] == ["INV-DEMO-0002"]


def test_staff_users_can_sign_in(ledger):
    load_demo_data(ledger, students=1, today=TODAY)
    with ledger.begin() as s:
        assert authenticate(s, "cashier@example.com", "cashierpass123").role == "cashier"
        assert authenticate(s, "admin@example.com", "adminpass123").role == "supervisor"


def test_same_seed_same_data_other_seed_other_data():
    a, b, c = plan(60, 7, TODAY), plan(60, 7, TODAY), plan(60, 8, TODAY)
    assert a == b
    assert [p.name for p in a] != [p.name for p in c]
    assert plan(80, 7, TODAY)[:60] == a  # more students keeps the first ones as they were


def test_realistic_mix(ledger):
    load_demo_data(ledger, students=200, today=TODAY)
    with ledger.begin() as s:
        statuses = Counter(r.status for r in search_invoices(s, "", limit=None, today=TODAY))
        sizes = Counter(
            s.scalars(
                select(func.count()).select_from(FeeComponent).group_by(FeeComponent.invoice_id)
            ).all()
        )
        names = s.scalars(select(Student.name)).all()
    assert sum(statuses.values()) == 201
    for status in ("open", "partially_paid", "overdue", "paid"):
        assert statuses[status] >= 10, statuses
    assert set(sizes) <= {2, 3, 4, 5} and len(sizes) >= 3
    assert len(set(names)) > 150
    assert any(not n.isascii() for n in names)  # international names with accents


def test_payments_are_allocated_like_real_ones(ledger):
    load_demo_data(ledger, students=120, today=TODAY)
    with ledger.begin() as s:
        payments = s.scalars(select(Payment)).all()
        per_component: dict[int, int] = defaultdict(int)
        for p in payments:
            assert p.stripe_payment_intent.startswith("pi_demo_")
            assert sum(a.amount for a in p.allocations) == p.amount
            for a in p.allocations:
                assert a.component.invoice_id == p.invoice_id
                per_component[a.component_id] += a.amount
        components = {c.id: c for c in s.scalars(select(FeeComponent))}
        for cid, paid in per_component.items():
            assert 0 < paid <= components[cid].amount
        for inv in s.scalars(select(Invoice)):
            ordered = sorted(inv.components, key=lambda c: (c.priority, c.position))
            paid = [per_component.get(c.id, 0) for c in ordered]
            filled = [p == c.amount for p, c in zip(paid, ordered, strict=True)]
            # priority order: a component is only touched once every earlier one is full
            for i in range(1, len(paid)):
                assert paid[i] == 0 or filled[i - 1], inv.number
        assert len(payments) > 30


def test_bulk_data_is_searchable_and_incremental(tmp_path):
    ledger = Ledger.open(f"sqlite:///{tmp_path / 'bulk.db'}")
    try:
        assert generate_bulk(ledger, 1001) == 1001
        assert generate_bulk(ledger, 1001) == 0
        assert generate_bulk(ledger, 1500) == 499
        with ledger.begin() as s:
            assert count_invoices(s, "INV-BULK") == 1500
            assert count_invoices(s, "B0000750") == 2
            assert s.scalar(select(func.count()).select_from(Allocation)) == 300
            assert (
                count_invoices(s, "", status="partially_paid")
                + count_invoices(s, "", status="overdue")
                >= 300
            )
            student = s.scalar(select(Student).where(Student.number == "B0000501"))
            assert len(student.invoices) == 2
    finally:
        ledger.close()


def test_bulk_data_on_postgresql(pg_url):
    ledger = Ledger.open(pg_url)
    try:
        generate_bulk(ledger, 300)
        load_demo_data(ledger, students=3)  # ORM inserts after explicit ids still work
        with ledger.begin() as s:
            assert count_invoices(s, "INV-BULK") == 300
            assert count_invoices(s, "test stud") == 1
    finally:
        ledger.close()

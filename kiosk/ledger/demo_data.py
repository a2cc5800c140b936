"""Deterministic demo data for trying the desk, and bulk data for benchmarks.

    load_demo_data(ledger, students=200, seed=0)  # idempotent: a second run adds nothing
    generate_bulk(ledger, 100_000)                 # fast Core inserts, INV-BULK-000001...

Partial payments are real Payment rows (fake PaymentIntent ids `pi_demo_...`) split
across components by kiosk.ledger.allocation, exactly as a Stripe payment would be.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.config import OPTIONS
from kiosk.ledger import audit
from kiosk.ledger import demo_names as names
from kiosk.ledger.allocation import ComponentDue, allocate
from kiosk.ledger.bulk import chunks, insert_rows
from kiosk.ledger.database import Ledger
from kiosk.ledger.demo_plan import InvoicePlan, StudentPlan, plan
from kiosk.ledger.models import Allocation, FeeComponent, Invoice, Payment, Student
from kiosk.ledger.numbering import record_receipt
from kiosk.ledger.search_index import bulk_indexing, fold, search_text
from kiosk.ledger.types import utcnow
from kiosk.ledger.users import create_user, find_user

STAFF = (
    ("cashier@example.com", "cashierpass123", "cashier", "Demo Cashier"),
    ("admin@example.com", "adminpass123", "supervisor", "Demo Supervisor"),
)
BRANDS = (("visa", "4242"), ("mastercard", "4444"), ("rupay", "0005"), ("amex", "8431"))


@dataclass(frozen=True)
class DemoSummary:
    students: int
    invoices: int
    students_created: int
    invoices_created: int
    payments_created: int
    users_created: int


def load_demo_data(
    ledger: Ledger,
    students: int = 200,
    seed: int = 0,
    today: date | None = None,
    desk: str = "demo",
) -> DemoSummary:
    """Create whatever part of the demo data is missing; existing rows are left alone."""
    plans = plan(students, seed, today or date.today())
    with ledger.begin() as s:
        created = _write_students(s, plans)
        users = _write_staff(s)
        counts = DemoSummary(len(plans), sum(len(p.invoices) for p in plans), *created, users)
        if counts.students_created or counts.invoices_created or users:
            audit.record(
                s,
                "demo_data",
                desk=desk,
                target=f"seed {seed}",
                students=counts.students_created,
                invoices=counts.invoices_created,
            )
    return counts


def _write_students(s: Session, plans: list[StudentPlan]) -> tuple[int, int, int]:
    existing: dict[str, Student] = {}
    have: set[str] = set()
    for chunk in chunks([p.number for p in plans]):
        existing.update(
            (st.number, st) for st in s.scalars(select(Student).where(Student.number.in_(chunk)))
        )
    for chunk in chunks([i.number for p in plans for i in p.invoices]):
        have.update(s.scalars(select(Invoice.number).where(Invoice.number.in_(chunk))))
    students = invoices = payments = 0
    for p in plans:
        student = existing.get(p.number)
        if student is None:
            student = _add_student(s, p)
            students += 1
        for inv in p.invoices:
            if inv.number not in have:
                payments += _add_invoice(s, student, inv)
                invoices += 1
    return students, invoices, payments


def _add_student(s: Session, p: StudentPlan) -> Student:
    student = Student(
        number=p.number, name=p.name, email=p.email, phone=p.phone, programme=p.programme
    )
    s.add(student)
    s.flush()
    return student


def _add_invoice(s: Session, student: Student, p: InvoicePlan) -> int:
    invoice = Invoice(
        number=p.number,
        student_id=student.id,
        currency=p.currency,
        issue_date=p.issue_date,
        due_date=p.due_date,
    )
    invoice.components = [
        FeeComponent(name=n, amount=a, priority=prio, position=i)
        for i, (n, a, prio) in enumerate(p.components)
    ]
    s.add(invoice)
    s.flush()
    for k, (amount, day) in enumerate(p.payments, start=1):
        _add_payment(s, invoice, k, amount, day)
    return len(p.payments)


def _add_payment(s: Session, invoice: Invoice, k: int, amount: int, day: date) -> None:
    brand, last4 = BRANDS[(invoice.id + k) % len(BRANDS)]
    suffix = invoice.number.removeprefix("INV-DEMO-")
    payment = Payment(
        invoice_id=invoice.id,
        stripe_payment_intent=f"pi_demo_{suffix}_{k}",
        amount=amount,
        currency=invoice.currency,
        channel="checkout",
        card_brand=brand,
        card_last4=last4,
        source="demo",
        desk="Desk 1",
        received_at=datetime.combine(day, time(5, 30), tzinfo=UTC).replace(hour=5 + k),
    )
    payment.followed_up_at = payment.received_at  # demo money: nothing owed to Stripe
    s.add(payment)
    s.flush()
    record_receipt(  # as the apply path does for every payment; rendered by the desk later
        s,
        prefix=str(OPTIONS["receipts.prefix"].default),
        timezone=str(OPTIONS["desk.timezone"].default),
        desk=payment.desk,
        payment_id=payment.id,
        now=payment.received_at,
    )
    dues = _dues(s, invoice)
    for component_id, part in allocate(amount, dues).parts:
        s.add(
            Allocation(
                payment_id=payment.id,
                component_id=component_id,
                amount=part,
                created_at=payment.received_at,
            )
        )
    s.flush()


def _dues(s: Session, invoice: Invoice) -> list[ComponentDue]:
    paid = dict(
        s.execute(
            select(Allocation.component_id, func.sum(Allocation.amount))
            .join(FeeComponent, FeeComponent.id == Allocation.component_id)
            .where(FeeComponent.invoice_id == invoice.id)
            .group_by(Allocation.component_id)
        ).all()
    )
    return [
        ComponentDue(c.id, c.amount, int(paid.get(c.id, 0)), c.priority, c.due_date, c.position)
        for c in invoice.components
    ]


def _write_staff(s: Session) -> int:
    created = 0
    for username, password, role, display in STAFF:
        if find_user(s, username) is None:
            create_user(s, username, password, role, display)
            created += 1
    return created


# --- bulk data for benchmarks -------------------------------------------------------------

BULK_PREFIX = "INV-BULK-"
_BULK_PARTS = (("Tuition", 1, 5_000_000), ("Hostel", 2, 1_100_000), ("Exam fee", 3, 200_000))


def generate_bulk(ledger: Ledger, n_invoices: int, seed: int = 1) -> int:
    """Make sure INV-BULK-000001..n exist (two invoices per student, three components each,
    every fifth one partly paid). Returns how many invoices were added.

    Core executemany (kiosk.ledger.bulk) inside one write transaction."""
    with ledger.begin() as s:
        have = s.scalar(select(func.count()).where(Invoice.number.like(f"{BULK_PREFIX}%"))) or 0
        todo = list(range(int(have) + 1, n_invoices + 1))
        if not todo:
            return 0
        students = _bulk_students(s, todo, seed)
        with bulk_indexing(s):
            invoice_ids = _bulk_invoices(s, todo, students)
        _bulk_money(s, todo, invoice_ids)
    return len(todo)


def _bulk_student(rng: random.Random, k: int) -> dict[str, str]:
    international = rng.random() >= 0.8
    first = rng.choice(names.INTERNATIONAL_FIRST if international else names.INDIAN_FIRST)
    last = rng.choice(names.INTERNATIONAL_LAST if international else names.INDIAN_LAST)
    name, number = f"{first} {last}", f"B{k:07d}"
    email = f"{fold(first)}.{fold(last).replace(chr(39), '')}{k % 1000}@students.example.edu"
    return {
        "number": number,
        "name": name,
        "email": email,
        "search_text": search_text(name, number, email),
    }


def _bulk_students(s: Session, todo: list[int], seed: int) -> dict[int, int]:
    """Student k owns invoices 2k-1 and 2k; the first may exist from an earlier run."""
    rng = random.Random(seed)
    keys = sorted({(n + 1) // 2 for n in todo})
    rows = [_bulk_student(rng, k) for k in keys]
    first = s.scalar(select(Student.id).where(Student.number == rows[0]["number"]))
    fresh = rows[1:] if first is not None else rows
    ids = ([first] if first is not None else []) + insert_rows(s, Student, fresh)
    return dict(zip(keys, ids, strict=True))


def _bulk_invoices(s: Session, todo: list[int], students: dict[int, int]) -> dict[int, int]:
    day = date.today().toordinal()
    rows = [
        {
            "number": f"{BULK_PREFIX}{n:06d}",
            "student_id": students[(n + 1) // 2],
            "currency": "INR",
            "issue_date": date.fromordinal(day - 40 + n % 30),
            "due_date": date.fromordinal(day - 20 + n % 60),
        }
        for n in todo
    ]
    return dict(zip(todo, insert_rows(s, Invoice, rows), strict=True))


def _bulk_money(s: Session, todo: list[int], invoice_ids: dict[int, int]) -> None:
    rows = [
        {
            "invoice_id": invoice_ids[n],
            "name": name,
            "priority": prio,
            "position": pos,
            "amount": amount + (n % 7) * 10_000,
        }
        for n in todo
        for pos, (name, prio, amount) in enumerate(_BULK_PARTS)
    ]
    component_ids = insert_rows(s, FeeComponent, rows)
    tuition = {n: component_ids[i * len(_BULK_PARTS)] for i, n in enumerate(todo)}
    paid = [n for n in todo if n % 5 == 0]
    payment_ids = insert_rows(
        s,
        Payment,
        [
            {
                "invoice_id": invoice_ids[n],
                "stripe_payment_intent": f"pi_bulk_{n:06d}",
                "amount": 2_000_000,
                "currency": "INR",
                "source": "demo",
                "followed_up_at": utcnow(),  # demo money: nothing owed to Stripe
            }
            for n in paid
        ],
    )
    insert_rows(
        s,
        Allocation,
        [
            {"payment_id": pid, "component_id": tuition[n], "amount": 2_000_000}
            for n, pid in zip(paid, payment_ids, strict=True)
        ],
    )

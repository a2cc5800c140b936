"""What the demo data contains, as plain values: a pure function of (students, seed, today).

Each student draws from their own random stream, so `--students 300` keeps the first
200 students of `--students 200` exactly as they were.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from kiosk.ledger import demo_names as names
from kiosk.ledger.search_index import fold

TEST_STUDENT_NUMBER = "S0000001"
TEST_INVOICE_NUMBER = "INV-DEMO-0002"


@dataclass(frozen=True)
class InvoicePlan:
    number: str
    currency: str
    issue_date: date
    due_date: date
    components: list[tuple[str, int, int]]  # (name, amount in minor units, priority)
    payments: list[tuple[int, date]] = field(default_factory=list)  # (amount, received on)


@dataclass(frozen=True)
class StudentPlan:
    number: str
    name: str
    email: str
    phone: str
    programme: str
    invoices: list[InvoicePlan]


def invoice_number(n: int) -> str:
    return f"INV-DEMO-{n:04d}"


def test_student(today: date) -> StudentPlan:
    invoice = InvoicePlan(
        TEST_INVOICE_NUMBER,
        "INR",
        today - timedelta(days=7),
        today + timedelta(days=30),
        [("Tuition", 5_000_000, 1), ("Hostel", 1_100_000, 2)],
    )
    return StudentPlan(
        TEST_STUDENT_NUMBER,
        "Test Student",
        "teststudent@example.com",
        "+91 98450 00001",
        "B.Tech Computer Science",
        [invoice],
    )


def plan(students: int, seed: int, today: date) -> list[StudentPlan]:
    """Student 1 is Test Student; student k > 1 owns INV-DEMO-(k+1); student 2 also owns
    INV-DEMO-0001, last term's invoice, paid in full."""
    if students < 1:
        raise ValueError("demo data needs at least one student")
    out = [test_student(today)]
    for k in range(2, students + 1):
        rng = random.Random(f"fee-kiosk-demo:{seed}:{k}")
        out.append(_student(rng, k, today))
    if students >= 2:
        previous = _previous_term(random.Random(f"fee-kiosk-demo:{seed}:prev"), today)
        out[1].invoices.insert(0, previous)
    return out


def _name(rng: random.Random) -> tuple[str, str, bool]:
    if rng.random() < 0.8:
        return rng.choice(names.INDIAN_FIRST), rng.choice(names.INDIAN_LAST), False
    return rng.choice(names.INTERNATIONAL_FIRST), rng.choice(names.INTERNATIONAL_LAST), True


def _email(first: str, last: str, k: int) -> str:
    local = "".join(c for c in fold(f"{first}.{last}") if c.isalnum() or c == ".")
    return f"{local}{k}@students.example.edu"


def _student(rng: random.Random, k: int, today: date) -> StudentPlan:
    first, last, international = _name(rng)
    currency = "USD" if international and rng.random() < 0.3 else "INR"
    invoice = _invoice(rng, invoice_number(k + 1), currency, today)
    digits = f"9{rng.randrange(10**9):09d}"
    phone = f"+91 {digits[:5]} {digits[5:]}"
    return StudentPlan(
        f"S{k:07d}",
        f"{first} {last}",
        _email(first, last, k),
        phone,
        rng.choice(names.PROGRAMMES),
        [invoice],
    )


def _amount(rng: random.Random, low: int, high: int, currency: str) -> int:
    rupees = rng.randrange(low, high + 1, 500) if high > low else low
    if currency == "USD":
        return max(round(rupees / 85 / 5) * 5, 5) * 100  # whole $5 steps, in cents
    return rupees * 100


def _components(rng: random.Random, currency: str) -> list[tuple[str, int, int]]:
    extra = rng.sample(names.COMPONENTS, rng.randint(1, 4))
    chosen = [names.TUITION, *sorted(extra, key=names.COMPONENTS.index)]
    return [(n, _amount(rng, lo, hi, currency), prio) for n, prio, lo, hi in chosen]


def _invoice(rng: random.Random, number: str, currency: str, today: date) -> InvoicePlan:
    issue = today - timedelta(days=rng.randint(5, 50))
    due = issue + timedelta(days=rng.choice((30, 45, 60, 90)))
    components = _components(rng, currency)
    total = sum(a for _, a, _ in components)
    payments = _payments(rng, total, issue, today, currency)
    return InvoicePlan(number, currency, issue, due, components, payments)


def _payments(
    rng: random.Random, total: int, issue: date, today: date, currency: str
) -> list[tuple[int, date]]:
    """None (55%), part of the total (30%) or all of it (15%), in one or two payments."""
    roll = rng.random()
    if roll < 0.55:
        return []
    step = 100 * 100 if currency == "INR" else 10 * 100
    paid = total if roll >= 0.85 else max(step, total * rng.randint(20, 80) // 100 // step * step)
    parts = [paid] if paid < 2 * step or rng.random() < 0.6 else _two(rng, paid, step)
    days = max((today - issue).days - 1, 1)
    return [(amount, issue + timedelta(days=rng.randrange(days))) for amount in parts]


def _two(rng: random.Random, amount: int, step: int) -> list[int]:
    first = rng.randrange(step, amount, step) if amount > step else amount
    return [first, amount - first] if amount - first > 0 else [amount]


def _previous_term(rng: random.Random, today: date) -> InvoicePlan:
    issue = today - timedelta(days=200)
    components = [("Exam fee", 200_000, 3), ("Library fee", 100_000, 4)]
    return InvoicePlan(
        invoice_number(1),
        "INR",
        issue,
        issue + timedelta(days=30),
        components,
        [(300_000, issue + timedelta(days=rng.randint(3, 20)))],
    )

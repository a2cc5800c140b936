"""What a CSV import would change in the ledger, and which changes are refused.

Invoices already in the ledger are loaded as plain values (`Existing`), compared with the
file's `InvoiceIn`s; an invoice with payments keeps its components and currency, and so
does one with a payment in progress, a void one, or one that belongs to another student.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from kiosk.ledger.bulk import chunks
from kiosk.ledger.csv_format import CsvImportError, InvoiceIn, RowError
from kiosk.ledger.models import FeeComponent, Invoice, Payment, PaymentAttempt, Student
from kiosk.money import format_money

LIVE_ATTEMPTS = ("created", "open")
Where = Callable[[str], str]  # column name -> "11 (amount)"


@dataclass
class Existing:
    """An invoice already in the ledger, as plain values (cheaper than ORM objects)."""

    id: int
    student_number: str
    currency: str
    issue_date: date
    due_date: date
    voided: bool
    components: list[tuple[str, int, int]] = field(default_factory=list)  # in position order


def load_invoices(s: Session, numbers: list[str]) -> dict[str, Existing]:
    found: dict[str, Existing] = {}
    by_id: dict[int, Existing] = {}
    for chunk in chunks(numbers):
        query = (
            select(
                Invoice.id,
                Invoice.number,
                Student.number,
                Invoice.currency,
                Invoice.issue_date,
                Invoice.due_date,
                Invoice.voided_at,
            )
            .join(Student, Student.id == Invoice.student_id)
            .where(Invoice.number.in_(chunk))
        )
        for iid, number, student, currency, issued, due, voided in s.execute(query):
            found[number] = by_id[iid] = Existing(
                iid, student, currency, issued, due, voided is not None
            )
    for ids in chunks(sorted(by_id)):
        components = (
            select(
                FeeComponent.invoice_id,
                FeeComponent.name,
                FeeComponent.amount,
                FeeComponent.priority,
            )
            .where(FeeComponent.invoice_id.in_(ids))
            .order_by(FeeComponent.invoice_id, FeeComponent.position, FeeComponent.id)
        )
        for iid, name, amount, priority in s.execute(components):
            by_id[iid].components.append((name, amount, priority))
    return found


def plan_changes(
    s: Session, invoices: list[InvoiceIn], existing: dict[str, Existing], where: Where
) -> list[InvoiceIn]:
    """Invoices in the ledger that the file changes; errors for changes that aren't allowed."""
    errors: list[RowError] = []
    changed: list[InvoiceIn] = []
    for inv in invoices:
        old = existing.get(inv.number)
        if old is None or not _differs(old, inv):
            continue
        error = _refusal(s, old, inv, where)
        if error:
            errors.append(error)
        else:
            changed.append(inv)
    if errors:
        raise CsvImportError(errors)
    return changed


def wanted(inv: InvoiceIn) -> list[tuple[str, int, int]]:
    return [(c.name, c.amount, c.priority) for c in inv.components]


def _differs(old: Existing, inv: InvoiceIn) -> bool:
    return (
        old.student_number != inv.student.number
        or old.currency != inv.currency
        or old.issue_date != inv.issue_date
        or old.due_date != inv.due_date
        or old.components != wanted(inv)
    )


def _refusal(s: Session, old: Existing, inv: InvoiceIn, where: Where) -> RowError | None:
    if old.student_number != inv.student.number:
        message = (
            f"invoice {inv.number} belongs to student {old.student_number} in the "
            f"ledger, not {inv.student.number}"
        )
        return RowError(inv.line, where("student_number"), message)
    if old.voided:
        message = f"invoice {inv.number} is void; it can't change"
        return RowError(inv.line, where("invoice_number"), message)
    if old.currency == inv.currency and old.components == wanted(inv):
        return None  # only dates change: allowed even after payments
    if s.scalar(select(exists().where(Payment.invoice_id == old.id))):
        message = (
            f"invoice {inv.number} already has payments; its components can't change "
            f"({_diff(old, inv)})"
        )
        return RowError(_first_difference(old, inv), where("component"), message)
    live = exists().where(
        PaymentAttempt.invoice_id == old.id, PaymentAttempt.status.in_(LIVE_ATTEMPTS)
    )
    if s.scalar(select(live)):
        message = (
            f"invoice {inv.number} has a payment in progress; finish or cancel it "
            "before changing the invoice"
        )
        return RowError(inv.line, where("invoice_number"), message)
    return None


def _first_difference(old: Existing, inv: InvoiceIn) -> int:
    held = old.components
    for i, c in enumerate(inv.components):
        if i >= len(held) or held[i] != (c.name, c.amount, c.priority):
            return c.line
    return inv.line


def _diff(old: Existing, inv: InvoiceIn) -> str:
    """What differs, for the error message: "Hostel: ₹11,000.00 in the ledger, ..."."""
    if old.currency != inv.currency:
        return f"currency {old.currency} in the ledger, {inv.currency} in the file"

    def show(minor: int | None) -> str:
        return "none" if minor is None else format_money(minor, old.currency)

    held = {n: a for n, a, _ in old.components}
    in_file = {n: a for n, a, _ in wanted(inv)}
    for name in sorted(held.keys() | in_file.keys()):
        if held.get(name) != in_file.get(name):
            return f"{name}: {show(held.get(name))} in the ledger, {show(in_file.get(name))} in the file"
    return "priorities or order differ"

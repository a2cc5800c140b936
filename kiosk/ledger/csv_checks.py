"""Checking CSV rows: every value, and the rows of one invoice or student against each other.

Produces plain `InvoiceIn` values for kiosk.ledger.importer, or CsvImportError listing every
problem with its line and column (up to MAX_ERRORS). See kiosk.ledger.csv_format.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from kiosk.ledger.csv_format import (
    COLUMNS,
    DEFAULT_PRIORITY,
    MAX_AMOUNT,
    MAX_ERRORS,
    MAX_LENGTH,
    MAX_PRIORITY,
    REQUIRED,
    ComponentIn,
    CsvImportError,
    Header,
    InvoiceIn,
    Row,
    RowError,
    StudentIn,
)
from kiosk.money import (
    MoneyError,
    charge_step_problem,
    chargeable_currency,
    format_money,
    minimum_charge,
    parse_money,
)

_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")
_EMAIL = re.compile(r"[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+")
_PHONE = re.compile(r"[0-9+()\-. ]*")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class Checker:
    """Turns rows into invoices, collecting every error with its line and column."""

    def __init__(self, header: Header) -> None:
        self.header = header
        self.errors: list[RowError] = []
        self.invoices: dict[str, InvoiceIn] = {}
        self.students: dict[str, StudentIn] = {}

    def fail(self, line: int, column: str, message: str) -> None:
        self.errors.append(RowError(line, self.header.where(column), message))

    def row(self, row: Row) -> None:
        before = len(self.errors)
        v = row.values
        self._check_text(row)
        currency = self._currency(row)
        issue, due = self._date(row, "issue_date"), self._date(row, "due_date")
        if issue and due and due < issue:
            self.fail(row.line, "due_date", f"due date {due} is before the issue date {issue}")
        amount = self._amount(row, currency) if currency else None
        priority = self._priority(row)
        if len(self.errors) > before or currency is None or issue is None or due is None:
            return
        assert amount is not None and priority is not None
        student = self._student(row)
        invoice = self._invoice(row, student, currency, issue, due)
        if student is None or invoice is None:
            return
        self._component(invoice, ComponentIn(v["component"], amount, priority, row.line))

    def _check_text(self, row: Row) -> None:
        for column in COLUMNS:
            value = row.values[column]
            if column in REQUIRED and not value:
                self.fail(row.line, column, "required but empty")
            elif column in MAX_LENGTH and len(value) > MAX_LENGTH[column]:
                self.fail(row.line, column, f"longer than {MAX_LENGTH[column]} characters")
        self._pattern(row, "student_number", _CODE, "letters, digits and . _ / - only")
        self._pattern(row, "invoice_number", _CODE, "letters, digits and . _ / - only")
        self._pattern(row, "email", _EMAIL, "not an email address")
        self._pattern(row, "phone", _PHONE, "digits, spaces and + ( ) - . only")

    def _pattern(self, row: Row, column: str, pattern: re.Pattern[str], message: str) -> None:
        value = row.values[column]
        if value and not pattern.fullmatch(value):
            self.fail(row.line, column, f"{value!r}: {message}")

    def _currency(self, row: Row) -> str | None:
        try:
            return chargeable_currency(row.values["currency"])
        except MoneyError as exc:
            if row.values["currency"]:
                self.fail(row.line, "currency", str(exc))
            return None

    def _date(self, row: Row, column: str) -> date | None:
        value = row.values[column]
        if not value:
            return None
        try:
            if _ISO_DATE.fullmatch(value):
                return date.fromisoformat(value)
        except ValueError:
            pass
        self.fail(row.line, column, f"{value!r} is not a date; write dates as YYYY-MM-DD")
        return None

    def _amount(self, row: Row, currency: str) -> int | None:
        value = row.values["amount"]
        if not value:
            return None
        try:
            minor = parse_money(value, currency).minor
        except MoneyError as exc:
            self.fail(row.line, "amount", str(exc))
            return None
        if minor == 0:
            self.fail(row.line, "amount", "a fee component must be more than zero")
        elif minor > MAX_AMOUNT:
            self.fail(row.line, "amount", f"{value!r} is too large for one fee component")
        elif problem := charge_step_problem(minor, currency):
            self.fail(row.line, "amount", problem)
        return minor

    def _priority(self, row: Row) -> int | None:
        value = row.values["priority"]
        if not value:
            return DEFAULT_PRIORITY
        if value.isdigit() and int(value) <= MAX_PRIORITY:
            return int(value)
        self.fail(
            row.line,
            "priority",
            f"{value!r}: use a whole number from 0 to {MAX_PRIORITY} (1 is paid first)",
        )
        return None

    def _student(self, row: Row) -> StudentIn | None:
        v = row.values
        new = StudentIn(
            v["student_number"], v["student_name"], v["email"], v["phone"], v["programme"], row.line
        )
        known = self.students.setdefault(new.number, new)
        for column, attr in (
            ("student_name", "name"),
            ("email", "email"),
            ("phone", "phone"),
            ("programme", "programme"),
        ):
            if getattr(known, attr) != getattr(new, attr):
                self.fail(
                    row.line,
                    column,
                    f"student {new.number} has {attr} "
                    f"{getattr(known, attr)!r} on line {known.line}, {getattr(new, attr)!r} here",
                )
                return None
        return known

    def _invoice(
        self, row: Row, student: StudentIn | None, currency: str, issue: date, due: date
    ) -> InvoiceIn | None:
        number = row.values["invoice_number"]
        inv = self.invoices.get(number)
        if inv is None:
            if student is None:
                return None
            inv = self.invoices[number] = InvoiceIn(number, student, currency, issue, due, row.line)
            return inv
        if student is not None and inv.student.number != student.number:
            self.fail(
                row.line,
                "student_number",
                f"invoice {number} is for student "
                f"{inv.student.number} on line {inv.line}; one invoice can't belong to "
                "two students",
            )
            return None
        for column, mine, theirs in (
            ("currency", currency, inv.currency),
            ("issue_date", issue, inv.issue_date),
            ("due_date", due, inv.due_date),
        ):
            if mine != theirs:
                self.fail(
                    row.line,
                    column,
                    f"invoice {number} has {column} {theirs} on line {inv.line}, {mine} here",
                )
                return None
        return inv

    def _component(self, invoice: InvoiceIn, component: ComponentIn) -> None:
        for other in invoice.components:
            if other.name.casefold() == component.name.casefold():
                self.fail(
                    component.line,
                    "component",
                    f"{component.name!r} appears twice in "
                    f"invoice {invoice.number} (line {other.line})",
                )
                return
        invoice.components.append(component)

    def payable(self) -> None:
        """Each invoice's total is at least Stripe's minimum charge in its currency."""
        for inv in self.invoices.values():
            total = sum(c.amount for c in inv.components)
            least = minimum_charge(inv.currency)
            if total < least:
                self.fail(
                    inv.line,
                    "amount",
                    f"invoice {inv.number} totals {format_money(total, inv.currency, 'en')}; "
                    f"Stripe can't charge less than {format_money(least, inv.currency, 'en')}, "
                    "so it could never be paid",
                )


def check(
    header: Header, rows: list[Row], progress: Callable[[int], None] | None = None
) -> list[InvoiceIn]:
    """Every row checked; the invoices, or CsvImportError with every error found.

    `progress(rows_checked)` is called after each row; it may raise to stop the check."""
    checker = Checker(header)
    for done, row in enumerate(rows, start=1):
        checker.row(row)
        if len(checker.errors) >= MAX_ERRORS:
            break
        if progress:
            progress(done)
    if not checker.errors:
        checker.payable()
    if checker.errors:
        raise CsvImportError(checker.errors[:MAX_ERRORS])
    return list(checker.invoices.values())

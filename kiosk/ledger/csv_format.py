"""The invoice CSV format: reading a file into checked, plain values, or a list of errors.

One row per fee component, under this header (any column order):

    student_number,student_name,email,phone,programme,invoice_number,currency,
    issue_date,due_date,component,amount,priority

Rows with the same invoice number form one invoice. Dates are ISO (2026-07-15); amounts
are major units as typed ("50000", "50,000.00", "₹50,000"). Every error names its line
and column. Nothing here touches the database: see kiosk.ledger.importer.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from kiosk.money import MoneyError, normalise_currency, parse_money

COLUMNS = (
    "student_number",
    "student_name",
    "email",
    "phone",
    "programme",
    "invoice_number",
    "currency",
    "issue_date",
    "due_date",
    "component",
    "amount",
    "priority",
)
REQUIRED = frozenset(
    {
        "student_number",
        "student_name",
        "invoice_number",
        "currency",
        "issue_date",
        "due_date",
        "component",
        "amount",
    }
)
MAX_LENGTH = {
    "student_number": 32,
    "student_name": 200,
    "email": 320,
    "phone": 40,
    "programme": 200,
    "invoice_number": 40,
    "component": 120,
}
DEFAULT_PRIORITY = 100
MAX_PRIORITY = 9999
MAX_AMOUNT = 10**13  # minor units per component: far beyond any fee, far within BIGINT
MAX_ERRORS = 50

_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")
_EMAIL = re.compile(r"[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+")
_PHONE = re.compile(r"[0-9+()\-. ]*")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RowError:
    line: int
    column: str | None  # "11 (amount)", or None for the whole line
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column}" if self.column else f"line {self.line}"
        return f"{where}: {self.message}"


class CsvImportError(ValueError):
    """The file can't be imported; `errors` says where and why. Nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(f"{errors[0]}{more}")


@dataclass
class StudentIn:
    number: str
    name: str
    email: str
    phone: str
    programme: str
    line: int


@dataclass(frozen=True)
class ComponentIn:
    name: str
    amount: int
    priority: int
    line: int


@dataclass
class InvoiceIn:
    number: str
    student: StudentIn
    currency: str
    issue_date: date
    due_date: date
    line: int
    components: list[ComponentIn] = field(default_factory=list)


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]


class Header:
    """Where each column sits in this file (columns may come in any order)."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.index = {name: i for i, name in enumerate(names)}

    def where(self, column: str) -> str:
        return f"{self.index[column] + 1} ({column})" if column in self.index else column


# --- reading ------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """UTF-8 text (a BOM is fine), or an error naming the line and column of the bad byte."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvImportError([_decode_error(data, exc)]) from None
    if not text.strip():
        raise CsvImportError(
            [
                RowError(
                    1,
                    None,
                    "the file is empty; the first line must be the header: " + ",".join(COLUMNS),
                )
            ]
        )
    return text


def _decode_error(data: bytes, exc: UnicodeDecodeError) -> RowError:
    start = data.rfind(b"\n", 0, exc.start) + 1
    line = data.count(b"\n", 0, exc.start) + 1
    prefix = data[start : exc.start].decode("utf-8", errors="replace")
    column = len(next(csv.reader([prefix]), [""])) or 1
    header = data.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace")
    names = next(csv.reader([header]), [])
    name = f" ({names[column - 1].strip()})" if line > 1 and column <= len(names) else ""
    return RowError(
        line,
        f"{column}{name}",
        f"byte 0x{data[exc.start]:02X} is not UTF-8 text; save the file as CSV UTF-8",
    )


def read_rows(text: str) -> tuple[Header, list[Row]]:
    """The header and the non-blank data rows, each with the line it starts on."""
    lines = csv.reader(io.StringIO(text, newline=""))
    header = _header(next(lines), 1)
    rows, errors, line = [], [], lines.line_num + 1
    try:
        for fields in lines:
            if any(f.strip() for f in fields):
                row = _row(header, fields, line, errors)
                if row:
                    rows.append(row)
            line = lines.line_num + 1
    except csv.Error as exc:
        errors.append(RowError(line, None, f"not valid CSV ({exc})"))
    if not rows and not errors:
        errors.append(RowError(2, None, "no invoice rows after the header"))
    if errors:
        raise CsvImportError(errors[:MAX_ERRORS])
    return header, rows


def _header(fields: list[str], line: int) -> Header:
    names = [f.strip().lower() for f in fields]
    if len(names) == 1 and any(sep in names[0] for sep in ";\t|"):
        raise CsvImportError(
            [
                RowError(
                    line,
                    "1",
                    "the columns must be separated by commas "
                    '(save the file as "CSV UTF-8 (comma delimited)")',
                )
            ]
        )
    errors = []
    seen: set[str] = set()
    for i, name in enumerate(names, start=1):
        if name not in COLUMNS:
            errors.append(
                RowError(
                    line,
                    f"{i} ({name or 'blank'})",
                    "unknown column; the columns are " + ",".join(COLUMNS),
                )
            )
        elif name in seen:
            errors.append(RowError(line, f"{i} ({name})", "this column appears twice"))
        seen.add(name)
    errors += [
        RowError(line, name, "missing from the header") for name in COLUMNS if name not in seen
    ]
    if errors:
        raise CsvImportError(errors)
    return Header(names)


def _row(header: Header, fields: list[str], line: int, errors: list[RowError]) -> Row | None:
    width = len(header.names)
    if len(fields) < width:
        column = header.names[len(fields)]
        errors.append(
            RowError(
                line,
                header.where(column),
                f"missing: the row has {len(fields)} fields, the header {width}",
            )
        )
        return None
    if len(fields) > width and any(f.strip() for f in fields[width:]):
        errors.append(
            RowError(line, str(width + 1), f"extra field: the header has only {width} columns")
        )
        return None
    return Row(line, {name: fields[i].strip() for i, name in enumerate(header.names)})


# --- checking ----------------------------------------------------------------------------


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
            return normalise_currency(row.values["currency"])
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


def check(
    header: Header,
    rows: list[Row],
    progress: Progress | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> list[InvoiceIn]:
    """Every row checked; the invoices, or CsvImportError with every error found."""
    checker = Checker(header)
    for done, row in enumerate(rows, start=1):
        if cancelled():
            break
        checker.row(row)
        if len(checker.errors) >= MAX_ERRORS:
            break
        if progress:
            progress(done)
    if checker.errors:
        raise CsvImportError(checker.errors[:MAX_ERRORS])
    return list(checker.invoices.values())

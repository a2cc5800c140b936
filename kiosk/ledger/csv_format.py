"""The invoice CSV format: reading a file into checked, plain values, or a list of errors.

One row per fee component, under this header (any column order):

    student_number,student_name,email,phone,programme,invoice_number,currency,
    issue_date,due_date,component,amount,priority

Rows with the same invoice number form one invoice. Dates are ISO (2026-07-15); amounts
are major units as typed ("50000", "50,000.00", "₹50,000"). Every error names its line
and column. Reading is here; kiosk.ledger.csv_checks checks the values, and
kiosk.ledger.importer compares them with the ledger and writes them.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from datetime import date

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
REQUIRED = frozenset(COLUMNS) - {"email", "phone", "programme", "priority"}
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
    rows: list[Row] = []
    errors: list[RowError] = []
    line = lines.line_num + 1
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
                    f"{i} ({_shown(name) or 'blank'})",
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
    bad = [
        RowError(line, header.where(name), problem)
        for i, name in enumerate(header.names)
        if (problem := control_problem(fields[i]))
    ]
    if bad:
        errors.extend(bad)
        return None
    return Row(line, {name: fields[i].strip() for i, name in enumerate(header.names)})


# Bidirectional overrides and isolates reorder what a person sees (a name or component
# could display as something else on screen and on a receipt); they have no place here.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def control_problem(value: str) -> str | None:
    """Why `value` can't be stored as text: a C0/C1 control character (tab and line breaks
    included: one field is one line), a line or paragraph separator, or a bidi override."""
    for ch in value:
        if unicodedata.category(ch) in ("Cc", "Zl", "Zp") or ch in _BIDI:
            name = unicodedata.name(ch, "") or _CONTROL_NAMES.get(ch, "control character")
            return f"U+{ord(ch):04X} ({name.lower()}) is not allowed in a field"
    return None


def _shown(text: str) -> str:
    """`text` for a message: quoted with escapes if it holds control characters, so an
    error printed to a terminal can't carry an escape sequence."""
    return repr(text) if control_problem(text) else text


_CONTROL_NAMES = {"\t": "tab", "\n": "line feed", "\r": "carriage return", "\x00": "NUL"}

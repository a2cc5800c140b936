"""CSV files that are safe to open in a spreadsheet (OWASP "CSV injection").

Every CSV the kiosk writes goes through `SafeWriter`:

    buf = io.StringIO()
    w = SafeWriter(buf)
    w.writerow(["number", "student_name", "amount_minor"])
    w.writerow([facts.number, facts.student_name, facts.amount])

A text cell that starts with `=`, `+`, `-`, `@`, tab, carriage return or line feed (or
their full-width forms, which some spreadsheets read the same way) is a formula to Excel
and LibreOffice: `=HYPERLINK("http://x")` in a student name would become a live link in
the accountant's sheet. Such a cell is written with a leading single quote, as OWASP
advises (https://owasp.org/www-community/attacks/CSV_Injection); the quote shows, and the
rest is plain text. Leading spaces don't hide a trigger: " =1" is neutralised too.

Numbers are the exception, decided by type, not by looking at text: an `int` or a
`Decimal` that we computed (amounts in minor units, decimal amounts, counts) is written
as its plain numeral, so a refund's `-150.00` stays a number an accountant can sum. A
numeral can only be digits, a sign and a decimal point: it can't carry a formula.
Anything else, including an amount already formatted as text ("-₹150.00"), is text and is
neutralised. So callers pass amounts as int or Decimal, never as str.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from decimal import Decimal
from typing import IO

Cell = str | int | Decimal | None

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value: Cell) -> str | int:
    """`value` as it may go into a CSV cell: numbers as they are, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not an amount")
        return format(value, "f")  # never exponent notation: 1E+3 would be text to a sheet
    text = str(value)
    return "'" + text if text.lstrip(" ").startswith(TRIGGERS) else text


class SafeWriter:
    """csv.writer with CRLF line ends (RFC 4180) whose every cell goes through safe_cell."""

    def __init__(self, out: IO[str]) -> None:
        self._writer = csv.writer(out, lineterminator="\r\n")

    def writerow(self, row: Iterable[Cell]) -> None:
        self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Cell]]) -> None:
        for row in rows:
            self.writerow(row)

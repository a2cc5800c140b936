"""Helpers for ledger tests: a full dump of a SQLite ledger, and CSV rows."""

from __future__ import annotations

from kiosk.ledger.csv_format import COLUMNS
from kiosk.ledger.database import Ledger

HEADER = ",".join(COLUMNS)


def dump(ledger: Ledger) -> str:
    """Every table (FTS shadow tables included) as SQL, via sqlite3's iterdump."""
    raw = ledger.engine.raw_connection()
    try:
        return "\n".join(raw.driver_connection.iterdump())
    finally:
        raw.close()


def row(
    number: str = "S1001",
    name: str = "Asha Verma",
    invoice: str = "INV-1",
    component: str = "Tuition",
    amount: str = "50000",
    priority: str = "1",
    currency: str = "INR",
    issue: str = "2026-07-01",
    due: str = "2026-07-31",
    email: str = "asha@example.edu",
    phone: str = "+91 98450 11111",
    programme: str = "MBA",
) -> str:
    """One CSV line, fields in the documented column order."""
    fields = [
        number,
        name,
        email,
        phone,
        programme,
        invoice,
        currency,
        issue,
        due,
        component,
        amount,
        priority,
    ]
    return ",".join(f'"{f}"' if "," in f else f for f in fields)


# Three good lines: two components of one invoice, and a second student's invoice.
GOOD = [
    row(component="Tuition", amount="50,000.00", priority="1"),
    row(component="Hostel", amount="11000", priority="2"),
    row("S1002", "José García", "INV-2", "Tuition", "₹1,61,000", "1", email="jose@example.edu"),
]

"""Invoice status, computed from the money and the dates, never stored."""

from __future__ import annotations

from datetime import date
from enum import StrEnum


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    OVERDUE = "overdue"
    VOID = "void"


def invoice_status(total: int, paid: int, due: date, voided: bool, today: date) -> InvoiceStatus:
    if voided:
        return InvoiceStatus.VOID
    if total > 0 and paid >= total:
        return InvoiceStatus.PAID
    if due < today:
        return InvoiceStatus.OVERDUE
    if paid > 0:
        return InvoiceStatus.PARTIALLY_PAID
    return InvoiceStatus.OPEN

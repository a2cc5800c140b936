"""Statuses: an invoice's (computed from the money and the dates, never stored) and a
refund row's (stored)."""

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


class RefundStatus(StrEnum):
    """A refund row's status (`refunds.status`). Stripe's own statuses, and `bounced`: a
    cheque or draft that bounced, whose row reverses the payment with a note."""

    REQUESTED = "requested"  # written before Stripe is asked
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"  # Stripe's spelling
    BOUNCED = "bounced"


# Refund rows that took money back off the invoice.
REVERSED = (RefundStatus.SUCCEEDED, RefundStatus.BOUNCED)

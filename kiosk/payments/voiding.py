"""Voiding an invoice: a supervisor's decision, refused while money or a payment is on it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from kiosk.ledger import audit
from kiosk.ledger.invoices import InvoiceNotFound, invoice_row
from kiosk.ledger.models import Invoice, PaymentAttempt
from kiosk.ledger.status import InvoiceStatus
from kiosk.ledger.types import utcnow
from kiosk.ledger.users import StaffUser
from kiosk.ledger.views import InvoiceRow
from kiosk.money import format_money
from kiosk.payments.errors import NotFound, PaymentError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from kiosk.context import Context
    from kiosk.payments.gateway import StripeGateway


class VoidRefused(PaymentError):
    """The invoice cannot be voided now; the message says what to do first."""


def void_invoice(
    ctx: Context,
    gateway: StripeGateway | None,
    number: str,
    reason: str,
    supervisor: StaffUser,
) -> InvoiceRow:
    """Mark the invoice void (supervisors only), then deactivate its fee-slip links so no
    student can pay it from a slip. Money on the invoice must be refunded first."""
    if not supervisor.is_supervisor:
        raise VoidRefused(f"{supervisor.username} is a cashier; a supervisor must void invoices")
    reason = reason.strip()
    if not reason:
        raise VoidRefused("give a reason for voiding the invoice")
    locale = str(ctx.settings.get("desk.locale"))
    with ctx.ledger.begin() as s:
        try:
            row = invoice_row(s, number)
        except InvoiceNotFound:
            raise NotFound(f"no invoice numbered {number!r}") from None
        _check(s, row, locale)
        invoice = s.get(Invoice, row.id)
        assert invoice is not None
        invoice.voided_at = utcnow()
        invoice.void_reason = reason
        audit.record(
            s,
            "invoice.voided",
            username=supervisor.username,
            desk=ctx.desk,
            target=number,
            reason=reason,
        )
    if gateway is not None:
        from kiosk.payments.fee_slips import deactivate_stale_fee_slips

        deactivate_stale_fee_slips(ctx, gateway, row.id, every=True)
    with ctx.ledger.read() as s:
        return invoice_row(s, number)


def _check(s: Session, row: InvoiceRow, locale: str) -> None:
    if row.status == InvoiceStatus.VOID:
        raise VoidRefused(f"invoice {row.number} is already void")
    held = row.paid + row.credit
    if held > 0:
        raise VoidRefused(
            f"invoice {row.number} holds {format_money(held, row.currency, locale)} in "
            "payments; refund them before voiding it"
        )
    live = s.scalar(
        select(PaymentAttempt.public_id).where(PaymentAttempt.live_invoice_id == row.id)
    )
    if live:
        raise VoidRefused(
            f"a payment is in progress for invoice {row.number}; cancel it before voiding"
        )

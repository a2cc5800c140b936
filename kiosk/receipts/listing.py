"""Lists of receipts (newest first, or one local day) and their JSON form."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from kiosk.clock import day_bounds
from kiosk.ledger.models import MailMessage, Receipt
from kiosk.receipts.facts import ReceiptFacts, facts_for
from kiosk.receipts.wording import Wording, payment_method

if TYPE_CHECKING:
    from kiosk.context import Context


def list_receipts(
    ctx: Context, day: date | None = None, pending: bool = False, limit: int | None = None
) -> list[ReceiptFacts]:
    """Receipts newest first; `day` is a local date in the desk's timezone."""
    stmt = select(Receipt)
    if day is not None:
        start, end = day_bounds(day, ctx.settings.get("desk.timezone"))
        stmt = stmt.where(Receipt.issued_at >= start, Receipt.issued_at < end)
    if pending:
        stmt = stmt.where(Receipt.file_path.is_(None))
    stmt = stmt.order_by(Receipt.issued_at.desc(), Receipt.id.desc())
    with ctx.ledger.begin() as s:
        rows = s.scalars(stmt.limit(limit) if limit else stmt).all()
        return [facts_for(s, r) for r in rows]


def mail_log(ctx: Context, number: str) -> list[dict[str, Any]]:
    with ctx.ledger.begin() as s:
        rows = s.scalars(
            select(MailMessage)
            .join(Receipt, Receipt.id == MailMessage.receipt_id)
            .where(Receipt.number == number)
            .order_by(MailMessage.id)
        ).all()
        return [
            {
                "to": m.to_address,
                "status": m.status,
                "attempts": m.attempts,
                "message_id": m.message_id,
                "last_error": m.last_error or None,
                "next_attempt_at": m.next_attempt_at.isoformat(timespec="seconds"),
                "sent_at": m.sent_at.isoformat(timespec="seconds") if m.sent_at else None,
            }
            for m in rows
        ]


def facts_json(f: ReceiptFacts, wording: Wording) -> dict[str, Any]:
    def money(minor: int) -> dict[str, Any]:
        return {"amount": minor, "formatted": wording.money(minor, f.currency)}

    return {
        "number": f.number,
        "kind": f.kind,
        "issued_at": f.issued_at.isoformat(),
        "issued_local": wording.when(f.issued_at),
        "desk": f.desk,
        "cashier": f.cashier,
        "student": {"number": f.student_number, "name": f.student_name, "email": f.student_email},
        "invoice": f.invoice_number,
        "currency": f.currency,
        "total": money(f.amount),
        "lines": [{"component": ln.component, **money(ln.amount)} for ln in f.lines],
        "credit": money(f.unallocated) if f.unallocated else None,
        "balance_after": money(f.balance_after),
        "payment_method": payment_method(f),
        "method": f.method,
        "card": {"brand": f.card_brand, "last4": f.card_last4} if f.card_last4 else None,
        "upi": {"vpa": f.upi_vpa} if f.method == "upi" else None,
        "payment_intent": f.payment_intent,
        "refund": f.stripe_refund_id,
        "refund_reason": f.refund_reason or None,
        "refund_of": f.payment_receipt,
        "verification_code": f.verification_code,
        "print_count": f.print_count,
        "file": f.file_path,
        "sha256": f.sha256,
    }

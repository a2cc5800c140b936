"""What the invoice view shows of counter payments: status, instrument, UTR, cash handed
over, and each payment's attempt id (the REF `payments clear|bounce` take)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.ledger.counter_models import PaymentInstrument
from kiosk.ledger.models import Payment, PaymentAttempt


def payment_extras(session: Session, payment_ids: list[int]) -> dict[int, dict[str, Any]]:
    """PaymentView keyword arguments per payment id."""
    if not payment_ids:
        return {}
    extras: dict[int, dict[str, Any]] = {
        pid: {"attempt_id": public_id}
        for pid, public_id in session.execute(
            select(Payment.id, PaymentAttempt.public_id)
            .join(PaymentAttempt, PaymentAttempt.id == Payment.attempt_id)
            .where(Payment.id.in_(payment_ids))
        )
    }
    for i in session.scalars(
        select(PaymentInstrument).where(PaymentInstrument.payment_id.in_(payment_ids))
    ):
        extra = extras.setdefault(i.payment_id, {})
        extra["status"] = i.status
        if i.kind in ("cheque", "dd"):
            extra["instrument"] = {
                "kind": i.kind,
                "number": i.number,
                "bank": i.bank,
                "date": i.instrument_date.isoformat() if i.instrument_date else None,
            }
        elif i.kind == "bank_transfer":
            extra["reference"] = i.reference
        elif i.kind == "cash":
            extra["tendered"] = i.tendered
    return extras

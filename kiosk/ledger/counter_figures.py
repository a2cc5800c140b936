"""What a counter session took: by channel and method, refunds, bounced instruments,
receipt range, and the cash the drawer should hold.

    figures = session_figures(s, row)
    figures.expected_cash      # float + cash in - cash paid out of the drawer
    session_json(s, row, figures, blind=False)

Everything is summed from the payments and refunds that carry the session's id, so the
figures of one desk's session never include another desk's money.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.ledger.counter_models import CounterSession, PaymentInstrument
from kiosk.ledger.models import Payment, Receipt, Refund, User
from kiosk.ledger.status import REVERSED, RefundStatus

CASH = "cash"
INSTRUMENTS = ("cheque", "dd")
COUNTER_CHANNELS = ("cash", "cheque", "dd", "bank_transfer")
CHANNEL_LABELS = {
    "checkout": "Checkout (desk)",
    "payment_link": "QR payment link",
    "fee_slip": "Fee slip QR",
    "terminal": "Card reader",
    "cash": "Cash",
    "cheque": "Cheque",
    "dd": "Demand draft",
    "bank_transfer": "Bank transfer",
}


@dataclass
class Tally:
    count: int = 0
    amount: int = 0

    def add(self, count: int, amount: int) -> None:
        self.count += count
        self.amount += amount

    def to_json(self) -> dict[str, int]:
        return {"count": self.count, "amount": self.amount}


@dataclass
class SessionFigures:
    float_amount: int
    by_channel: dict[str, Tally] = field(default_factory=dict)
    by_method: dict[str, Tally] = field(default_factory=dict)  # Stripe payments: card | upi
    pending_clearance: Tally = field(default_factory=Tally)
    refunds: dict[str, Tally] = field(default_factory=dict)  # drawer | office | stripe
    bounced: Tally = field(default_factory=Tally)
    first_receipt: str | None = None
    last_receipt: str | None = None

    def to_json(self) -> str:
        def tallies(d: dict[str, Tally]) -> dict[str, list[int]]:
            return {k: [v.count, v.amount] for k, v in d.items()}

        return json.dumps(
            {
                "float": self.float_amount,
                "by_channel": tallies(self.by_channel),
                "by_method": tallies(self.by_method),
                "pending_clearance": [self.pending_clearance.count, self.pending_clearance.amount],
                "refunds": tallies(self.refunds),
                "bounced": [self.bounced.count, self.bounced.amount],
                "receipts": [self.first_receipt, self.last_receipt],
            }
        )

    @classmethod
    def from_json(cls, text: str) -> SessionFigures:
        raw = json.loads(text)

        def tallies(d: dict[str, list[int]]) -> dict[str, Tally]:
            return {k: Tally(*v) for k, v in d.items()}

        return cls(
            raw["float"],
            tallies(raw["by_channel"]),
            tallies(raw["by_method"]),
            Tally(*raw["pending_clearance"]),
            tallies(raw["refunds"]),
            Tally(*raw["bounced"]),
            *raw["receipts"],
        )

    @property
    def cash_in(self) -> int:
        return self.by_channel.get(CASH, Tally()).amount

    @property
    def cash_refunds(self) -> int:
        return self.refunds.get("drawer", Tally()).amount

    @property
    def expected_cash(self) -> int:
        return self.float_amount + self.cash_in - self.cash_refunds

    @property
    def taken(self) -> int:
        return sum(t.amount for t in self.by_channel.values())

    @property
    def net(self) -> int:
        """Taken, less refunds and bounced instruments."""
        return self.taken - sum(t.amount for t in self.refunds.values()) - self.bounced.amount


def session_figures(s: Session, row: CounterSession) -> SessionFigures:
    """The figures as they stand, or for a closed session as they stood at its close."""
    if row.status == "closed" and row.figures:
        return SessionFigures.from_json(row.figures)
    figures = SessionFigures(row.float_amount)
    payments = s.execute(
        select(
            Payment.channel,
            Payment.method,
            PaymentInstrument.status,
            func.count(),
            func.sum(Payment.amount),
        )
        .outerjoin(PaymentInstrument, PaymentInstrument.payment_id == Payment.id)
        .where(Payment.counter_session_id == row.id)
        .group_by(Payment.channel, Payment.method, PaymentInstrument.status)
    ).all()
    for channel, method, status, count, amount in payments:
        figures.by_channel.setdefault(channel, Tally()).add(count, int(amount))
        if channel not in COUNTER_CHANNELS:
            figures.by_method.setdefault(method or "card", Tally()).add(count, int(amount))
        if status == "pending_clearance":
            figures.pending_clearance.add(count, int(amount))
    _refunds(s, row, figures)
    _receipt_range(s, row, figures)
    return figures


def _refunds(s: Session, row: CounterSession, figures: SessionFigures) -> None:
    refunds = s.execute(
        select(Refund.paid_by, Refund.status, func.count(), func.sum(Refund.amount))
        .where(Refund.counter_session_id == row.id, Refund.status.in_(REVERSED))
        .group_by(Refund.paid_by, Refund.status)
    ).all()
    for paid_by, status, count, amount in refunds:
        if status == RefundStatus.BOUNCED:
            figures.bounced.add(count, int(amount))
        else:
            figures.refunds.setdefault(paid_by or "stripe", Tally()).add(count, int(amount))


def _receipt_range(s: Session, row: CounterSession, figures: SessionFigures) -> None:
    mine = select(Payment.id).where(Payment.counter_session_id == row.id)
    refunds = select(Refund.id).where(Refund.counter_session_id == row.id)
    first, last = s.execute(
        select(func.min(Receipt.number), func.max(Receipt.number)).where(
            Receipt.payment_id.in_(mine) | Receipt.refund_id.in_(refunds)
        )
    ).one()
    figures.first_receipt, figures.last_receipt = first, last


def _username(s: Session, user_id: int | None) -> str | None:
    return s.scalar(select(User.username).where(User.id == user_id)) if user_id else None


def session_json(
    s: Session, row: CounterSession, figures: SessionFigures, *, blind: bool = False
) -> dict[str, Any]:
    """The shape `counter status --json` and `counter close --json` print. `blind` (an open
    session under counter.blind_close) leaves out what would tell the cashier the expected
    cash before counting."""
    hide = blind and row.status == "open"
    by_channel: dict[str, dict[str, int | None]] = {
        k: dict(v.to_json()) for k, v in sorted(figures.by_channel.items())
    }
    if hide and CASH in by_channel:
        by_channel[CASH] = {"count": by_channel[CASH]["count"], "amount": None}
    return {
        "session": row.number,
        "desk": row.desk,
        "status": row.status,
        "currency": row.currency,
        "opened_by": _username(s, row.opened_by_id),
        "opened_at": row.opened_at.isoformat(),
        "float": row.float_amount,
        "cash_in": None if hide else figures.cash_in,
        "cash_refunds": None if hide else figures.cash_refunds,
        "expected_cash": None
        if hide
        else (row.expected_cash if row.expected_cash is not None else figures.expected_cash),
        "counted": row.counted,
        "count": _count_detail(row),
        "variance": row.variance,
        "variance_reason": row.variance_reason or None,
        "approved_by": _username(s, row.approved_by_id),
        "closed_by": _username(s, row.closed_by_id),
        "closed_at": row.closed_at.isoformat() if row.closed_at else None,
        "by_channel": by_channel,
        "by_method": {k: v.to_json() for k, v in sorted(figures.by_method.items())},
        "pending_clearance": figures.pending_clearance.to_json(),
        "refunds": {k: v.to_json() for k, v in sorted(figures.refunds.items())},
        "bounced": figures.bounced.to_json(),
        "receipts": {"first": figures.first_receipt, "last": figures.last_receipt},
        "net": None if hide else figures.net,
    }


def _count_detail(row: CounterSession) -> dict[str, int] | None:
    return json.loads(row.count_detail) if row.count_detail else None


def variance_words(variance: int | None, currency: str, locale: str = "en_IN") -> str:
    """'₹150.00 short', '₹20.00 over', 'balanced'; '—' before the count."""
    from kiosk.money import format_money

    if variance is None:
        return "—"
    if variance == 0:
        return "balanced"
    amount = format_money(abs(variance), currency, locale)
    return f"{amount} short" if variance < 0 else f"{amount} over"

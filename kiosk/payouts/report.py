"""Payout reconciliation: each synced payout's lines matched to our receipts and refund notes.

A charge line matches the payment with its PaymentIntent (and so that payment's receipt);
a refund or failed-refund line matches the refund with its Stripe id (its refund note); a
`payout_failure` line matches the failed payout it returns. Anything else is an exception
with a reason, as is a line whose amount differs from ours, a payout whose lines don't add
up to it, and a Stripe payment older than `days` that no paid payout covers.

Totals are integer minor units: gross (charges), fees (everything Stripe kept, tax
included) and gst (the tax part), refunds (negative), other (failed refunds and payouts
returned) and net (the payout's amount). gross − fees + refunds + other = net.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.ledger.models import Payment, PayoutLine, Receipt, Refund, StripePayout
from kiosk.ledger.settlement import settled_payouts

DAY = 86_400
CHARGE_TYPES = frozenset({"charge", "payment"})
REFUND_TYPES = frozenset({"refund", "payment_refund"})


@dataclass
class Problem:
    kind: str  # unmatched_charge | unmatched_refund | amount_differs | unbalanced | unpaid
    reference: str
    message: str


@dataclass
class Line:
    balance_transaction: str
    type: str
    source: str
    amount: int
    fee: int
    net: int
    receipt: str | None = None
    refund_note: str | None = None
    matched: bool = False


@dataclass
class PayoutReport:
    id: str
    status: str
    arrival_date: str
    currency: str
    gross: int = 0
    fees: int = 0
    gst: int = 0
    refunds: int = 0
    other: int = 0
    net: int = 0
    lines: list[Line] = field(default_factory=list)
    exceptions: list[Problem] = field(default_factory=list)

    @property
    def matched(self) -> bool:
        return not self.exceptions

    def summary(self) -> dict[str, Any]:
        keys = ("id", "status", "arrival_date", "currency", "gross", "fees", "gst", "refunds")
        found = {k: getattr(self, k) for k in keys}
        return {
            **found,
            "net": self.net,
            "matched": self.matched,
            "exceptions": len(self.exceptions),
        }

    def detail(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "other": self.other,
            "lines": [asdict(line) for line in self.lines],
            "exceptions": [asdict(p) for p in self.exceptions],
        }


class Matcher:
    """What the ledger knows, loaded once: receipts by PaymentIntent, notes by refund id."""

    def __init__(self, s: Session) -> None:
        rows = s.execute(
            select(Payment.stripe_payment_intent, Payment.amount, Receipt.number).outerjoin(
                Receipt, Receipt.payment_id == Payment.id
            )
        ).all()
        self.payments = {pi: (amount, number) for pi, amount, number in rows}
        notes = s.execute(
            select(Refund.stripe_refund_id, Refund.amount, Receipt.number)
            .outerjoin(Receipt, Receipt.refund_id == Refund.id)
            .where(Refund.stripe_refund_id.is_not(None))
        ).all()
        self.refunds = {re: (amount, number) for re, amount, number in notes}
        self.payouts = set(s.scalars(select(StripePayout.id)))

    def match(self, row: PayoutLine, report: PayoutReport) -> Line:
        line = Line(row.balance_transaction, row.type, row.source, row.amount, row.fee, row.net)
        if row.type in CHARGE_TYPES:
            self._charge(row, line, report)
        elif row.type in REFUND_TYPES or row.type == "refund_failure":
            self._refund(row, line, report)
        elif row.type in ("payout", "payout_failure"):
            line.matched = row.type == "payout" or row.source in self.payouts
        if not line.matched and not any(p.reference == row.source for p in report.exceptions):
            report.exceptions.append(
                Problem("unmatched", row.source, f"no match for {row.type} {row.source}")
            )
        return line

    def _charge(self, row: PayoutLine, line: Line, report: PayoutReport) -> None:
        found = self.payments.get(row.payment_intent or "")
        if found is None:
            report.exceptions.append(
                Problem("unmatched_charge", row.source, f"no receipt for {row.source}")
            )
            return
        amount, line.receipt = found
        line.matched = amount == row.amount
        if not line.matched:
            report.exceptions.append(
                Problem(
                    "amount_differs",
                    row.source,
                    f"amount differs: {row.source} is {row.amount} at Stripe, "
                    f"receipt {line.receipt} is {amount}",
                )
            )

    def _refund(self, row: PayoutLine, line: Line, report: PayoutReport) -> None:
        found = self.refunds.get(row.source)
        if found is None:
            report.exceptions.append(
                Problem("unmatched_refund", row.source, f"no refund note for {row.source}")
            )
            return
        amount, line.refund_note = found
        line.matched = amount == abs(row.amount)
        if not line.matched:
            report.exceptions.append(
                Problem(
                    "amount_differs",
                    row.source,
                    f"amount differs: {row.source} is {abs(row.amount)} at Stripe, "
                    f"refund note {line.refund_note} is {amount}",
                )
            )


def build(s: Session, payout: StripePayout, matcher: Matcher) -> PayoutReport:
    day = time.strftime("%Y-%m-%d", time.gmtime(payout.arrival_date))
    report = PayoutReport(payout.id, payout.status, day, payout.currency, net=payout.amount)
    rows = s.scalars(
        select(PayoutLine)
        .where(PayoutLine.payout_id == payout.id)
        .order_by(PayoutLine.type == "payout", PayoutLine.created, PayoutLine.balance_transaction)
    )
    for row in rows:
        report.lines.append(matcher.match(row, report))
        _add(report, row)
    swept = sum(line.net for line in report.lines if line.type != "payout")
    if swept != payout.amount:
        report.exceptions.append(
            Problem(
                "unbalanced",
                payout.id,
                f"lines add up to {swept}, the payout is {payout.amount}",
            )
        )
    return report


def _add(report: PayoutReport, row: PayoutLine) -> None:
    report.fees += row.fee
    report.gst += row.fee_tax
    if row.type in CHARGE_TYPES:
        report.gross += row.amount
    elif row.type in REFUND_TYPES:
        report.refunds += row.amount
    elif row.type != "payout":
        report.other += row.amount


def reports(s: Session) -> list[PayoutReport]:
    matcher = Matcher(s)
    payouts = s.scalars(select(StripePayout).order_by(StripePayout.created.desc()))
    return [build(s, p, matcher) for p in payouts]


def unpaid_receipts(s: Session, days: int, now: float | None = None) -> list[Problem]:
    """Stripe payments older than `days` that no paid payout covers (directly, or through
    the payout that returned a failed one)."""
    cutoff = (now or time.time()) - days * DAY
    rows = s.execute(
        select(Payment.stripe_payment_intent, Payment.received_at, Receipt.number)
        .outerjoin(Receipt, Receipt.payment_id == Payment.id)
        .where(Payment.stripe_payment_intent.like("pi\\_%", escape="\\"), Payment.source != "demo")
    ).all()
    old = [(pi, number) for pi, received_at, number in rows if received_at.timestamp() < cutoff]
    settled = settled_payouts(s, [pi for pi, _ in old])
    return [
        Problem(
            "unpaid", number or pi, f"receipt {number or pi} not in any payout after {days} days"
        )
        for pi, number in old
        if pi not in settled
    ]

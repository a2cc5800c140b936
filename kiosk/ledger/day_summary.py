"""The day's figures for the end-of-day summary: collections by channel, by way of
paying (card, UPI) and by fee component, refunds (and refunds that failed later, whose
money stayed with us), and the net; with CSV and PDF exports. The desk's summary screen
shows it; the figures come from the ledger alone.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk import clock
from kiosk.atomic import write_text
from kiosk.clock import day_bounds
from kiosk.csv_safe import SafeWriter
from kiosk.ledger.counter_figures import CHANNEL_LABELS
from kiosk.ledger.status import RefundStatus
from kiosk.money import format_money

if TYPE_CHECKING:
    from kiosk.context import Context


@dataclass(frozen=True)
class Line:
    label: str
    count: int
    amount: int


@dataclass
class CurrencyDay:
    currency: str
    by_channel: list[Line] = field(default_factory=list)
    by_component: list[Line] = field(default_factory=list)
    refunds: list[Line] = field(default_factory=list)
    stripe_payments: int = 0  # of the day's payments, those through Stripe
    stripe_fees: int = 0  # Stripe's fees (GST included) on them, as far as known
    fees_unknown: int = 0  # Stripe payments whose fee `payouts sync` has not seen yet
    by_method: list[Line] = field(default_factory=list)
    failed_refunds: list[Line] = field(default_factory=list)  # not in `refunded`

    @property
    def collected(self) -> int:
        return sum(line.amount for line in self.by_channel)

    @property
    def refunded(self) -> int:
        return sum(line.amount for line in self.refunds)

    @property
    def net(self) -> int:
        return self.collected - self.refunded

    @property
    def expected_net(self) -> int:
        """What should reach the bank: the net less Stripe's fees."""
        return self.net - self.stripe_fees

    def fee_rows(self) -> list[tuple[str, int, int]]:
        """(label, count, amount) for the Stripe fee lines, when there were Stripe payments."""
        if not self.stripe_payments:
            return []
        known = self.stripe_payments - self.fees_unknown
        rows = [("Stripe fees, GST included", known, self.stripe_fees)]
        if self.fees_unknown:
            rows.append(("Fees not known yet (run payouts sync)", self.fees_unknown, 0))
        return [*rows, ("Expected net after fees", 0, self.expected_net)]


@dataclass
class DaySummary:
    day: date
    desk: str
    timezone: str
    currencies: list[CurrencyDay]

    def rows(self, locale: str) -> list[tuple[str, str, str, int, str]]:
        """(section, label, currency, count, formatted amount) for tables and exports."""
        out = []
        for c in self.currencies:

            def fmt(minor: int, cur: str = c.currency) -> str:
                return format_money(minor, cur, locale)

            for section, lines in (
                ("Channel", c.by_channel),
                ("Method", c.by_method),
                ("Fee component", c.by_component),
                ("Refunds", c.refunds),
                ("Refunds failed", c.failed_refunds),
            ):
                out += [(section, ln.label, c.currency, ln.count, fmt(ln.amount)) for ln in lines]
            out.append(("Total", "Collected", c.currency, 0, fmt(c.collected)))
            out.append(("Total", "Refunded", c.currency, 0, fmt(c.refunded)))
            out.append(("Total", "Net", c.currency, 0, fmt(c.net)))
            out += [("Stripe", label, c.currency, n, fmt(v)) for label, n, v in c.fee_rows()]
        return out


CHANNELS = CHANNEL_LABELS
METHODS = {"card": "Card", "upi": "UPI"}


def day_summary(ctx: Context, day: date | None = None) -> DaySummary:
    from kiosk.ledger.models import Allocation, FeeComponent, Payment, Refund

    tz = str(ctx.settings.get("desk.timezone"))
    day = day or clock.today(tz)
    start, end = day_bounds(day, tz)
    by_cur: dict[str, CurrencyDay] = defaultdict(lambda: CurrencyDay(""))
    with ctx.ledger.begin() as s:
        in_day = (Payment.received_at >= start) & (Payment.received_at < end)
        for cur, channel, n, total in s.execute(
            select(Payment.currency, Payment.channel, func.count(), func.sum(Payment.amount))
            .where(in_day)
            .group_by(Payment.currency, Payment.channel)
            .order_by(Payment.currency, Payment.channel)
        ):
            _cur(by_cur, cur).by_channel.append(
                Line(CHANNELS.get(channel, channel), int(n), int(total))
            )
        for cur, name, n, total in s.execute(
            select(
                Payment.currency,
                FeeComponent.name,
                func.count(func.distinct(Payment.id)),
                func.sum(Allocation.amount),
            )
            .join(Allocation, Allocation.payment_id == Payment.id)
            .join(FeeComponent, FeeComponent.id == Allocation.component_id)
            .where(in_day, Allocation.refund_id.is_(None))
            .group_by(Payment.currency, FeeComponent.name)
            .order_by(Payment.currency, func.sum(Allocation.amount).desc())
        ):
            _cur(by_cur, cur).by_component.append(Line(name, int(n), int(total)))
        for cur, _status, n, total in s.execute(
            select(Refund.currency, Refund.status, func.count(), func.sum(Refund.amount))
            .where(
                Refund.updated_at >= start,
                Refund.updated_at < end,
                Refund.status == RefundStatus.SUCCEEDED,
            )
            .group_by(Refund.currency, Refund.status)
        ):
            _cur(by_cur, cur).refunds.append(Line("Refunds confirmed", int(n), int(total)))
        _stripe_fees(s, by_cur, in_day)
        _methods_and_failed_refunds(s, start, end, by_cur)
    currencies = sorted(by_cur.values(), key=lambda c: c.currency)
    if not currencies:
        currencies = [CurrencyDay(str(ctx.settings.get("desk.currency")))]
    return DaySummary(day, ctx.desk, tz, currencies)


def _stripe_fees(s: Any, by_cur: dict[str, CurrencyDay], in_day: Any) -> None:
    """Stripe's fees on the day's Stripe payments, from the balance transactions
    `payouts sync` has stored (a charge's fee is known before it is paid out)."""
    from kiosk.ledger.models import Payment, PayoutLine

    charge = (PayoutLine.payment_intent == Payment.stripe_payment_intent) & PayoutLine.type.in_(
        ("charge", "payment")
    )
    for cur, n, known, fees in s.execute(
        select(
            Payment.currency,
            func.count(Payment.id),
            func.count(PayoutLine.balance_transaction),
            func.coalesce(func.sum(PayoutLine.fee), 0),
        )
        .outerjoin(PayoutLine, charge)
        .where(in_day, Payment.stripe_payment_intent.like("pi\\_%", escape="\\"))
        .where(Payment.source != "demo")
        .group_by(Payment.currency)
    ):
        c = _cur(by_cur, cur)
        c.stripe_payments, c.fees_unknown, c.stripe_fees = int(n), int(n) - int(known), int(fees)


def _methods_and_failed_refunds(
    s: Session, start: datetime, end: datetime, by_cur: dict[str, CurrencyDay]
) -> None:
    from kiosk.ledger.models import Payment, Refund

    for cur, method, n, total in s.execute(
        select(Payment.currency, Payment.method, func.count(), func.sum(Payment.amount))
        .where(Payment.received_at >= start, Payment.received_at < end)
        .group_by(Payment.currency, Payment.method)
        .order_by(Payment.currency, Payment.method)
    ):
        label = METHODS.get(method) or method or "Not known yet"
        _cur(by_cur, cur).by_method.append(Line(label, int(n), int(total)))
    for cur, n, total in s.execute(
        select(Refund.currency, func.count(), func.sum(Refund.amount))
        .where(
            Refund.updated_at >= start,
            Refund.updated_at < end,
            Refund.status == RefundStatus.FAILED,
        )
        .group_by(Refund.currency)
    ):
        _cur(by_cur, cur).failed_refunds.append(
            Line("Failed after confirming: money kept", int(n), int(total))
        )


def _cur(by_cur: dict[str, CurrencyDay], currency: str) -> CurrencyDay:
    c = by_cur[currency]
    c.currency = currency
    return c


def write_csv(summary: DaySummary, out: Path, locale: str) -> Path:
    """Counts and minor units as numbers; labels (fee component names come from the
    imported CSV) and formatted amounts as text, neutralised by kiosk.csv_safe."""
    buf = io.StringIO()
    w = SafeWriter(buf)
    w.writerow(["date", "desk", "section", "label", "currency", "count", "amount_minor", "amount"])
    for c in summary.currencies:
        for section, lines in (
            ("channel", c.by_channel),
            ("method", c.by_method),
            ("component", c.by_component),
            ("refunds", c.refunds),
            ("refunds_failed", c.failed_refunds),
        ):
            for ln in lines:
                w.writerow(
                    [
                        summary.day.isoformat(),
                        summary.desk,
                        section,
                        ln.label,
                        c.currency,
                        ln.count,
                        ln.amount,
                        format_money(ln.amount, c.currency, locale),
                    ]
                )
        totals = [("collected", c.collected), ("refunded", c.refunded), ("net", c.net)]
        if c.stripe_payments:
            totals += [("stripe_fees", c.stripe_fees), ("expected_net", c.expected_net)]
        for label, minor in totals:
            w.writerow(
                [
                    summary.day.isoformat(),
                    summary.desk,
                    "total",
                    label,
                    c.currency,
                    "",
                    minor,
                    format_money(minor, c.currency, locale),
                ]
            )
    write_text(out, buf.getvalue())
    return out

"""The accounts office's journal: double-entry rows per day, by fee component.

Each event is booked balanced on its own day (in the desk's timezone), then rows are summed
per day and account:

- a payment:   Dr Stripe clearing; Cr each component's income account by its allocation,
               and Cr student credit for any overpayment held;
- a refund:    Cr Stripe clearing; Dr each component by its reversed allocation, and Dr
               student credit for the rest;
- Stripe fees (from synced payouts, on the balance transaction's day): Dr fees for the fee
               less GST, Dr GST input for the GST; Cr Stripe clearing;
- a paid payout, on its arrival date: Dr bank, Cr Stripe clearing. A failed payout never
               reached the bank and is not booked; its money is in the payout that returned it.

Accounts come from settings (`accounts.*`; `accounts.components` maps component names,
others go to `accounts.income`). Amounts are integer minor units.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.ledger.models import Allocation, FeeComponent, Payment, PayoutLine, Refund, StripePayout

CHARGE_TYPES = ("charge", "payment")


@dataclass(frozen=True)
class Accounts:
    components: dict[str, str]
    income: str
    clearing: str
    bank: str
    fees: str
    gst: str
    credit: str

    @classmethod
    def from_settings(cls, settings: Any) -> Accounts:
        return cls(
            components=parse_map(str(settings.get("accounts.components"))),
            income=str(settings.get("accounts.income")),
            clearing=str(settings.get("accounts.stripe_clearing")),
            bank=str(settings.get("accounts.bank")),
            fees=str(settings.get("accounts.stripe_fees")),
            gst=str(settings.get("accounts.gst_input")),
            credit=str(settings.get("accounts.student_credit")),
        )

    def for_component(self, name: str) -> str:
        return self.components.get(name.casefold(), self.income)


def parse_map(text: str) -> dict[str, str]:
    """`Tuition=4100, Hostel=4200` -> {"tuition": "4100", "hostel": "4200"}."""
    found = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, code = part.partition("=")
        if not sep or not name.strip() or not code.strip():
            raise ValueError(f"accounts.components: {part!r} is not NAME=ACCOUNT")
        found[name.strip().casefold()] = code.strip()
    return found


@dataclass(frozen=True)
class Row:
    day: date
    account: str
    memo: str
    debit: int
    credit: int
    currency: str


Entry = tuple[datetime, str, str, int, str]  # when, account, memo, signed (+Dr/−Cr), currency


def journal(s: Session, accounts: Accounts, first: date, last: date, tz: ZoneInfo) -> list[Row]:
    """Rows for the days `first`..`last`, summed per day, account and memo; balanced."""
    start = datetime.combine(first, time.min, tz).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time.min, tz).astimezone(UTC)
    entries = [
        *_payments(s, accounts, start, end),
        *_refunds(s, accounts, start, end),
        *_stripe(s, accounts, start, end),
    ]
    totals: dict[tuple[date, str, str, str], int] = defaultdict(int)
    for when, account, memo, amount, currency in entries:
        totals[(when.astimezone(tz).date(), account, memo, currency)] += amount
    return [
        Row(day, account, memo, max(v, 0), max(-v, 0), currency)
        for (day, account, memo, currency), v in sorted(totals.items())
        if v
    ]


def _payments(s: Session, a: Accounts, start: datetime, end: datetime) -> Iterator[Entry]:
    payments = s.scalars(
        select(Payment).where(Payment.received_at >= start, Payment.received_at < end)
    ).all()
    parts = _allocations(s, [p.id for p in payments], refunds=False)
    for p in payments:
        yield p.received_at, a.clearing, "Fees collected", p.amount, p.currency
        allocated = 0
        for name, amount in parts.get(p.id, ()):
            allocated += amount
            yield p.received_at, a.for_component(name), f"{name} collected", -amount, p.currency
        if p.amount - allocated:
            yield p.received_at, a.credit, "Credit held", allocated - p.amount, p.currency


def _refunds(s: Session, a: Accounts, start: datetime, end: datetime) -> Iterator[Entry]:
    refunds = s.scalars(
        select(Refund).where(
            Refund.status == "succeeded", Refund.updated_at >= start, Refund.updated_at < end
        )
    ).all()
    parts = _allocations(s, [r.id for r in refunds], refunds=True)
    for r in refunds:
        yield r.updated_at, a.clearing, "Refunds", -r.amount, r.currency
        reversed_ = 0
        for name, amount in parts.get(r.id, ()):
            reversed_ -= amount  # reversal rows are negative
            yield r.updated_at, a.for_component(name), f"{name} refunded", -amount, r.currency
        if r.amount - reversed_:
            yield r.updated_at, a.credit, "Credit refunded", r.amount - reversed_, r.currency


def _allocations(s: Session, ids: list[int], *, refunds: bool) -> dict[int, list[tuple[str, int]]]:
    key = Allocation.refund_id if refunds else Allocation.payment_id
    query = select(key, FeeComponent.name, Allocation.amount).join(
        FeeComponent, FeeComponent.id == Allocation.component_id
    )
    query = query.where(key.in_(ids))
    if not refunds:
        query = query.where(Allocation.refund_id.is_(None))
    found: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for owner, name, amount in s.execute(query):
        if owner is not None:
            found[owner].append((name, amount))
    return found


def _stripe(s: Session, a: Accounts, start: datetime, end: datetime) -> Iterator[Entry]:
    lo, hi = int(start.timestamp()), int(end.timestamp())
    lines = s.scalars(
        select(PayoutLine).where(
            PayoutLine.type.in_(CHARGE_TYPES), PayoutLine.created >= lo, PayoutLine.created < hi
        )
    )
    for line in lines:
        when = datetime.fromtimestamp(line.created, UTC)
        cur = line.currency.upper()
        yield when, a.fees, "Stripe fees", line.fee - line.fee_tax, cur
        yield when, a.gst, "GST on Stripe fees", line.fee_tax, cur
        yield when, a.clearing, "Stripe fees", -line.fee, cur
    payouts = s.scalars(
        select(StripePayout).where(
            StripePayout.status == "paid",
            StripePayout.arrival_date >= lo - 86_400,
            StripePayout.arrival_date < hi,
        )
    )
    for po in payouts:
        when = datetime.fromtimestamp(po.arrival_date, UTC)
        if start <= when < end:
            cur = po.currency.upper()
            yield when, a.bank, f"Stripe payout {po.id}", po.amount, cur
            yield when, a.clearing, f"Stripe payout {po.id}", -po.amount, cur

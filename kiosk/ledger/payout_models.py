"""Stripe payouts to the bank and the balance transactions (fees included) they swept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.ledger.base import Amount, Base
from kiosk.ledger.types import UTCDateTime, utcnow


class StripePayout(Base):
    """A Stripe payout to the bank as last synced (`payouts sync`); its lines are below."""

    __tablename__ = "stripe_payouts"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)  # po_…
    status: Mapped[str] = mapped_column(String(20))  # pending | in_transit | paid | failed | …
    amount: Mapped[int] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(String(3))
    arrival_date: Mapped[int] = mapped_column(BigInteger)  # Stripe's epoch seconds
    created: Mapped[int] = mapped_column(BigInteger)
    failure_code: Mapped[str] = mapped_column(String(60), default="")
    # True once every balance transaction of a final payout is stored: sync skips it then.
    lines_complete: Mapped[bool] = mapped_column(Boolean, default=False)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PayoutLine(Base):
    """One balance transaction: the fee Stripe kept on a charge as soon as `payouts sync`
    sees it, and the payout that swept it (`?payout=`) once there is one."""

    __tablename__ = "payout_lines"

    balance_transaction: Mapped[str] = mapped_column(String(100), primary_key=True)  # txn_…
    payout_id: Mapped[str | None] = mapped_column(ForeignKey("stripe_payouts.id"), index=True)
    type: Mapped[str] = mapped_column(String(40))  # charge | refund | refund_failure | payout…
    source: Mapped[str] = mapped_column(String(100), index=True)  # ch_… | re_… | po_…
    payment_intent: Mapped[str | None] = mapped_column(String(100), index=True)  # for charges
    amount: Mapped[int] = mapped_column(Amount)
    fee: Mapped[int] = mapped_column(Amount, default=0)  # all of it, tax included
    fee_tax: Mapped[int] = mapped_column(Amount, default=0)  # the GST part of `fee`
    net: Mapped[int] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(String(3))
    created: Mapped[int] = mapped_column(BigInteger)

"""Counter tables: a counter session (one open per desk) and the instrument behind each
cash, cheque, demand-draft or bank-transfer payment. The schema comes from migration 0009;
the database refuses any change to a closed session."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.ledger.base import Base
from kiosk.ledger.types import UTCDateTime


class CounterSession(Base):
    """A cashier's session at one desk: opened with a float, closed with a count.

    `open_desk` equals `desk` while the session is open; its unique constraint allows one
    open session per desk, across every desk sharing the ledger."""

    __tablename__ = "counter_sessions"
    __table_args__ = (
        CheckConstraint("float_amount >= 0", name="counter_float_not_negative"),
        CheckConstraint("status IN ('open', 'closed')", name="counter_status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)  # CS-2026-000012
    desk: Mapped[str] = mapped_column(String(80), index=True)
    open_desk: Mapped[str | None] = mapped_column(String(80), unique=True)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(10))  # open | closed
    float_amount: Mapped[int] = mapped_column(BigInteger)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The count as JSON: {"500": 12, "200": 5, ..., "coins": 23000} (coins in minor units).
    count_detail: Mapped[str] = mapped_column(Text, default="", server_default="")
    counted: Mapped[int | None] = mapped_column(BigInteger)
    expected_cash: Mapped[int | None] = mapped_column(BigInteger)
    variance: Mapped[int | None] = mapped_column(BigInteger)  # counted - expected
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    variance_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The session's figures as they stood at the close (kiosk.ledger.counter_figures), JSON:
    # a cheque bounced next week changes that week's session, never this one's report.
    figures: Mapped[str] = mapped_column(Text, default="", server_default="")


class PaymentInstrument(Base):
    """How a counter payment was made: cash handed over, a cheque or demand draft
    (received subject to realisation until cleared or bounced), or a bank transfer (its
    UTR unique across the ledger)."""

    __tablename__ = "payment_instruments"
    __table_args__ = (
        Index("ix_instruments_status", "status"),
        Index("ix_instruments_number", "kind", "bank", "number"),
    )

    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # cash | cheque | dd | bank_transfer
    number: Mapped[str] = mapped_column(String(40), default="", server_default="")
    bank: Mapped[str] = mapped_column(String(120), default="", server_default="")
    instrument_date: Mapped[date | None] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(40), unique=True)  # UTR
    paid_on: Mapped[date | None] = mapped_column(Date)
    tendered: Mapped[int | None] = mapped_column(BigInteger)  # cash handed over
    status: Mapped[str] = mapped_column(String(20))  # paid | pending_clearance | bounced
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # cleared or bounced
    settled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    bounce_reason: Mapped[str] = mapped_column(Text, default="", server_default="")


__all__ = ["CounterSession", "PaymentInstrument"]

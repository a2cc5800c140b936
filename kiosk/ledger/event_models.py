"""Stripe's events and the work they leave: events seen, events held, each desk's relay
cursor, the outbox of follow-ups owed to Stripe, and small ledger-wide state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.ledger.base import Base
from kiosk.ledger.types import UTCDateTime, utcnow


class ProcessedEvent(Base):
    """Every Stripe event the desk has seen, by id: the dedupe for relay and backfill."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    type: Mapped[str] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(40), default="")
    created: Mapped[int] = mapped_column(BigInteger, default=0)  # Stripe's event.created
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HeldEvent(Base):
    """A Stripe event the ledger holds instead of applying: `waiting` for a payment the
    desk does not know yet (applied as soon as it does), or `dead` (applying it failed;
    shown by `sync --status` and `reconcile`, retried by `sync --retry-dead`)."""

    __tablename__ = "held_events"

    event_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    type: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(10), index=True)  # waiting | dead
    waits_for: Mapped[str | None] = mapped_column(String(100), index=True)  # PaymentIntent
    reason: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[str] = mapped_column(Text)  # the event, JSON
    source: Mapped[str] = mapped_column(String(20), default="")
    tries: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SyncCursor(Base):
    """Each desk's position in the relay's event stream, moved in the apply transaction."""

    __tablename__ = "sync_cursors"

    desk: Mapped[str] = mapped_column(String(80), primary_key=True)
    cursor: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class FollowUp(Base):
    """Outbox of Stripe work owed after a ledger commit (deactivate a paid link, expire
    out-of-date fee slips, read a card's last 4). Armed in the same transaction as its
    cause, worked through after commit and by every later poll, sync and reconcile until
    done; each kind is idempotent, so doing one twice is harmless."""

    __tablename__ = "payment_followups"
    __table_args__ = (
        UniqueConstraint("kind", "target"),
        Index("ix_followups_due", "done_at", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # deactivate_link | stale_fee_slips | fill_card
    target: Mapped[str] = mapped_column(String(120))  # attempt public id | invoice id | payment id
    detail: Mapped[str] = mapped_column(String(120), default="")  # link id | PaymentIntent id
    tries: Mapped[int] = mapped_column(Integer, default=0)
    armed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")


class KeyValue(Base):
    """Small ledger-wide state, e.g. the last successful reconcile run."""

    __tablename__ = "ledger_state"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)

"""The relay's own tables. It shares nothing with the desk ledger (kiosk.ledger)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime, Integer, LargeBinary, String, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite has no BIGINT rowid alias: only "INTEGER PRIMARY KEY" is the rowid.
CursorInt = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        utc = value.astimezone(UTC)
        # SQLite keeps naive text; PostgreSQL's timestamptz needs the zone.
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class Event(Base):
    """One Stripe event, its body stored byte for byte as Stripe sent it."""

    __tablename__ = "relay_events"
    # AUTOINCREMENT: SQLite must never hand out a pruned cursor again.
    __table_args__ = {"sqlite_autoincrement": True}

    cursor: Mapped[int] = mapped_column(CursorInt, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(255))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    payload: Mapped[bytes] = mapped_column(LargeBinary)


class DeskToken(Base):
    """A desk's bearer token; only its SHA-256 is stored."""

    __tablename__ = "relay_desk_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class PaidSession(Base):
    """A Checkout Session Stripe reported paid, for the payer's confirmation page (GET
    /paid): what was paid, and the receipt number once a desk has reported it."""

    __tablename__ = "relay_paid_sessions"

    session_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    invoice: Mapped[str] = mapped_column(String(100), default="")
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    receipt: Mapped[str | None] = mapped_column(String(40))

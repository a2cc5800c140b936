"""Ledger tables (SQLAlchemy 2 typed ORM). The schema itself comes from Alembic migrations.

Money columns hold integer minor units; the currency is the invoice's.
Paid and balance are never stored: they are sums over allocations, which refunds
reverse with negative rows, so the figures cannot disagree.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from kiosk.ledger.types import UTCDateTime, utcnow

Amount = BigInteger


class Base(DeclarativeBase):
    pass


class Student(Base):
    __tablename__ = "students"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    programme: Mapped[str] = mapped_column(String(200), default="")
    stripe_customer_id: Mapped[str | None] = mapped_column(String(64))
    # Lowercased, accent-folded "name number email" for the non-FTS search fallback.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    invoices: Mapped[list[Invoice]] = relationship(back_populates="student")


class Invoice(Base):
    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date, index=True)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    void_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    student: Mapped[Student] = relationship(back_populates="invoices")
    components: Mapped[list[FeeComponent]] = relationship(
        back_populates="invoice", order_by="FeeComponent.position", cascade="all, delete-orphan"
    )
    payments: Mapped[list[Payment]] = relationship(back_populates="invoice", order_by="Payment.id")


class FeeComponent(Base):
    """An invoice line. Payments fill components by priority, then due date, then position."""

    __tablename__ = "fee_components"
    __table_args__ = (
        UniqueConstraint("invoice_id", "name"),
        CheckConstraint("amount > 0", name="component_amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    amount: Mapped[int] = mapped_column(Amount)
    priority: Mapped[int] = mapped_column(Integer, default=100)
    due_date: Mapped[date | None] = mapped_column(Date)
    position: Mapped[int] = mapped_column(Integer, default=0)

    invoice: Mapped[Invoice] = relationship(back_populates="components")


class PaymentAttempt(Base):
    """A Checkout Session, Payment Link or card-reader PaymentIntent started for an invoice.

    Written before Stripe is called. `live_invoice_id` equals `invoice_id` while a desk
    attempt is live, and its unique constraint allows one live desk attempt per invoice.
    """

    __tablename__ = "payment_attempts"
    __table_args__ = (
        CheckConstraint("amount > 0", name="attempt_amount_positive"),
        Index("ix_attempts_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    live_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), unique=True)
    channel: Mapped[str] = mapped_column(
        String(20)
    )  # checkout | payment_link | fee_slip | terminal
    amount: Mapped[int] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(String(3))
    # created | open | paid | declined | expired | cancelled | failed
    status: Mapped[str] = mapped_column(String(20), default="created")
    stripe_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    stripe_session_id: Mapped[str | None] = mapped_column(String(100), index=True)
    url: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    desk: Mapped[str] = mapped_column(String(80), default="")
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # When Stripe confirmed it closed (session expired, link deactivated): only money that
    # completed after it is "late". None while Stripe may still take a payment on it.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the session or link offers ("card,upi"); empty: Stripe's dynamic payment methods.
    methods: Mapped[str] = mapped_column(String(40), default="", server_default="")

    invoice: Mapped[Invoice] = relationship(foreign_keys=[invoice_id])


class Payment(Base):
    """Money actually received. One row per Stripe PaymentIntent, enforced by the database."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount > 0", name="payment_amount_positive"),
        # Payments whose post-commit follow-ups are not armed yet (kiosk.payments.followups).
        Index(
            "ix_payments_follow_up",
            "id",
            sqlite_where=text("followed_up_at IS NULL"),
            postgresql_where=text("followed_up_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("payment_attempts.id"), index=True)
    stripe_payment_intent: Mapped[str] = mapped_column(String(100), unique=True)
    stripe_charge_id: Mapped[str | None] = mapped_column(String(100))
    stripe_session_id: Mapped[str | None] = mapped_column(String(100))
    amount: Mapped[int] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(String(3))
    channel: Mapped[str] = mapped_column(String(20), default="checkout")
    card_brand: Mapped[str] = mapped_column(String(30), default="")
    card_last4: Mapped[str] = mapped_column(String(4), default="")
    # card | upi; the apply path writes "" until it has read the charge. Rows from before
    # 0008 were all cards.
    method: Mapped[str] = mapped_column(String(10), default="card", server_default="card")
    # UPI only, masked (pay•••@okaxis): the full VPA is never stored.
    upi_vpa: Mapped[str] = mapped_column(String(80), default="", server_default="")
    source: Mapped[str] = mapped_column(String(20), default="poll")  # poll | relay | reconcile
    desk: Mapped[str] = mapped_column(String(80), default="")
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Set when money arrived for an attempt the desk had cancelled: staff refund or keep it.
    flag: Mapped[str] = mapped_column(String(40), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # NULL until the outbox has taken over this payment's follow-ups (fee slips, card):
    # the payment row itself is the outbox entry, so recording money costs no extra write.
    followed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The counter session it was taken in (kiosk.ledger.counter); NULL for payments made
    # away from a desk with an open session (fee slips paid at home, sessions not in use).
    counter_session_id: Mapped[int | None] = mapped_column(Integer, index=True)

    invoice: Mapped[Invoice] = relationship(back_populates="payments")
    allocations: Mapped[list[Allocation]] = relationship(
        back_populates="payment", order_by="Allocation.id"
    )
    refunds: Mapped[list[Refund]] = relationship(back_populates="payment", order_by="Refund.id")


class Allocation(Base):
    """Payment → component. Refund reversals are negative rows carrying `refund_id`."""

    __tablename__ = "allocations"
    __table_args__ = (CheckConstraint("amount <> 0", name="allocation_amount_nonzero"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    component_id: Mapped[int] = mapped_column(ForeignKey("fee_components.id"), index=True)
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("refunds.id"), index=True)
    amount: Mapped[int] = mapped_column(Amount)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    payment: Mapped[Payment] = relationship(back_populates="allocations")
    component: Mapped[FeeComponent] = relationship()


class Refund(Base):
    """A refund of (part of) a payment. Counted once Stripe confirms it."""

    __tablename__ = "refunds"
    __table_args__ = (CheckConstraint("amount > 0", name="refund_amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    stripe_refund_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    amount: Mapped[int] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(Text, default="")
    # requested | pending | succeeded | failed | canceled
    status: Mapped[str] = mapped_column(String(20), default="requested")
    failure_reason: Mapped[str] = mapped_column(String(80), default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    desk: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # "" for Stripe refunds; drawer (cash paid out of the counter session's drawer) or
    # office (a counter tender refunded by the accounts office, away from the drawer).
    paid_by: Mapped[str] = mapped_column(String(10), default="", server_default="")
    counter_session_id: Mapped[int | None] = mapped_column(Integer, index=True)

    payment: Mapped[Payment] = relationship(back_populates="refunds")


class ReceiptCounter(Base):
    """Gapless receipt numbers: one row per (prefix, year), bumped inside the ledger transaction."""

    __tablename__ = "receipt_counters"

    prefix: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class Receipt(Base):
    """A numbered receipt for a payment, or a refund note. The row is the "receipt due" request;
    `file_path` and `sha256` are filled once the PDF is rendered."""

    __tablename__ = "receipts"
    __table_args__ = (
        UniqueConstraint("prefix", "year", "seq"),
        CheckConstraint(
            "(payment_id IS NULL) <> (refund_id IS NULL)", name="receipt_for_payment_or_refund"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    prefix: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))  # payment | refund
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), unique=True)
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("refunds.id"), unique=True)
    file_path: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64))
    verification_code: Mapped[str | None] = mapped_column(String(64))
    print_count: Mapped[int] = mapped_column(Integer, default=0)
    desk: Mapped[str] = mapped_column(String(80), default="")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class MailMessage(Base):
    """Outbox for receipt emails: retried with backoff, sent at most once."""

    __tablename__ = "mail_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipts.id"), index=True)
    to_address: Mapped[str] = mapped_column(String(320))
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(
        String(10), default="queued"
    )  # queued | sending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))  # cashier | supervisor
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEntry(Base):
    """Append-only: database triggers refuse UPDATE, DELETE, REPLACE and TRUNCATE, and each
    entry's chain_hash covers its fields and the entry before it (kiosk.ledger.audit)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(120), default="")
    desk: Mapped[str] = mapped_column(String(80), default="")
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(String(120), default="")
    details: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    chain_hash: Mapped[str] = mapped_column(String(64), default="")  # hex SHA-256


class SignInThrottle(Base):
    """Failed sign-ins per (normalised) username, shared by every desk on the ledger."""

    __tablename__ = "sign_in_throttle"

    username: Mapped[str] = mapped_column(String(120), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ProcessedEvent(Base):
    """Every Stripe event the desk has seen, by id: the dedupe for relay and backfill."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    type: Mapped[str] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(40), default="")
    created: Mapped[int] = mapped_column(BigInteger, default=0)  # Stripe's event.created
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SyncCursor(Base):
    """Each desk's position in the relay's event stream, moved in the apply transaction."""

    __tablename__ = "sync_cursors"

    desk: Mapped[str] = mapped_column(String(80), primary_key=True)
    cursor: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class KeyValue(Base):
    """Small ledger-wide state, e.g. the last successful reconcile run."""

    __tablename__ = "ledger_state"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


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

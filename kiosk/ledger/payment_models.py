"""Money asked for and money received: payment attempts, payments, their allocations to
fee components, and refunds.

Paid and balance are never stored: they are sums over allocations, which refunds reverse
with negative rows, so the figures cannot disagree.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kiosk.ledger.base import Amount, Base
from kiosk.ledger.invoice_models import FeeComponent, Invoice
from kiosk.ledger.status import RefundStatus
from kiosk.ledger.types import UTCDateTime, utcnow


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
    status: Mapped[str] = mapped_column(String(20), default=RefundStatus.REQUESTED.value)
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

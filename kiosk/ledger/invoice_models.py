"""Who owes what: students, their invoices and each invoice's fee components."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kiosk.ledger.base import Amount, Base
from kiosk.ledger.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from kiosk.ledger.payment_models import Payment


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

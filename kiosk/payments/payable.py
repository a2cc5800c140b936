"""What a payment may ask for: an invoice that can be paid, and an amount within its balance
and Stripe's limits."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from kiosk.ledger.invoices import InvoiceNotFound, invoice_row
from kiosk.ledger.models import Invoice
from kiosk.ledger.views import InvoiceRow
from kiosk.money import MAX_AMOUNT, format_money, minimum_charge
from kiosk.payments.errors import AmountError, NotFound

if TYPE_CHECKING:
    from kiosk.context import Context


def validate_amount(balance: int, amount: int | None, currency: str, locale: str) -> int:
    """The amount to charge: the balance when None; else positive, at most the balance and
    at least Stripe's minimum for the currency."""

    def fmt(minor: int) -> str:
        return format_money(minor, currency, locale)

    if balance <= 0:
        raise AmountError("this invoice has nothing left to pay")
    amount = balance if amount is None else amount
    if amount <= 0:
        raise AmountError("the amount must be more than zero")
    if amount > balance:
        raise AmountError(f"{fmt(amount)} is more than the balance of {fmt(balance)}")
    if amount < minimum_charge(currency):
        raise AmountError(
            f"{fmt(amount)} is below Stripe's minimum charge of {fmt(minimum_charge(currency))}"
        )
    if amount > MAX_AMOUNT:
        raise AmountError(
            f"{fmt(amount)} is above Stripe's limit of {fmt(MAX_AMOUNT)} "
            "for one payment; take it in parts"
        )
    return amount


def payable_invoice(s: Session, number: str) -> tuple[Invoice, InvoiceRow]:
    """The invoice and its figures, or NotFound / AmountError (void) for a payment."""
    try:
        row = invoice_row(s, number)
    except InvoiceNotFound:
        raise NotFound(f"no invoice numbered {number!r}") from None
    inv = s.get(Invoice, row.id)
    assert inv is not None
    if inv.voided_at is not None:
        raise AmountError(f"invoice {number} is void")
    return inv, row


def amount_to_charge(
    ctx: Context, s: Session, number: str, amount: int | None
) -> tuple[Invoice, int]:
    inv, row = payable_invoice(s, number)
    return inv, validate_amount(
        row.balance, amount, row.currency, str(ctx.settings.get("desk.locale"))
    )

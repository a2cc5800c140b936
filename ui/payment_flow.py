"""The payment steps the desk runs on workers: thin calls into kiosk.payments and receipts.

A gateway is made once per desk (importing stripe is slow) on the network pool.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import NamedTuple

_gateways: dict[int, object] = {}
_lock = threading.Lock()


def gateway(ctx):
    """The desk's StripeGateway (made on first use, on a worker thread)."""
    with _lock:
        gw = _gateways.get(id(ctx))
        if gw is None:
            from kiosk.payments.gateway import StripeGateway

            gw = _gateways[id(ctx)] = StripeGateway.from_context(ctx)
        return gw


def forget_gateway(ctx) -> None:
    """After the Stripe key or API base changed in Settings."""
    with _lock:
        _gateways.pop(id(ctx), None)


def start(ctx, number: str, amount: int | None, channel: str, staff):
    """Start the payment; returns (AttemptView, QR matrix of its url or None)."""
    from kiosk.payments.attempts import start_payment
    from ui.qr_widget import qr_matrix

    view = start_payment(ctx, gateway(ctx), number, amount, channel, staff)
    return view, (qr_matrix(view.url) if view.url else None)


def cancel(ctx, public_id: str, staff):
    from kiosk.payments.attempts import cancel_attempt

    return cancel_attempt(ctx, gateway(ctx), public_id, staff)


def check(ctx, public_id: str):
    """Ask Stripe now (the 'Check now' button); the changes are also published."""
    from kiosk.payments.attempts import attempt_view
    from kiosk.payments.poller import poll_attempt

    poll_attempt(ctx, gateway(ctx), public_id)
    return attempt_view(ctx, public_id)


def view(ctx, public_id: str):
    from kiosk.payments.attempts import attempt_view

    return attempt_view(ctx, public_id)


class LandedReceipt(NamedTuple):
    number: str
    path: Path
    balance_after: int  # what the invoice still owes after this payment (0: paid in full)
    currency: str


def receipt_for_payment(ctx, invoice_number: str, payment_id: int | None) -> LandedReceipt:
    """The receipt of the payment that just landed, rendered, with the balance it leaves."""
    from kiosk.ledger.invoices import invoice_detail
    from kiosk.receipts.facts import receipt_facts
    from kiosk.receipts.service import render_one

    with ctx.ledger.begin() as s:
        d = invoice_detail(s, invoice_number)
    payments = [p for p in d.payments if payment_id is None or p.id == payment_id]
    numbers = [p.receipt_number for p in payments if p.receipt_number]
    if not numbers:
        raise LookupError(f"the receipt for {invoice_number} is not ready yet")
    number = numbers[-1]
    render_one(ctx, number)
    with ctx.ledger.begin() as s:
        facts = receipt_facts(s, number)
    return LandedReceipt(number, Path(facts.file_path or ""), facts.balance_after, facts.currency)


def validate(ctx, balance: int, text: str, currency: str) -> int:
    """The amount typed, in minor units, or MoneyError/AmountError with a plain message."""
    from kiosk.money import parse_money
    from kiosk.payments.attempts import validate_amount

    locale = str(ctx.settings.get("desk.locale"))
    amount = parse_money(text, currency, locale).minor
    return validate_amount(balance, amount, currency, locale)

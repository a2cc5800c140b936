"""The Stripe gateway for a command-line command: a missing or unusable key becomes a
one-line CommandError. Shared by the payment, payout and receipt commands."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.errors import CommandError

if TYPE_CHECKING:
    from kiosk.context import Context
    from kiosk.payments.gateway import StripeGateway


def command_gateway(ctx: Context) -> StripeGateway:
    from kiosk.payments.errors import PaymentError
    from kiosk.payments.gateway import StripeGateway

    try:
        return StripeGateway.from_context(ctx)
    except PaymentError as exc:
        raise CommandError(exc.message) from None

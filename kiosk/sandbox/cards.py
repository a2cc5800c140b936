"""Stripe's test cards and test PaymentMethods, and what each does when charged."""

from __future__ import annotations

import re
from dataclasses import dataclass

from kiosk.sandbox.errors import StripeError


@dataclass(frozen=True)
class Card:
    number: str
    brand: str
    funding: str = "credit"
    country: str = "US"
    decline: tuple[str, str | None, str] | None = None  # (code, decline_code, message)
    refund_fails: bool = False

    @property
    def last4(self) -> str:
        return self.number[-4:]


DECLINED = ("card_declined", "generic_decline", "Your card was declined.")
LIVE_CARD = (
    "card_declined",
    "test_mode_live_card",
    "Your card was declined. Your request was in test mode, but used a non test (live) card. "
    "For a list of valid test cards, visit: https://stripe.com/docs/testing.",
)
_CARDS = [
    Card("4242424242424242", "visa"),
    Card("4000056655665556", "visa", "debit"),
    Card("4000003560000008", "visa", country="IN"),
    Card("5555555555554444", "mastercard"),
    Card("2223003122003222", "mastercard"),
    Card("5200828282828210", "mastercard", "debit"),
    Card("378282246310005", "amex"),
    Card("6011111111111117", "discover"),
    Card("3056930009020004", "diners"),
    Card("3566002020360505", "jcb"),
    Card("6200000000000005", "unionpay"),
    Card("4000000000000002", "visa", decline=DECLINED),
    Card(
        "4000000000009995",
        "visa",
        decline=("card_declined", "insufficient_funds", "Your card has insufficient funds."),
    ),
    Card("4000000000009987", "visa", decline=("card_declined", "lost_card", DECLINED[2])),
    Card("4000000000009979", "visa", decline=("card_declined", "stolen_card", DECLINED[2])),
    Card(
        "4000000000000069",
        "visa",
        decline=("expired_card", "expired_card", "Your card has expired."),
    ),
    Card(
        "4000000000000127",
        "visa",
        decline=("incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect."),
    ),
    Card(
        "4000000000000119",
        "visa",
        decline=(
            "processing_error",
            "processing_error",
            "An error occurred while processing your card. Try again in a little bit.",
        ),
    ),
    Card("4000000000000341", "visa", decline=DECLINED),
    Card("4000000000005126", "visa", refund_fails=True),
    # 3D Secure cards: the sandbox page stands in for a passed challenge
    Card("4000002500003155", "visa"),
    Card("4000002760003184", "visa"),
    Card("4000000000003220", "visa"),
    Card("4000008400001629", "visa", decline=DECLINED),
]
BY_NUMBER = {c.number: c for c in _CARDS}
PAYMENT_METHODS = {
    "pm_card_visa": "4242424242424242",
    "pm_card_visa_debit": "4000056655665556",
    "pm_card_mastercard": "5555555555554444",
    "pm_card_amex": "378282246310005",
    "pm_card_in": "4000003560000008",
    "pm_card_chargeDeclined": "4000000000000002",
    "pm_card_chargeDeclinedInsufficientFunds": "4000000000009995",
    "pm_card_chargeDeclinedLostCard": "4000000000009987",
    "pm_card_chargeDeclinedStolenCard": "4000000000009979",
    "pm_card_chargeDeclinedExpiredCard": "4000000000000069",
    "pm_card_chargeDeclinedIncorrectCvc": "4000000000000127",
    "pm_card_chargeDeclinedProcessingError": "4000000000000119",
    "pm_card_chargeCustomerFail": "4000000000000341",
    "pm_card_refundFail": "4000000000005126",
}


def lookup(number: str, param: str = "card_number") -> Card:
    """The test card for a typed number (spaces and dashes ignored); 402 if unusable."""
    digits = re.sub(r"[\s-]", "", number or "")
    card = BY_NUMBER.get(digits)
    if card is not None:
        return card
    if (
        not (digits.isascii() and digits.isdigit())
        or not 12 <= len(digits) <= 19
        or not _luhn(digits)
    ):
        raise StripeError(
            "Your card number is incorrect.",
            status=402,
            type="card_error",
            code="incorrect_number",
            param=param,
        )
    return Card(digits, "visa" if digits[0] == "4" else "unknown", decline=LIVE_CARD)


def from_payment_method(pm: str, param: str = "payment_method") -> Card:
    number = PAYMENT_METHODS.get(pm)
    if number is None:
        raise StripeError(
            f"No such PaymentMethod: '{pm}'", status=400, code="resource_missing", param=param
        )
    return BY_NUMBER[number]


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0

"""How receipt facts read to people: money, times, the payment method. Shared by the PDF
layouts, the email, the CLI and the CSV export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date as calendar_date
from datetime import datetime
from functools import lru_cache

from kiosk.clock import local
from kiosk.money import format_money
from kiosk.receipts.facts import ReceiptFacts

CHANNEL_NAMES = {
    "checkout": "Stripe Checkout",
    "payment_link": "Payment Link",
    "fee_slip": "Fee slip QR",
    "terminal": "Card reader",
    "cash": "Cash",
    "cheque": "Cheque",
    "dd": "Demand draft",
    "bank_transfer": "Bank transfer (NEFT/RTGS/IMPS)",
}


@dataclass(frozen=True)
class Wording:
    locale: str
    timezone: str

    def money(self, minor: int, currency: str) -> str:
        return _money(minor, currency, self.locale)

    def when(self, moment: datetime) -> str:
        """26 Nov 2026, 20:51 IST (the desk's timezone)."""
        from babel.dates import format_datetime

        at = local(moment, self.timezone)
        text = format_datetime(at, "d MMM yyyy, HH:mm", locale=self.locale)
        return f"{text} {at.tzname()}"

    def date(self, moment: datetime) -> str:
        return self.date_of(local(moment, self.timezone).date())

    def date_of(self, day: calendar_date) -> str:
        """3 Dec 2026."""
        from babel.dates import format_date

        return format_date(day, "d MMM yyyy", locale=self.locale)


@lru_cache(maxsize=4096)
def _money(minor: int, currency: str, locale: str) -> str:
    """Babel formatting is slow next to drawing a page; fee slips repeat the same amounts."""
    return format_money(minor, currency, locale)


def payment_method(facts: ReceiptFacts) -> str:
    """Visa •••• 4242 · Stripe Checkout; or just the channel when Stripe gave no card."""
    channel = CHANNEL_NAMES.get(facts.channel, facts.channel.replace("_", " ").title())
    if facts.method == "upi":
        return f"UPI · {facts.upi_vpa} · {channel}" if facts.upi_vpa else f"UPI · {channel}"
    if facts.card_last4:
        brand = (facts.card_brand or "card").replace("_", " ").title()
        if brand.lower() in {"amex", "american express"}:
            brand = "American Express"
        return f"{brand} •••• {facts.card_last4} · {channel}"
    return channel


def _said(facts: ReceiptFacts, receipt: str, refund: str, reversal: str) -> str:
    if facts.reversal:
        return reversal
    return refund if facts.is_refund else receipt


def title(facts: ReceiptFacts) -> str:
    return _said(facts, "RECEIPT", "REFUND NOTE", "REVERSAL NOTE")


def who_label(facts: ReceiptFacts) -> str:
    return _said(facts, "Received from", "Refunded to", "Student")


def total_label(facts: ReceiptFacts) -> str:
    return _said(facts, "Total paid", "Total refunded", "Total reversed")


def balance_label(facts: ReceiptFacts) -> str:
    """The short form (the 80 mm roll)."""
    return _said(facts, "Balance remaining", "Balance after refund", "Balance after reversal")

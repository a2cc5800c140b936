"""What Stripe keeps from a payment: the processing fee, and GST on that fee.

Defaults follow Stripe India's published pricing (https://stripe.com/in/pricing, read
2026-12): 2% of a successful domestic card or UPI payment, 3% for international cards
(presented in INR), no fixed part; GST at 18% is charged on Stripe's fee (IGST, or CGST +
SGST 9% + 9%), and both are taken from the balance as the payment settles
(https://support.stripe.com/questions/gst-and-tds-rates-on-indian-users-monthly-invoices).
Rates are in basis points and configurable (`FeeSchedule.from_text`), so an account on
negotiated pricing can be emulated too.

Rounding is half-up to the currency's minor unit, on the fee and then on the tax: Stripe
does not publish its rounding, so a difference of a paisa against a real account is
possible and is reported by the desk's reconciliation, never hidden.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DEFAULT_RATES_BPS = {"card": 200, "card_international": 300, "upi": 200}
DEFAULT_TAX_BPS = 1800  # GST on the fee


@dataclass(frozen=True)
class FeeSchedule:
    rates_bps: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_RATES_BPS))
    fixed: dict[str, int] = field(default_factory=dict)  # per method, minor units
    tax_bps: int = DEFAULT_TAX_BPS
    tax_name: str = "GST"

    @classmethod
    def from_text(cls, text: str) -> FeeSchedule:
        """`card=200,upi=200,card_international=300,tax=1800` (basis points)."""
        rates, tax = dict(DEFAULT_RATES_BPS), DEFAULT_TAX_BPS
        for part in filter(None, (p.strip() for p in text.split(","))):
            name, _, value = part.partition("=")
            if not value.strip().isdigit():
                raise ValueError(f"fee schedule: {part!r} is not NAME=BASIS_POINTS")
            if name.strip() == "tax":
                tax = int(value)
            else:
                rates[name.strip()] = int(value)
        return cls(rates_bps=rates, tax_bps=tax)

    def details(self, amount: int, currency: str, method: str) -> list[dict[str, Any]]:
        """Stripe's `fee_details` for a payment of `amount` by `method`."""
        rate = self.rates_bps.get(method, self.rates_bps.get("card", 0))
        fee = _round_half_up(amount * rate, 10_000) + self.fixed.get(method, 0)
        tax = _round_half_up(fee * self.tax_bps, 10_000)
        found = [
            {
                "amount": fee,
                "application": None,
                "currency": currency,
                "description": "Stripe processing fees",
                "type": "stripe_fee",
            }
        ]
        if tax:
            found.append(
                {
                    "amount": tax,
                    "application": None,
                    "currency": currency,
                    "description": f"{self.tax_name} on Stripe fees",
                    "type": "tax",
                }
            )
        return found


def _round_half_up(numerator: int, denominator: int) -> int:
    return (numerator * 2 + denominator) // (denominator * 2)


def method_of(charge: dict[str, Any]) -> str:
    """The fee schedule's name for how `charge` was paid."""
    details = charge.get("payment_method_details") or {}
    kind = details.get("type") or "card"
    if kind == "card" and (details.get("card") or {}).get("country") not in (None, "IN"):
        return "card_international" if charge.get("currency") == "inr" else "card"
    return str(kind)

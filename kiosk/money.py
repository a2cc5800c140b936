"""Money: integer minor units plus an ISO 4217 currency. Never floats.

Exponents and Stripe's minimum charges follow https://docs.stripe.com/currencies
(see ../shared/stripe/API-NOTES.md §6.5). Formatting uses Babel for a locale;
the default en_IN gives ₹1,61,000.00 with lakh grouping.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache

# Stripe's zero-decimal currencies (amounts are not multiplied by 100).
ZERO_DECIMAL = frozenset(
    [
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "JPY",
        "KMF",
        "KRW",
        "MGA",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    ]
)
THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})

# Stripe's minimum charge in minor units; currencies not listed use 50.
MINIMUM_CHARGE = {
    "USD": 50,
    "EUR": 50,
    "INR": 50,
    "GBP": 30,
    "JPY": 50,
    "MXN": 1000,
    "HKD": 400,
    "AED": 200,
    "AUD": 50,
    "CAD": 50,
    "SGD": 50,
    "CHF": 50,
    "NZD": 50,
    "DKK": 250,
    "NOK": 300,
    "SEK": 300,
    "PLN": 200,
    "CZK": 1500,
    "HUF": 17500,
    "BRL": 50,
    "THB": 1000,
    "MYR": 200,
    "BGN": 100,
    "RON": 200,
    "KWD": 100,
}
MAX_AMOUNT = 99_999_999  # Stripe: at most 8 digits

# The currencies Stripe charges in (https://docs.stripe.com/currencies, the list its
# "Invalid currency" error gives). Babel knows many more (XAU, DEM, ...) that can't be paid.
_STRIPE_CODES = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BWP BYN
    BZD CAD CDF CHF CLP CNY COP CRC CVE CZK DJF DKK DOP DZD EGP ETB EUR FJD FKP GBP GEL GIP GMD
    GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR ISK JMD JOD JPY KES KGS KHR KMF KRW KWD KYD KZT LAK
    LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD
    OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SEK SGD SHP SLE SOS SRD STD
    SZL THB TJS TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VND VUV WST XAF XCD XOF XPF YER ZAR
    ZMW
"""
STRIPE_CURRENCIES = frozenset(_STRIPE_CODES.split())
# Stripe charges three-decimal currencies in tens of the minor unit ("the last digit must
# be 0") and ISK, two decimals on paper, in whole krónur.
CHARGE_STEP = {**{cur: 10 for cur in THREE_DECIMAL}, "ISK": 100}


class MoneyError(ValueError):
    """A money value a person typed, or a currency, that cannot be used."""


@cache
def _known_currencies() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(c.upper() for c in list_currencies())


def normalise_currency(code: str) -> str:
    cur = (code or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", cur) or cur not in _known_currencies():
        raise MoneyError(f"unknown currency {code!r}: use an ISO 4217 code such as INR or USD")
    return cur


def currency_exponent(code: str) -> int:
    cur = normalise_currency(code)
    if cur in ZERO_DECIMAL:
        return 0
    if cur in THREE_DECIMAL:
        return 3
    return 2


def minimum_charge(code: str) -> int:
    return MINIMUM_CHARGE.get(normalise_currency(code), 50)


def chargeable_currency(code: str) -> str:
    """The normalised code of a currency Stripe can charge in, else MoneyError."""
    cur = normalise_currency(code)
    if cur not in STRIPE_CURRENCIES:
        raise MoneyError(f"Stripe can't charge in {cur}; use a currency it supports, e.g. INR")
    return cur


def charge_step_problem(minor: int, currency: str) -> str | None:
    """Why Stripe can't charge `minor` units of `currency` (KWD 5.125: the last digit must
    be 0), or None."""
    cur = normalise_currency(currency)
    step = CHARGE_STEP.get(cur, 1)
    if minor % step == 0:
        return None
    unit = format_money(step, cur, "en")
    return f"Stripe charges {cur} only in multiples of {unit}; {format_money(minor, cur, 'en')} is not one"


@dataclass(frozen=True, order=True)
class Money:
    """An amount in minor units of `currency` (paise for INR, cents for USD, yen for JPY)."""

    minor: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.minor, int) or isinstance(self.minor, bool):
            raise TypeError(f"Money takes integer minor units, not {type(self.minor).__name__}")
        object.__setattr__(self, "currency", normalise_currency(self.currency))

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money) or other.currency != self.currency:
            raise MoneyError(
                f"cannot combine {self.currency} with {getattr(other, 'currency', other)}"
            )

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __bool__(self) -> bool:
        return self.minor != 0

    @property
    def exponent(self) -> int:
        return currency_exponent(self.currency)

    def to_decimal(self) -> Decimal:
        return Decimal(self.minor).scaleb(-self.exponent)

    def format(self, locale: str = "en_IN") -> str:
        return format_money(self.minor, self.currency, locale)

    def __str__(self) -> str:
        return self.format()


def format_money(minor: int, currency: str, locale: str = "en_IN") -> str:
    """₹1,61,000.00 for (16100000, INR, en_IN); $1,500.50 for (150050, USD, en_US)."""
    from babel.numbers import format_currency, get_currency_precision

    cur = normalise_currency(currency)
    exp = currency_exponent(cur)
    amount = Decimal(minor).scaleb(-exp)
    if get_currency_precision(cur) == exp:
        return format_currency(amount, cur, locale=locale)
    # Stripe's exponent differs from CLDR's (e.g. ISK): keep every digit we hold.
    return format_currency(
        amount, cur, locale=locale, currency_digits=False, decimal_quantization=False
    )


_GROUPED = re.compile(r"^\d{1,3}(,\d{2,3})*$")


def parse_money(text: str, currency: str) -> Money:
    """Parse what a person types ("1500", "1,500.50", "₹1,500", "1,61,000") into Money.

    Rejects negative amounts, letters, misplaced separators and more decimals than
    the currency has, with a message that says what is wrong.
    """
    cur = normalise_currency(currency)
    exp = currency_exponent(cur)
    raw = (text or "").strip()
    if not raw:
        raise MoneyError("enter an amount")
    cleaned = raw.replace("\u00a0", "").replace(" ", "")
    cleaned = _strip_symbol(cleaned, cur)
    if cleaned.startswith("-"):
        raise MoneyError(f"{raw!r} is negative; amounts must be positive")
    whole, _, frac = cleaned.partition(".")
    if not whole and frac:
        whole = "0"
    if "," in whole and not _GROUPED.match(whole):
        raise MoneyError(f"{raw!r} is not an amount: the digit grouping is wrong")
    whole = whole.replace(",", "")
    if not whole.isdigit() or (frac and not frac.isdigit()) or "." in frac:
        raise MoneyError(f"{raw!r} is not an amount: use digits, with an optional decimal point")
    if len(frac) > exp:
        if exp == 0:
            raise MoneyError(f"{cur} has no minor unit: {raw!r} must be a whole number")
        raise MoneyError(f"{raw!r} has {len(frac)} decimals; {cur} allows at most {exp}")
    try:
        minor = int(whole) * 10**exp + (int(frac.ljust(exp, "0")) if exp else 0)
    except (ValueError, InvalidOperation):
        raise MoneyError(f"{raw!r} is not an amount") from None
    return Money(minor, cur)


@cache
def _symbols(currency: str) -> tuple[str, ...]:
    """What may precede or follow an amount; longest first, so "Rs." wins over "Rs" and
    "US$" over "$" (iterating a set gave a different order in each process)."""
    from babel.numbers import get_currency_symbol

    tokens = {currency, "Rs.", "Rs", "₹"} | {
        get_currency_symbol(currency, locale) for locale in ("en_IN", "en_US", "en_GB")
    }
    return tuple(sorted((t for t in tokens if t), key=lambda t: (-len(t), t)))


def _strip_symbol(text: str, currency: str) -> str:
    for token in _symbols(currency):
        if token and text.upper().startswith(token.upper()):
            return text[len(token) :]
        if token and text.upper().endswith(token.upper()):
            return text[: -len(token)]
    return text


def to_stripe_currency(currency: str) -> str:
    """Stripe wants lowercase ISO codes."""
    return normalise_currency(currency).lower()

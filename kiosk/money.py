"""Money: integer minor units plus an ISO 4217 currency. Never floats.

Exponents and Stripe's minimum charges follow https://docs.stripe.com/currencies
(see ../shared/stripe/API-NOTES.md §6.5). Formatting uses Babel for a locale;
the default en_IN gives ₹1,61,000.00 with lakh grouping.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
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


def plain_amount(minor: int, currency: str, locale: str = "en_IN") -> str:
    """An amount as staff edit it: no symbol or grouping, the locale's decimal separator
    (61000.00 in en_IN, 61000,00 in de_DE); parse_money reads it back."""
    exp = currency_exponent(currency)
    text = f"{Decimal(minor).scaleb(-exp):.{exp}f}"
    return text.replace(".", number_style(locale).decimal)


def parse_money(text: str, currency: str, locale: str = "en_IN") -> Money:
    """Parse what a person types in `locale` ("1500", "1,500.50", "₹1,500", "1,61,000" in
    en_IN; "1.500,50 €" in de_DE) into Money.

    Only the locale's own digit grouping and decimal separator (from Babel's locale data)
    and the ASCII digits 0-9 are read. Anything else, a group of the wrong size (en_IN
    "12,34"), more decimals than the currency has, or a negative amount, is refused with
    a message that says how it was read and what to type instead.
    """
    cur = normalise_currency(currency)
    exp = currency_exponent(cur)
    style = number_style(locale)
    raw = (text or "").strip()
    if not raw:
        raise MoneyError("enter an amount")
    foreign = "".join(ch for ch in raw if ch.isdigit() and ch not in _ASCII_DIGITS)
    if foreign:
        raise MoneyError(f"{raw!r} has digits other than 0-9 ({foreign}): type it with 0-9")
    trimmed = raw.strip(_NOISE)
    body = _strip_symbol(trimmed, cur, style.locale).strip(_NOISE)
    if trimmed.startswith(_MINUS) or body.startswith(_MINUS):
        raise MoneyError(f"{raw!r} is negative; amounts must be positive")
    whole, frac = _split_number(raw, body, style, exp)
    if len(frac) > exp:
        grouped = any(ch in style.group_alike for ch in body)
        raise _too_many_decimals(raw, whole, frac, cur, style, grouped)
    minor = int(whole or "0") * 10**exp + (int(frac.ljust(exp, "0")) if exp else 0)
    return Money(minor, cur)


_ASCII_DIGITS = frozenset("0123456789")
_NOISE = " \t\u00a0\u202f\u2009\u200e\u200f\u061c"  # spaces, and bidi marks Babel may add
_MINUS = ("-", "\u2212")
_SPACE_GROUPS = " \u00a0\u202f\u2009"  # a space typed for a locale that groups with one
_QUOTE_GROUPS = "'\u2019"  # de_CH groups with an apostrophe, often typed curly


@dataclass(frozen=True)
class NumberStyle:
    """How a locale writes numbers (ASCII digits): Babel's symbols and grouping sizes."""

    locale: str
    decimal: str
    group: str
    groupings: frozenset[tuple[int, int]]  # (primary, secondary) sizes the locale uses

    @property
    def group_alike(self) -> str:
        """Characters read as the group separator (a typed space for a narrow no-break one)."""
        for family in (_SPACE_GROUPS, _QUOTE_GROUPS):
            if self.group in family:
                return family + self.group
        return self.group

    def grouped_well(self, whole: str) -> bool:
        """'1,50,000' in en_IN, '150,000' in en_US: every group the size the locale uses."""
        head, *middle, last = whole.split(self.group)
        return any(
            len(last) == primary
            and all(len(g) == secondary for g in middle)
            and 1 <= len(head) <= secondary
            and head[0] != "0"
            for primary, secondary in self.groupings
        )

    def grouped(self, digits: str) -> str:
        from babel.numbers import format_decimal

        return format_decimal(int(digits or "0"), locale=self.locale)


@cache
def number_style(locale: str) -> NumberStyle:
    from babel import Locale, UnknownLocaleError
    from babel.numbers import get_decimal_symbol, get_group_symbol

    try:
        loc = Locale.parse(locale)
    except (UnknownLocaleError, ValueError, TypeError):
        raise MoneyError(f"unknown locale {locale!r}: use a code such as en_IN or en_US") from None
    patterns = [loc.decimal_formats.get(None), loc.currency_formats.get("standard")]
    groupings = frozenset(tuple(p.grouping) for p in patterns if p is not None)
    return NumberStyle(str(loc), get_decimal_symbol(loc), get_group_symbol(loc), groupings)


def _split_number(raw: str, body: str, style: NumberStyle, exp: int) -> tuple[str, str]:
    """(whole digits, decimal digits) of `body`, or MoneyError saying what to type."""
    alike = style.group_alike
    text = "".join(style.group if ch in alike else ch for ch in body)
    where = f"in {style.locale}"
    if (
        not text
        or any(ch not in _ASCII_DIGITS and ch not in (style.group, style.decimal) for ch in text)
        or not any(ch in _ASCII_DIGITS for ch in text)
    ):
        raise MoneyError(
            f"{raw!r} is not an amount {where}: use the digits 0-9, {style.group!r} between "
            f"digit groups and {style.decimal!r} before the decimals"
        )
    whole, _, frac = text.partition(style.decimal)
    if style.decimal in frac or style.group in frac:
        raise MoneyError(
            f"{raw!r} is not an amount {where}: {style.decimal!r} marks the decimals, once, "
            "after the digit groups"
        )
    if style.group in whole and not style.grouped_well(whole):
        readings = _readings(whole, frac, style, exp)
        raise MoneyError(f"{raw!r} is not an amount {where}: did you mean {readings}?")
    return whole.replace(style.group, ""), frac


def _readings(whole: str, frac: str, style: NumberStyle, exp: int) -> str:
    """What a misgrouped amount may have meant: every group joined, or its last group as
    decimals ('12,34' in en_IN: 1,234 or 12.34)."""
    tail = style.decimal + frac if frac else ""
    readings = [style.grouped(whole.replace(style.group, "")) + tail]
    head, _, last = whole.rpartition(style.group)
    if not frac and 0 < len(last) <= exp and head.replace(style.group, ""):
        readings.append(style.grouped(head.replace(style.group, "")) + style.decimal + last)
    return " or ".join(readings)


def _too_many_decimals(
    raw: str, whole: str, frac: str, cur: str, style: NumberStyle, grouped: bool
) -> MoneyError:
    exp = currency_exponent(cur)
    if exp == 0:
        text = f"{cur} has no minor unit: {raw!r} must be a whole number"
    else:
        text = f"{raw!r} has {len(frac)} decimals; {cur} allows at most {exp}"
    if whole and not grouped and any(len(frac) == primary for primary, _ in style.groupings):
        # The decimal separator of another locale used to group, perhaps: say what it may mean.
        text += f" (in {style.locale}, did you mean {style.grouped(whole + frac)}?)"
    return MoneyError(text)


@cache
def _symbols(currency: str, locale: str = "en_IN") -> tuple[str, ...]:
    """What may precede or follow an amount; longest first, so "Rs." wins over "Rs" and
    "US$" over "$" (iterating a set gave a different order in each process)."""
    from babel.numbers import get_currency_symbol

    tokens = {currency, "Rs.", "Rs", "₹"} | {
        get_currency_symbol(currency, loc) for loc in ("en_IN", "en_US", "en_GB", locale)
    }
    return tuple(sorted((t for t in tokens if t), key=lambda t: (-len(t), t)))


def _strip_symbol(text: str, currency: str, locale: str = "en_IN") -> str:
    for token in _symbols(currency, locale):
        if token and text.upper().startswith(token.upper()):
            return text[len(token) :]
        if token and text.upper().endswith(token.upper()):
            return text[: -len(token)]
    return text


def to_stripe_currency(currency: str) -> str:
    """Stripe wants lowercase ISO codes."""
    return normalise_currency(currency).lower()

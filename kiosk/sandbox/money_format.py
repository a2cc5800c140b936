"""Amounts for people on the hosted pages (Babel), in the session's or browser's locale."""

from __future__ import annotations

from functools import lru_cache

from kiosk.sandbox.currencies import exponent

DEFAULT_FOR_CURRENCY = {
    "inr": "en_IN",
    "usd": "en_US",
    "eur": "en_IE",
    "gbp": "en_GB",
    "jpy": "ja_JP",
}


def pick_locale(
    session_locale: str | None, accept_language: str | None, currency: str | None = None
) -> str:
    """Session locale unless auto/blank, else the browser's first language, else by currency."""
    if session_locale and session_locale != "auto":
        return _valid(session_locale.replace("-", "_")) or "en"
    first = (accept_language or "").split(",")[0].split(";")[0].strip()
    return _valid(first.replace("-", "_")) or DEFAULT_FOR_CURRENCY.get(currency or "", "en")


@lru_cache(maxsize=256)
def _valid(tag: str) -> str | None:
    if not tag:
        return None
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(tag)
    except (ValueError, UnknownLocaleError):
        return None
    return tag


def format_amount(amount: int | None, currency: str | None, locale: str) -> str:
    """`format_amount(50000, "inr", "en_IN")` -> `₹500.00`."""
    if amount is None or currency is None:
        return ""
    from babel.numbers import format_currency

    major = amount / 10 ** exponent(currency)
    return format_currency(major, currency.upper(), locale=locale)

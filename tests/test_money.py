"""Money: integer minor units per currency; parsing what people type; Babel formatting."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.money import (
    Money,
    MoneyError,
    currency_exponent,
    format_money,
    minimum_charge,
    parse_money,
)

CURRENCIES = ["INR", "USD", "EUR", "GBP", "JPY", "KRW", "KWD", "BHD", "CHF", "SEK"]
# Locales whose output parse_money reads back: "." decimals and "," grouping.
LOCALES = ["en_IN", "en_US", "hi_IN", "en_GB"]
amounts = st.integers(min_value=0, max_value=10**12)


def _plain(minor: int, currency: str) -> str:
    exp = currency_exponent(currency)
    if exp == 0:
        return str(minor)
    return f"{minor // 10**exp}.{minor % 10**exp:0{exp}d}"


def _grouped(whole: int, indian: bool) -> str:
    digits = str(whole)
    if len(digits) <= 3:
        return digits
    head, tail = digits[:-3], digits[-3:]
    size = 2 if indian else 3
    groups = []
    while head:
        groups.insert(0, head[-size:])
        head = head[:-size]
    return ",".join([*groups, tail])


@settings(max_examples=150)
@given(minor=amounts, currency=st.sampled_from(CURRENCIES), locale=st.sampled_from(LOCALES))
def test_format_then_parse_round_trips(minor, currency, locale):
    assert parse_money(format_money(minor, currency, locale), currency) == Money(minor, currency)


@settings(max_examples=150)
@given(
    minor=amounts, currency=st.sampled_from(CURRENCIES), indian=st.booleans(), symbol=st.booleans()
)
def test_typed_forms_parse(minor, currency, indian, symbol):
    exp = currency_exponent(currency)
    whole, frac = divmod(minor, 10**exp)
    text = _grouped(whole, indian) + (f".{frac:0{exp}d}" if exp else "")
    if symbol:
        text = f"{currency} {text}"
    assert parse_money(text, currency).minor == minor
    assert parse_money(_plain(minor, currency), currency).minor == minor


@settings(max_examples=100)
@given(whole=st.integers(0, 10**9), currency=st.sampled_from(CURRENCIES), extra=st.integers(1, 3))
def test_more_decimals_than_the_currency_has_is_refused(whole, currency, extra):
    exp = currency_exponent(currency)
    text = f"{whole}." + "1" * (exp + extra)
    with pytest.raises(MoneyError, match=r"allows at most|has no minor unit"):
        parse_money(text, currency)


@settings(max_examples=50)
@given(minor=st.integers(1, 10**9), currency=st.sampled_from(CURRENCIES))
def test_negative_is_refused(minor, currency):
    with pytest.raises(MoneyError, match="negative"):
        parse_money("-" + _plain(minor, currency), currency)


@pytest.mark.parametrize(
    ("currency", "exponent"),
    [("INR", 2), ("USD", 2), ("JPY", 0), ("KWD", 3), ("inr", 2), ("BHD", 3), ("KRW", 0)],
)
def test_exponents(currency, exponent):
    assert currency_exponent(currency) == exponent


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("1500", "INR", 150_000),
        ("1,500.50", "INR", 150_050),
        ("₹1,500", "INR", 150_000),
        ("1,61,000", "INR", 16_100_000),
        ("Rs. 2,000", "INR", 200_000),
        ("1500", "JPY", 1500),
        ("1.234", "KWD", 1234),
        ("$1,234.5", "USD", 123_450),
        (".5", "USD", 50),
        (" 61000.00 ", "INR", 6_100_000),
    ],
)
def test_what_people_type(text, currency, minor):
    assert parse_money(text, currency) == Money(minor, currency)


@pytest.mark.parametrize(
    "text",
    ["", "  ", "12abc", "1.2.3", "1,5,00", "1,50,0", "--5", "1 500 00x", "five", "1e5", "0x10"],
)
def test_not_amounts(text):
    with pytest.raises(MoneyError):
        parse_money(text, "INR")


def test_formatting_examples():
    assert format_money(16_100_000, "INR") == "₹1,61,000.00"
    assert format_money(150_050, "USD", "en_US") == "$1,500.50"
    assert format_money(1500, "JPY", "en_US") == "¥1,500"
    assert format_money(1234, "KWD", "en_US") == "KWD1.234"


def test_unknown_currency():
    with pytest.raises(MoneyError, match="unknown currency"):
        parse_money("10", "XYZ")
    with pytest.raises(MoneyError):
        Money(10, "RUPEES")


def test_money_refuses_floats_and_mixed_currencies():
    with pytest.raises(TypeError):
        Money(10.5, "INR")  # type: ignore[arg-type]
    with pytest.raises(MoneyError, match="cannot combine"):
        Money(100, "INR") + Money(100, "USD")
    assert Money(100, "INR") + Money(50, "INR") == Money(150, "INR")


def test_minimum_charge():
    assert minimum_charge("INR") == 50
    assert minimum_charge("GBP") == 30
    assert minimum_charge("XAF") == 50

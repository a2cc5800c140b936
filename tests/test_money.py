"""Money: integer minor units per currency; parsing what people type; Babel formatting."""

from __future__ import annotations

import re

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
    plain_amount,
)

CURRENCIES = ["INR", "USD", "EUR", "GBP", "JPY", "KRW", "KWD", "BHD", "CHF", "SEK"]
# Locales whose own output parse_money reads back: lakh and Western grouping, "," or "."
# or a narrow no-break space between groups, "." or "," before the decimals.
LOCALES = ["en_IN", "en_US", "de_DE", "hi_IN", "en_GB", "fr_FR", "es_ES"]
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
    shown = format_money(minor, currency, locale)
    assert parse_money(shown, currency, locale) == Money(minor, currency)
    assert parse_money(plain_amount(minor, currency, locale), currency, locale).minor == minor


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
    locale = "en_IN" if indian else "en_US"
    assert parse_money(text, currency, locale).minor == minor
    assert parse_money(_plain(minor, currency), currency, locale).minor == minor


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


# -- the locale's grouping and decimal separator, and nothing else (issue 14) ---------------
# Independent of the code under test: what each locale writes for a whole number.
WELL_GROUPED = {
    "en_IN": re.compile(r"[1-9]\d?(,\d\d)*,\d{3}"),
    "en_US": re.compile(r"[1-9]\d{0,2}(,\d{3})+"),
    "de_DE": re.compile(r"[1-9]\d{0,2}(\.\d{3})+"),
}
GROUP = {"en_IN": ",", "en_US": ",", "de_DE": "."}


@settings(max_examples=300)
@given(
    locale=st.sampled_from(sorted(WELL_GROUPED)),
    groups=st.lists(st.text("0123456789", min_size=1, max_size=4), min_size=2, max_size=5),
)
def test_a_wrong_group_never_parses(locale, groups):
    text = GROUP[locale].join(groups)
    if WELL_GROUPED[locale].fullmatch(text):
        assert parse_money(text, "INR", locale).minor == int("".join(groups)) * 100
    else:
        with pytest.raises(MoneyError, match=f"is not an amount in {locale}: did you mean"):
            parse_money(text, "INR", locale)


@settings(max_examples=200)
@given(text=st.text(max_size=12), locale=st.sampled_from(LOCALES))
def test_any_text_is_an_amount_or_a_money_error(text, locale):
    try:
        money = parse_money(text, "INR", locale)
    except MoneyError as exc:
        assert str(exc)
    else:
        assert money.minor >= 0
        assert set(re.sub(r"\D", "", text)) <= set("0123456789")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("12,34", "'12,34' is not an amount in en_IN: did you mean 1,234 or 12.34?"),
        ("1,50", "'1,50' is not an amount in en_IN: did you mean 150 or 1.50?"),
        ("99,99", "'99,99' is not an amount in en_IN: did you mean 9,999 or 99.99?"),
        ("150,000", "'150,000' is not an amount in en_IN: did you mean 1,50,000?"),
        (
            "12.345",
            "'12.345' has 3 decimals; INR allows at most 2 (in en_IN, did you mean 12,345?)",
        ),
    ],
)
def test_ambiguous_amounts_say_how_they_read(text, message):
    with pytest.raises(MoneyError) as info:
        parse_money(text, "INR", "en_IN")
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("text", "locale", "minor"),
    [
        ("1,500", "en_IN", 150_000),
        ("1,50,000", "en_IN", 15_000_000),
        ("15,00,000", "en_IN", 150_000_000),
        ("1500000", "en_IN", 150_000_000),
        ("1,500", "en_US", 150_000),
        ("150,000", "en_US", 15_000_000),
        ("1.500,50", "de_DE", 150_050),
        ("1.500,50 €", "de_DE", 150_050),
        ("1500,5", "de_DE", 150_050),
        ("1 500,50", "fr_FR", 150_050),
    ],
)
def test_the_locales_own_grouping(text, locale, minor):
    assert parse_money(text, "INR" if "€" not in text else "EUR", locale).minor == minor


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("1,500,000", "en_IN"),
        ("1,50,000", "en_US"),
        ("12.34", "de_DE"),
        ("1,500.50", "de_DE"),
        ("1 500", "en_IN"),
        ("1.234,5", "en_US"),
    ],
)
def test_another_locales_grouping_is_refused(text, locale):
    with pytest.raises(MoneyError, match=f"in {locale}"):
        parse_money(text, "INR", locale)


@pytest.mark.parametrize("text", ["१२३४", "１２３４", "١٢٣", "₹१,५००", "12³"])
def test_only_ascii_digits(text):
    with pytest.raises(MoneyError, match="digits other than 0-9"):
        parse_money(text, "INR", "en_IN")


def test_zero_decimal_currency_in_a_locale():
    assert parse_money("1,500", "JPY", "en_US").minor == 1500
    with pytest.raises(MoneyError, match=r"no minor unit.*did you mean 1,500\?"):
        parse_money("1.500", "JPY", "en_US")
    with pytest.raises(MoneyError, match=r"did you mean 1,234\?"):  # not 12.34: JPY has none
        parse_money("12,34", "JPY", "en_IN")


def test_unknown_locale():
    with pytest.raises(MoneyError, match="unknown locale"):
        parse_money("10", "INR", "xx_YY")

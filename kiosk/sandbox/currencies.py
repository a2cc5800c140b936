"""Currencies Stripe charges in: decimals, minimum charge amounts, amount rules."""

from __future__ import annotations

from kiosk.sandbox.errors import StripeError

ZERO_DECIMAL = frozenset(
    [
        "bif",
        "clp",
        "djf",
        "gnf",
        "jpy",
        "kmf",
        "krw",
        "mga",
        "pyg",
        "rwf",
        "ugx",
        "vnd",
        "vuv",
        "xaf",
        "xof",
        "xpf",
    ]
)
THREE_DECIMAL = frozenset(["bhd", "jod", "kwd", "omr", "tnd"])

# Minimum charge in minor units (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts)
MINIMUMS = {
    "usd": 50,
    "eur": 50,
    "inr": 50,
    "gbp": 30,
    "jpy": 50,
    "mxn": 1000,
    "hkd": 400,
    "aed": 200,
    "aud": 50,
    "cad": 50,
    "chf": 50,
    "dkk": 250,
    "nok": 300,
    "sek": 300,
    "sgd": 50,
    "nzd": 50,
    "pln": 200,
    "czk": 1500,
    "huf": 17500,
    "brl": 50,
    "thb": 1000,
    "myr": 200,
    "ron": 200,
    "bgn": 100,
}

KNOWN = frozenset(
    [
        "usd",
        "aed",
        "afn",
        "all",
        "amd",
        "ang",
        "aoa",
        "ars",
        "aud",
        "awg",
        "azn",
        "bam",
        "bbd",
        "bdt",
        "bgn",
        "bhd",
        "bif",
        "bmd",
        "bnd",
        "bob",
        "brl",
        "bsd",
        "bwp",
        "byn",
        "bzd",
        "cad",
        "cdf",
        "chf",
        "clp",
        "cny",
        "cop",
        "crc",
        "cve",
        "czk",
        "djf",
        "dkk",
        "dop",
        "dzd",
        "egp",
        "etb",
        "eur",
        "fjd",
        "fkp",
        "gbp",
        "gel",
        "gip",
        "gmd",
        "gnf",
        "gtq",
        "gyd",
        "hkd",
        "hnl",
        "htg",
        "huf",
        "idr",
        "ils",
        "inr",
        "isk",
        "jmd",
        "jod",
        "jpy",
        "kes",
        "kgs",
        "khr",
        "kmf",
        "krw",
        "kwd",
        "kyd",
        "kzt",
        "lak",
        "lbp",
        "lkr",
        "lrd",
        "lsl",
        "mad",
        "mdl",
        "mga",
        "mkd",
        "mmk",
        "mnt",
        "mop",
        "mur",
        "mvr",
        "mwk",
        "mxn",
        "myr",
        "mzn",
        "nad",
        "ngn",
        "nio",
        "nok",
        "npr",
        "nzd",
        "omr",
        "pab",
        "pen",
        "pgk",
        "php",
        "pkr",
        "pln",
        "pyg",
        "qar",
        "ron",
        "rsd",
        "rub",
        "rwf",
        "sar",
        "sbd",
        "scr",
        "sek",
        "sgd",
        "shp",
        "sle",
        "sos",
        "srd",
        "std",
        "szl",
        "thb",
        "tjs",
        "tnd",
        "top",
        "try",
        "ttd",
        "twd",
        "tzs",
        "uah",
        "ugx",
        "uyu",
        "uzs",
        "vnd",
        "vuv",
        "wst",
        "xaf",
        "xcd",
        "xof",
        "xpf",
        "yer",
        "zar",
        "zmw",
    ]
)

MAX_AMOUNT = 99_999_999
SYMBOLS = {"usd": "$", "eur": "€", "inr": "₹", "gbp": "£", "jpy": "¥", "aud": "A$", "cad": "CA$"}


def check_currency(value: str, param: str = "currency") -> str:
    code = value.lower()
    if code not in KNOWN:
        raise StripeError(
            f"Invalid currency: {value}. Stripe currently supports these currencies: "
            + ", ".join(sorted(KNOWN)),
            param=param,
        )
    return code


def exponent(currency: str) -> int:
    if currency in ZERO_DECIMAL:
        return 0
    return 3 if currency in THREE_DECIMAL else 2


def minimum(currency: str) -> int:
    return MINIMUMS.get(currency, 50)


def display(amount: int, currency: str) -> str:
    """`display(50, "usd")` -> `$0.50` (Stripe's error-message style)."""
    places = exponent(currency)
    major = amount / (10**places) if places else amount
    symbol = SYMBOLS.get(currency, currency.upper() + " ")
    return f"{symbol}{major:,.{places}f}"


def check_charge_amount(amount: int, currency: str, param: str = "amount") -> int:
    """A PaymentIntent-style amount: ≥ the currency minimum, at most 8 digits."""
    if amount < minimum(currency):
        raise StripeError(
            f"Amount must be at least {display(minimum(currency), currency)} {currency}",
            param=param,
            code="amount_too_small",
        )
    check_max(amount, currency, param)
    return amount


def check_max(amount: int, currency: str, param: str) -> None:
    if amount > MAX_AMOUNT:
        raise StripeError(
            f"Amount must be no more than {display(MAX_AMOUNT, currency)}",
            param=param,
            code="amount_too_large",
        )
    if currency in THREE_DECIMAL and amount % 10:
        raise StripeError(
            f"Invalid {param}: amounts in {currency} must end in 0",
            param=param,
            code="invalid_amount",
        )

"""A drawer count by denomination: "500x12,200x5,100x7,coins=230".

Notes are counted by how many of each (`500x12`), loose coins by their total in major
units (`coins=230`). The denominations come from `counter.denominations` (notes, in major
units, per currency); a note the currency doesn't have is refused, so a typo like `5000x2`
can't slip into the count.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from kiosk.money import MoneyError, currency_exponent, parse_money

DEFAULT_NOTES: dict[str, tuple[int, ...]] = {
    "INR": (500, 200, 100, 50, 20, 10),
    "USD": (100, 50, 20, 10, 5, 2, 1),
    "EUR": (500, 200, 100, 50, 20, 10, 5),
    "GBP": (50, 20, 10, 5),
}
MAX_PIECES = 100_000
_ITEM = re.compile(r"^(?P<note>\d+)\s*[x×*]\s*(?P<pieces>\d+)$", re.IGNORECASE)


class CountError(ValueError):
    """A count that can't be read; the message names the part at fault."""


@dataclass(frozen=True)
class CashCount:
    currency: str
    notes: dict[int, int] = field(default_factory=dict)  # note (major units) -> pieces
    coins: int = 0  # minor units

    @property
    def total(self) -> int:
        unit: int = 10 ** currency_exponent(self.currency)
        return sum(note * unit * pieces for note, pieces in self.notes.items()) + self.coins

    def to_json(self) -> str:
        detail: dict[str, int] = {str(n): p for n, p in sorted(self.notes.items(), reverse=True)}
        detail["coins"] = self.coins
        return json.dumps(detail)

    @classmethod
    def from_json(cls, currency: str, text: str) -> CashCount:
        if not text:
            return cls(currency)
        raw = json.loads(text)
        coins = int(raw.pop("coins", 0))
        return cls(currency, {int(k): int(v) for k, v in raw.items()}, coins)


def notes_for(currency: str, configured: str = "") -> tuple[int, ...]:
    """The notes counted for `currency`: `configured` ("500,200,100") when given."""
    if configured.strip():
        try:
            notes = tuple(
                sorted({int(n) for n in configured.split(",") if n.strip()}, reverse=True)
            )
        except ValueError:
            raise CountError(
                f"counter.denominations must list whole notes like 500,200,100, not {configured!r}"
            ) from None
        if not notes or min(notes) <= 0:
            raise CountError("counter.denominations needs at least one note above zero")
        return notes
    return DEFAULT_NOTES.get(currency.upper(), ())


def parse_count(
    text: str, currency: str, notes: tuple[int, ...], locale: str = "en_IN"
) -> CashCount:
    """Read a typed count; a note listed twice is added up, as a cashier counting bundles
    would expect."""
    counted: dict[int, int] = {}
    coins = 0
    items = [part.strip() for part in text.split(",") if part.strip()]
    if not items:
        raise CountError('the count is empty: give it like "500x12,200x5,coins=230"')
    for item in items:
        if item.lower().startswith("coins"):
            coins += _coins(item, currency, locale)
            continue
        match = _ITEM.match(item)
        if match is None:
            raise CountError(
                f'{item!r} in the count: write each note as NOTExPIECES, e.g. "500x12"'
            )
        note, pieces = int(match["note"]), int(match["pieces"])
        if note not in notes:
            listed = ", ".join(str(n) for n in notes) or "none configured"
            raise CountError(
                f"{item!r} in the count: {note} is not a note of {currency} ({listed})"
            )
        if pieces > MAX_PIECES:
            raise CountError(f"{item!r} in the count: {pieces:,} notes is not a drawer count")
        counted[note] = counted.get(note, 0) + pieces
    return CashCount(currency.upper(), counted, coins)


def _coins(item: str, currency: str, locale: str) -> int:
    _, sep, value = item.partition("=")
    if not sep or not value.strip():
        raise CountError(f'{item!r} in the count: give the coins\' total, e.g. "coins=230"')
    try:
        minor = parse_money(value, currency, locale).minor
    except MoneyError as exc:
        raise CountError(f"{item!r} in the count: {exc}") from None
    if minor < 0:
        raise CountError(f"{item!r} in the count: coins can't be negative")
    return minor

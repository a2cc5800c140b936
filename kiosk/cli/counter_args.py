"""What the counter commands share: money and dates from arguments, money for people, and
counter and payment errors as command errors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, TypeVar

from kiosk.cli.errors import CommandError, UsageError

if TYPE_CHECKING:
    from kiosk.context import Context

T = TypeVar("T")


def money_arg(ctx: Context, text: str, currency: str, what: str) -> int:
    from kiosk.money import MoneyError, parse_money

    try:
        return parse_money(text, currency, str(ctx.settings.get("desk.locale"))).minor
    except MoneyError as exc:
        raise UsageError(f"{what}: {exc}") from None


def show_money(ctx: Context, minor: int | None, currency: str) -> str:
    from kiosk.money import format_money

    if minor is None:
        return "(hidden until counted)"
    return format_money(minor, currency, str(ctx.settings.get("desk.locale")))


def parse_day(text: str | None, what: str) -> date | None:
    """2026-12-01, or 01-12-2026 / 01/12/2026 (day first, as written in India)."""
    if not text:
        return None
    raw = text.strip()
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise UsageError(f"{what} takes a date like 2026-12-01 or 01-12-2026, not {text!r}")


def counter_call(action: Callable[[], T]) -> T:
    from kiosk.ledger.cash_count import CountError
    from kiosk.ledger.counter import CounterError
    from kiosk.payments.errors import PaymentError

    try:
        return action()
    except (CounterError, PaymentError) as exc:
        raise CommandError(exc.message) from None
    except CountError as exc:
        raise UsageError(str(exc)) from None

"""The desk's one clock for people: every time shown or printed (desk, receipts, CLI, CSV)
is in the configured zone, `desk.timezone`, never the machine's. The ledger keeps UTC.

    local(payment.received_at, desk_zone(ctx.settings))   # aware, in Asia/Kolkata say
    stamp(payment.received_at, desk_zone(ctx.settings))   # "2026-11-26 20:51 IST"
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from kiosk.config import Settings


def zone(name: str | ZoneInfo) -> ZoneInfo:
    """The zone called `name` (ZoneInfo caches them, so this is cheap)."""
    return name if isinstance(name, ZoneInfo) else ZoneInfo(str(name))


def desk_zone(settings: Settings) -> ZoneInfo:
    """The configured zone of this desk (`desk.timezone`)."""
    return zone(str(settings.get("desk.timezone")))


def local(moment: datetime, tz: str | ZoneInfo) -> datetime:
    """`moment` (an aware instant; the ledger returns aware UTC) in the zone `tz`."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no zone to convert from")
    return moment.astimezone(zone(tz))


def stamp(moment: datetime, tz: str | ZoneInfo, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """`moment` written in the zone `tz`, with the zone's abbreviation: 2026-11-26 20:51 IST."""
    at = local(moment, tz)
    return f"{at:{fmt}} {at.tzname()}"


def today(tz: str | ZoneInfo) -> date:
    """Today's date in the zone `tz` (the machine's own date may already be another day)."""
    return datetime.now(UTC).astimezone(zone(tz)).date()


def desk_today(settings: Settings) -> date:
    """The desk's date: what "today", "due" and "overdue" mean at the counter."""
    return today(desk_zone(settings))


def day_bounds(day: date, timezone: str) -> tuple[datetime, datetime]:
    """The UTC instants where the desk's local `day` starts and ends."""
    tz = ZoneInfo(timezone)
    start = datetime.combine(day, time.min, tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tz)
    return start.astimezone(UTC), end.astimezone(UTC)

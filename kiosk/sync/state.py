"""What the sync loop reports: for the status bar and for `sync --status`."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from kiosk.clock import local
from kiosk.ledger.key_value import get_value, put_value


class SyncStatus(StrEnum):
    STARTING = "starting"
    CONNECTED = "connected"
    CATCHING_UP = "catching_up"
    OFFLINE = "offline"
    ERROR = "error"  # an unexpected error; the loop retries after a backoff
    STOPPED = "stopped"


@dataclass(frozen=True)
class SyncState:
    status: SyncStatus = SyncStatus.STARTING
    cursor: int = 0
    pending: int = 0  # events fetched and not yet applied (catching up)
    offline_since: datetime | None = None
    last_event_at: datetime | None = None
    error: str = ""

    def describe(self, tz: str | ZoneInfo) -> str:
        """One line for people; the offline time in the desk's zone `tz`."""
        if self.status is SyncStatus.OFFLINE and self.offline_since:
            since = local(self.offline_since, tz).strftime("%H:%M")
            return f"Relay offline since {since}" + (f" ({self.error})" if self.error else "")
        if self.status is SyncStatus.ERROR:
            return f"Relay sync error: {self.error or 'unknown'} (retrying)"
        if self.status is SyncStatus.CATCHING_UP:
            return f"Relay: catching up, {self.pending} events"
        if self.status is SyncStatus.CONNECTED:
            return "Relay connected"
        return f"Relay {self.status.value.replace('_', ' ')}"

    def evolve(self, **changes: Any) -> SyncState:
        return replace(self, **changes)

    def to_json(self) -> str:
        data = asdict(self)
        for key in ("offline_since", "last_event_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> SyncState:
        data = json.loads(text)
        data["status"] = SyncStatus(data["status"])
        for key in ("offline_since", "last_event_at"):
            data[key] = datetime.fromisoformat(data[key]) if data[key] else None
        return cls(**data)


def state_key(desk: str) -> str:
    return f"sync:{desk}"


def store_state(session: Session, desk: str, state: SyncState) -> None:
    put_value(session, state_key(desk), state.to_json())


def load_state(session: Session, desk: str) -> SyncState | None:
    value = get_value(session, state_key(desk))
    return SyncState.from_json(value) if value else None

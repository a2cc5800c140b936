"""What the sync loop reports: for the status bar and for `sync --status`."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from kiosk.ledger.models import KeyValue


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

    def describe(self, tz: tzinfo | None = None) -> str:
        if self.status is SyncStatus.OFFLINE and self.offline_since:
            since = self.offline_since.astimezone(tz).strftime("%H:%M")
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
    row = session.get(KeyValue, state_key(desk))
    if row is None:
        session.add(KeyValue(key=state_key(desk), value=state.to_json()))
    else:
        row.value = state.to_json()


def load_state(session: Session, desk: str) -> SyncState | None:
    row = session.get(KeyValue, state_key(desk))
    return SyncState.from_json(row.value) if row else None

"""Everything a running relay holds: engine, store, group writer, notifier, metrics."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy import Engine

from kiosk.relay.metrics import Metrics
from kiosk.relay.notify import Notifier
from kiosk.relay.settings import RelaySettings
from kiosk.relay.storage.engine import create_schema, make_engine
from kiosk.relay.storage.events import EventStore
from kiosk.relay.storage.writer import GroupWriter


@dataclass
class Relay:
    engine: Engine
    store: EventStore
    writer: GroupWriter
    notifier: Notifier
    metrics: Metrics = field(default_factory=Metrics)

    @classmethod
    async def open(cls, settings: RelaySettings) -> Relay:
        engine = await asyncio.to_thread(_ready_engine, settings.db_url)
        store = EventStore(engine)
        notifier = Notifier()
        writer = GroupWriter(store, asyncio.get_running_loop(), on_commit=notifier.notify)
        return cls(engine, store, writer.start(), notifier)

    async def close(self) -> None:
        await asyncio.to_thread(self.writer.stop)
        self.engine.dispose()


def _ready_engine(url: str) -> Engine:
    engine = make_engine(url)
    create_schema(engine)
    return engine

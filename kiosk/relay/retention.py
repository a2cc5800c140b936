"""Retention: events older than N days are deleted, hourly in the server and by `relay prune`."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from kiosk.relay.storage.events import EventStore

log = logging.getLogger("kiosk.relay.retention")


def prune(store: EventStore, days: int) -> int:
    cutoff = datetime.now(UTC) - timedelta(days=days)
    removed = store.prune(cutoff)
    log.info("pruned events", extra={"removed": removed, "older_than_days": days})
    return removed


async def prune_forever(store: EventStore, days: int, interval: float) -> None:
    """Prune now, then every `interval` seconds; a failure is logged and retried next time."""
    while True:
        try:
            await asyncio.to_thread(prune, store, days)
        except Exception as exc:
            log.warning("pruning failed: %s", exc)
        await asyncio.sleep(interval)

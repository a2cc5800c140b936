"""Counters for the per-minute metrics line: received, duplicates, rejected by reason."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

log = logging.getLogger("kiosk.relay.metrics")


class Metrics:
    def __init__(self) -> None:
        self.received = 0
        self.duplicates = 0
        self.rejected: Counter[str] = Counter()

    def take(self) -> dict[str, object]:
        """The counts since the last call, which starts a new interval."""
        snapshot = {
            "received": self.received,
            "duplicates": self.duplicates,
            "rejected": dict(self.rejected),
        }
        self.received, self.duplicates, self.rejected = 0, 0, Counter()
        return snapshot

    def emit(self, interval: float) -> None:
        counts = self.take()
        log.info("metrics", extra={"metrics": counts, "interval_s": interval})


async def report_forever(metrics: Metrics, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        metrics.emit(interval)

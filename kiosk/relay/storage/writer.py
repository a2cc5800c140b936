"""Group commit: one writer thread inserts queued events many to a transaction.

Each webhook request queues its event and awaits a future that resolves only after the
transaction holding it has committed, so "200" still means "durably stored" while a
burst of requests costs one commit instead of one each. Requests that arrive in the
same event-loop turn are handed over together, and whatever queues up while a commit
runs goes into the next one. SQLite allows one writer at a time anyway; on PostgreSQL
the insert lock in kiosk.relay.storage.events orders the writers of several processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Callable, Sequence

from sqlalchemy import Connection

from kiosk.relay.storage.events import EventStore, Incoming

log = logging.getLogger("kiosk.relay.writer")

_Job = tuple[Incoming, asyncio.Future[bool]]
_STOP: list[_Job] = []
MAX_BATCH_BYTES = 8 * 1024 * 1024


class GroupWriter:
    def __init__(
        self,
        store: EventStore,
        loop: asyncio.AbstractEventLoop,
        on_commit: Callable[[], None] = lambda: None,
        max_batch: int = 500,
    ) -> None:
        self._store = store
        self._loop = loop
        self._on_commit = on_commit
        self._max_batch = max_batch
        self._pending: list[_Job] = []  # this loop turn's jobs, handed over at its end
        self.waiting = 0  # events submitted and not yet committed, for /healthz
        self._queue: queue.SimpleQueue[list[_Job]] = queue.SimpleQueue()
        self._conn: Connection | None = None  # the writer thread's own, reopened after errors
        self._thread = threading.Thread(target=self._run, name="relay-writer", daemon=True)

    def start(self) -> GroupWriter:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Finish everything queued so far, then end the thread."""
        self._queue.put(_STOP)
        self._thread.join(timeout)

    async def submit(self, item: Incoming) -> bool:
        """Store `item`; True if it was new, False for a duplicate event id."""
        future: asyncio.Future[bool] = self._loop.create_future()
        if not self._pending:
            self._loop.call_soon(self._hand_over)
        self._pending.append((item, future))
        self.waiting += 1
        try:
            return await future
        finally:
            self.waiting -= 1

    def _hand_over(self) -> None:
        jobs, self._pending = self._pending, []
        self._queue.put(jobs)

    def _run(self) -> None:
        while True:
            batch, stopping = self._take()
            if batch:
                self._write(batch)
            if stopping:
                self._drop_connection()
                return

    def _take(self) -> tuple[list[_Job], bool]:
        """The next batch: all that is queued, up to max_batch events or ~8 MiB of bodies."""
        jobs = self._queue.get()
        if jobs is _STOP:
            return [], True
        batch, size = list(jobs), _size(jobs)
        while len(batch) < self._max_batch and size < MAX_BATCH_BYTES:
            try:
                jobs = self._queue.get_nowait()
            except queue.Empty:
                break
            if jobs is _STOP:
                return batch, True
            batch += jobs
            size += _size(jobs)
        return batch, False

    def _write(self, batch: list[_Job]) -> None:
        try:
            if self._conn is None:
                self._conn = self._store.engine.connect()
            inserted = self._store.insert_batch([item for item, _ in batch], self._conn)
        except Exception as exc:
            self._drop_connection()
            if len(batch) > 1:  # one bad row must not fail its neighbours: retry one by one
                for job in batch:
                    self._write([job])
                return
            log.error("storing event %s failed: %s", batch[0][0].event_id, exc)
            self._loop.call_soon_threadsafe(_fail, batch, exc)
            return
        self._loop.call_soon_threadsafe(_resolve, batch, inserted, self._on_commit)

    def _drop_connection(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.invalidate()
            self._conn = None


def _size(batch: Sequence[_Job]) -> int:
    return sum(len(item.payload) for item, _ in batch)


def _resolve(batch: Sequence[_Job], inserted: set[str], on_commit: Callable[[], None]) -> None:
    """The first occurrence of an inserted id is new; every other is a duplicate."""
    fresh = set(inserted)
    for item, future in batch:
        if not future.done():
            future.set_result(item.event_id in fresh)
        fresh.discard(item.event_id)
    if inserted:
        on_commit()


def _fail(batch: Sequence[_Job], exc: Exception) -> None:
    for _, future in batch:
        if not future.done():
            future.set_exception(exc)

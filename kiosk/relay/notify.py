"""Wake-ups for long-polls: in-process, plus PostgreSQL LISTEN/NOTIFY across workers.

A long-poll takes `notifier.ticket()` BEFORE reading the database and waits on it only
if the read found nothing, so an event committed between the read and the wait still
wakes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from kiosk.relay.storage.events import NOTIFY_CHANNEL
from kiosk.relay.tokens import REVOKED

log = logging.getLogger("kiosk.relay.notify")


class Notifier:
    """Every `notify()` sets the current event and starts a new one."""

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self.waiting = 0  # long-polls held right now, for /healthz
        self.listening: bool | None = None  # PostgreSQL LISTEN up? None: in-process only
        self.closing = False  # set on shutdown: held polls answer now, new ones do not wait
        self.revocations = 0  # desk tokens revoked (as NOTIFYs tell): held polls re-check

    @property
    def hears_revocations(self) -> bool:
        """Whether a revocation anywhere reaches `revoked()` (PostgreSQL LISTEN is up)."""
        return self.listening is True

    def revoked(self) -> None:
        self.revocations += 1
        self.notify()

    def ticket(self) -> asyncio.Event:
        return self._event

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    def close(self) -> None:
        """Release every held long-poll (it answers with what it has) before shutdown."""
        self.closing = True
        self.notify()

    async def wait(self, ticket: asyncio.Event, timeout: float) -> bool:
        """True when woken, False when `timeout` passed first."""
        if self.closing:
            return True
        self.waiting += 1
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ticket.wait(), timeout)
        finally:
            self.waiting -= 1
        return ticket.is_set()


async def listen_postgres(conninfo: str, notifier: Notifier, retry_max: float = 30.0) -> None:
    """Forward NOTIFYs from any worker to this process's notifier until cancelled."""
    import psycopg

    delay = 0.5
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                await conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                notifier.listening = True
                notifier.revoked()  # whatever arrived (events, revocations) while deaf
                delay = 0.5
                async for note in conn.notifies():
                    if note.payload == REVOKED:
                        notifier.revoked()
                    else:
                        notifier.notify()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            notifier.listening = False
            log.warning("LISTEN connection lost (%s); retrying in %.1f s", exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, retry_max)

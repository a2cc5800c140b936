"""Webhook delivery: POST each event's JSON (serialised once) to every matching endpoint,
signed `Stripe-Signature: t=…,v1=…` (Stripe's HMAC-SHA256 scheme), in background
threads, retried with bounded backoff. Every attempt is logged and kept in `attempts`.
"""

from __future__ import annotations

import collections
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kiosk.sandbox.scheduler import Scheduler

log = logging.getLogger("kiosk.sandbox.webhooks")

DEFAULT_RETRY_DELAYS = (60.0, 600.0, 3600.0)  # 4 attempts in all, like test mode's few retries
USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"
WORKERS = 4


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The Stripe-Signature header for `payload` (what stripe.Webhook verifies)."""
    from stripe import WebhookSignature

    header: str = WebhookSignature.generate_signature_header(
        payload.decode("utf-8"), secret, timestamp
    )
    return header


@dataclass
class Delivery:
    event_id: str
    endpoint_id: str
    url: str
    secret: str
    body: bytes
    attempt: int = 0
    log: list[dict[str, Any]] = field(default_factory=list)


class Deliverer:
    """Sends deliveries on a small thread pool; the scheduler times the retries."""

    def __init__(
        self,
        scheduler: Scheduler,
        on_result: Callable[[Delivery, bool], None],
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
        timeout: float = 10.0,
        current_url: Callable[[Delivery], str | None] = lambda d: d.url,
    ) -> None:
        self._scheduler = scheduler
        self._on_result = on_result
        self._current_url = current_url  # None once the endpoint is deleted or disabled
        self.retry_delays = tuple(retry_delays)
        self.timeout = timeout
        self.attempts: collections.deque[dict[str, Any]] = collections.deque(maxlen=5000)
        self._queue: queue.SimpleQueue[Delivery | None] = queue.SimpleQueue()
        self._closed = False
        for n in range(WORKERS):  # daemon threads: a hung endpoint never holds up exit
            name = f"sandbox-webhook-{n}"
            threading.Thread(target=self._work, name=name, daemon=True).start()

    def submit(self, delivery: Delivery) -> None:
        if not self._closed:
            self._queue.put(delivery)

    def close(self) -> None:
        self._closed = True
        for _ in range(WORKERS):
            self._queue.put(None)

    def _work(self) -> None:
        while (delivery := self._queue.get()) is not None:
            try:
                self._attempt(delivery)
            except Exception:
                log.exception("webhook delivery crashed")

    def _attempt(self, delivery: Delivery) -> None:
        if self._closed:
            return
        url = self._current_url(delivery)
        if url is None:  # Stripe stops once an endpoint is deleted or disabled
            self._record(delivery, None, "endpoint deleted or disabled", False, True)
            return
        delivery.url = url  # retries follow an endpoint whose url was updated
        delivery.attempt += 1
        status, error = self._post(delivery)
        if self._closed:
            return
        ok = status is not None and 200 <= status < 300
        final = ok or delivery.attempt > len(self.retry_delays)
        self._record(delivery, status, error, ok, final)
        if final:
            self._on_result(delivery, ok)
            return
        delay = self.retry_delays[delivery.attempt - 1]
        self._scheduler.call_later(delay, lambda: self.submit(delivery))

    def _post(self, delivery: Delivery) -> tuple[int | None, str | None]:
        import requests

        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": sign(delivery.body, delivery.secret),
            "User-Agent": USER_AGENT,
        }
        try:
            resp = requests.post(
                delivery.url,
                data=delivery.body,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            return None, f"{type(exc).__name__}: {exc}"
        return resp.status_code, None

    def _record(
        self, d: Delivery, status: int | None, error: str | None, ok: bool, final: bool
    ) -> None:
        entry = {
            "event": d.event_id,
            "endpoint": d.endpoint_id,
            "url": d.url,
            "attempt": d.attempt,
            "status": status,
            "error": error,
            "ok": ok,
            "final": final,
            "at": time.time(),
        }
        self.attempts.append(entry)
        level = logging.INFO if ok else logging.WARNING
        log.log(
            level,
            "webhook %s -> %s attempt %d: %s",
            d.event_id,
            d.url,
            d.attempt,
            status if status is not None else error,
        )

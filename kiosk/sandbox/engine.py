"""The sandbox's state and background work: store, events, webhooks, timers, saving."""

from __future__ import annotations

import contextlib
import json
import logging
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.sandbox import ids, shapes
from kiosk.sandbox.fees import FeeSchedule
from kiosk.sandbox.idempotency import IdempotencyCache
from kiosk.sandbox.scheduler import Scheduler
from kiosk.sandbox.store import Obj, Store
from kiosk.sandbox.webhooks import DEFAULT_RETRY_DELAYS, Deliverer, Delivery

log = logging.getLogger("kiosk.sandbox")


@dataclass
class Settings:
    public_url: str = "http://127.0.0.1:12111"
    state_file: str | None = None
    merchant_name: str = "Fee Kiosk (test sandbox)"
    webhook_retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS
    webhook_timeout: float = 10.0
    refund_failure_delay: float = 1.0
    expiry_sweep_interval: float = 1.0
    save_interval: float = 0.5
    payout_delay_days: int = 0
    payout_interval: float = 86_400.0  # automatic payouts, sandbox clock; 0: off
    fee_schedule: FeeSchedule = field(default_factory=FeeSchedule)
    rate_limit: float | None = None  # requests per second; None: no limit (429 when over)
    event_jitter: float = 0.0  # each webhook delivery waits a random 0..event_jitter s


@dataclass
class Call:
    """One API request as the handlers see it."""

    method: str
    path: str
    params: dict[str, Any]
    args: dict[str, str] = field(default_factory=dict)
    request_id: str | None = None
    idempotency_key: str | None = None


class Sandbox:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = Store()
        self.lock = self.store.lock
        self.idempotency = IdempotencyCache()
        self.scheduler = Scheduler()
        self.deliverer = Deliverer(
            self.scheduler,
            self._delivered,
            settings.webhook_retry_delays,
            settings.webhook_timeout,
            self._endpoint_url,
        )
        self.open_sessions: set[str] = set()
        # Called when a Checkout Session expires (kiosk.sandbox.app adds UPI's: a pending
        # UPI approval is cancelled), so the session logic needn't import what builds on it.
        self.expiry_hooks: list[Callable[[Sandbox, Obj, Call | None], None]] = []
        self._batch: list[Delivery] | None = None  # deliveries of the request in progress
        self._random = random.Random()
        self._load()

    # lifecycle (kiosk.sandbox.lifecycle starts the schedules) --------------------
    def stop(self) -> None:
        self.scheduler.stop()
        self.deliverer.close()
        self.save()

    @property
    def public_url(self) -> str:
        return self.settings.public_url.rstrip("/")

    def now(self) -> int:
        return int(time.time())

    @contextlib.contextmanager
    def request(self) -> Iterator[None]:
        """One API or page request: holds the lock; the webhooks of the events it emits
        go out together, in a shuffled order (Stripe does not guarantee order), after it."""
        with self.lock:
            outer = self._batch is None
            if outer:
                self._batch = []
            try:
                yield
            finally:
                if outer:
                    batch, self._batch = self._batch or [], None
                    self._random.shuffle(batch)
                    for delivery in batch:
                        self._submit(delivery)

    def _submit(self, delivery: Delivery) -> None:
        jitter = self.settings.event_jitter
        if jitter > 0:
            delay = self._random.uniform(0, jitter)
            self.scheduler.call_later(delay, lambda: self.deliverer.submit(delivery))
        else:
            self.deliverer.submit(delivery)

    # events --------------------------------------------------------------
    def emit(
        self, type_: str, obj: Obj, call: Call | None, previous: dict[str, Any] | None = None
    ) -> Obj:
        """Record an Event for a state change and queue its webhook deliveries."""
        data: dict[str, Any] = {"object": shapes.snapshot(obj)}
        if previous is not None:
            data["previous_attributes"] = previous
        endpoints = self._endpoints_for(type_)
        event = shapes.new(
            "event",
            id=ids.new_id("evt"),
            created=self.now(),
            type=type_,
            data=data,
            api_version=shapes.API_VERSION,
            pending_webhooks=len(endpoints),
            request={
                "id": call.request_id if call else None,
                "idempotency_key": call.idempotency_key if call else None,
            },
        )
        self.store.add(event)
        self._deliver(event, endpoints)
        return event

    def _endpoints_for(self, type_: str) -> list[Obj]:
        found = []
        for endpoint_id in self.store.order.get("webhook_endpoint", []):
            ep = self.store.get("webhook_endpoint", endpoint_id)
            if ep and ep["status"] == "enabled" and _wants(ep, type_):
                found.append(ep)
        return found

    def _deliver(self, event: Obj, endpoints: list[Obj]) -> None:
        if not endpoints:
            return
        bodies: dict[str, bytes] = {}  # one serialisation per API version
        for ep in endpoints:
            version = ep.get("api_version") or event["api_version"]
            if version not in bodies:  # the endpoint's version, as Stripe labels its payloads
                bodies[version] = json.dumps({**event, "api_version": version}, indent=2).encode()
            secret = self.store.peek(ep["id"])["secret"]
            delivery = Delivery(event["id"], ep["id"], ep["url"], secret, bodies[version])
            if self._batch is not None:
                self._batch.append(delivery)
            else:  # outside a request (timers): now, or after the jitter
                self._submit(delivery)

    def _endpoint_url(self, delivery: Delivery) -> str | None:
        endpoint = self.store.get("webhook_endpoint", delivery.endpoint_id)
        return endpoint["url"] if endpoint and endpoint["status"] == "enabled" else None

    def _delivered(self, delivery: Delivery, ok: bool) -> None:
        with self.lock:
            event = self.store.get("event", delivery.event_id)
            if event is None:
                return
            if ok:
                event["pending_webhooks"] = max(0, event["pending_webhooks"] - 1)
            else:
                self.store.side(event["id"])["failed"] = 1
            self.store.dirty = True

    # persistence ---------------------------------------------------------
    def save(self) -> None:
        path = self.settings.state_file
        if not path:
            return
        with self.lock:
            if not self.store.dirty:
                return
            text = json.dumps({"version": 1, **self.store.snapshot()})
            self.store.dirty = False
        from kiosk.atomic import write_text

        write_text(path, text)

    def _load(self) -> None:
        path = self.settings.state_file
        if not path:
            return
        if not Path(path).exists():  # write it now: an unwritable path fails at start-up
            self.store.dirty = True
            self.save()
            return
        data = json.loads(Path(path).read_text("utf-8"))
        if not isinstance(data, dict) or data.get("version") != 1 or not _has_state(data):
            raise ValueError(f"{path} is not a sandbox state file")
        self.store.restore(data)
        self.open_sessions = {
            i
            for i in self.store.order.get("checkout.session", [])
            if (self.store.objects.get(i) or {}).get("status") == "open"
        }
        log.info("sandbox state loaded from %s", path)


def _wants(endpoint: Obj, type_: str) -> bool:
    return "*" in endpoint["enabled_events"] or type_ in endpoint["enabled_events"]


def _has_state(data: dict[str, Any]) -> bool:
    return all(isinstance(data.get(k), dict) for k in ("objects", "order", "extra"))

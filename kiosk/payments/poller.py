"""Polling Stripe for the outcome of open attempts: one source of truth among three.

`poll_attempt` reads one attempt's session (or its link's sessions) from Stripe and hands
what it finds to the same apply path as relay events and reconcile. `Poller` runs it
for every open attempt on a worker thread, with backoff per attempt: 1 s, growing to
10 s, until the attempt is paid, cancelled or expired. It waits on an Event, so `stop()`
and `wake()` take effect at once and an idle desk makes no busy loop.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from kiosk.ledger.models import PaymentAttempt
from kiosk.ledger.types import utcnow
from kiosk.payments import attempts
from kiosk.payments import stripe_shapes as shapes
from kiosk.payments.after_commit import finish
from kiosk.payments.apply import ApplyResult, apply_checkout_session, apply_event
from kiosk.payments.attempt_views import AttemptView
from kiosk.payments.closing import deactivate_link, local_applier
from kiosk.payments.errors import NotFound, PaymentError, StripeUnavailable
from kiosk.payments.fee_slip_poll import poll_fee_slips
from kiosk.payments.fee_slips import deactivate_stale_fee_slips
from kiosk.payments.lateness import mark_closed
from kiosk.payments.status import LIVE, PaymentStatus, StatusChange

if TYPE_CHECKING:
    from kiosk.context import Context
    from kiosk.payments.gateway import StripeGateway

log = logging.getLogger(__name__)

MIN_DELAY, MAX_DELAY, GROWTH = 1.0, 10.0, 1.6
LINKS = ("payment_link", "fee_slip")
LINK_SESSION_LIFE = timedelta(hours=24)  # Stripe's longest Checkout Session
# A `created` attempt younger than this is most likely still being created (its desk is
# waiting for Stripe); older ones were interrupted and are resumed with the same key.
IN_FLIGHT = timedelta(seconds=30)
REFUNDS_EVERY = 30.0  # seconds between checks of refunds Stripe has not settled
FEE_SLIPS_EVERY = 15.0  # seconds between the events-list passes that cover all fee slips


def pollable(ctx: Context) -> list[str]:
    """Public ids of this desk's attempts whose outcome Stripe may still change: the live
    ones, cancels Stripe has not confirmed, and links deactivated in the last 24 hours (a
    payer who opened the link before may still complete that session: the money must be
    recorded). Fee slips are not polled one by one (`poll_fee_slips` covers them all),
    except one whose link creation was interrupted, so that it is resumed."""
    a = PaymentAttempt
    recent_link = (
        (a.channel == "payment_link")
        & a.status.in_([PaymentStatus.CANCELLED.value, PaymentStatus.EXPIRED.value])
        & (a.updated_at >= utcnow() - LINK_SESSION_LIFE)
    )
    unconfirmed = (a.status == PaymentStatus.CANCELLED.value) & (
        a.last_error == attempts.UNCONFIRMED_CANCEL
    )
    with ctx.ledger.begin() as s:
        return list(
            s.scalars(
                select(a.public_id)
                .where(a.desk == ctx.desk)
                .where((a.channel != "fee_slip") | (a.status == PaymentStatus.CREATED.value))
                .where(a.status.in_([st.value for st in LIVE]) | unconfirmed | recent_link)
                .order_by(a.id)
            )
        )


def poll_once(ctx: Context, gateway: StripeGateway) -> list[StatusChange]:
    """One pass over this desk's open attempts, every fee slip (one events list) and
    pending refunds; applies what changed."""
    from kiosk.payments.refunds import poll_refunds

    changes: list[StatusChange] = poll_fee_slips(ctx, gateway)
    for public_id in pollable(ctx):
        try:
            changes += poll_attempt(ctx, gateway, public_id)
        except StripeUnavailable:
            raise  # the caller decides when to retry (the sync loop goes offline)
        except PaymentError as exc:  # one attempt Stripe refuses must not stop the others
            log.warning("polling %s: %s", public_id, exc.message)
    poll_refunds(ctx, gateway)
    return changes


def poll_attempt(ctx: Context, gateway: StripeGateway, public_id: str) -> list[StatusChange]:
    """Ask Stripe about one attempt and apply the answer. Raises StripeUnavailable."""
    with ctx.ledger.begin() as s:
        a = s.scalar(select(PaymentAttempt).where(PaymentAttempt.public_id == public_id))
        if a is None:
            raise NotFound(f"no payment attempt {public_id!r}")
        status, channel, stripe_id = PaymentStatus(a.status), a.channel, a.stripe_id
        since = int(a.created_at.timestamp()) - 60
        invoice_id = a.invoice_id
        age = utcnow() - a.created_at
        unconfirmed = a.last_error == attempts.UNCONFIRMED_CANCEL
        timed_out = (
            channel == "payment_link"
            and a.expires_at is not None
            and utcnow() >= a.expires_at
            and status in LIVE
        )
    if status == PaymentStatus.CREATED:
        if age < IN_FLIGHT:  # probably still being created by its desk: leave it be
            return []
        view = attempts.open_attempt(ctx, gateway, public_id)
        return [] if view.status == status else [_change(view)]
    if status == PaymentStatus.CANCELLED and unconfirmed:
        attempts.tell_stripe_cancelled(ctx, gateway, public_id)
        return []
    if not stripe_id or (status not in LIVE and channel not in LINKS):
        return []
    closed = None
    if channel in LINKS and timed_out:
        closed = deactivate_link(gateway, public_id, stripe_id)
    if channel == "fee_slip" and status in LIVE:  # the balance may have moved meanwhile
        deactivate_stale_fee_slips(ctx, gateway, invoice_id)
    sessions = _sessions(gateway, channel, stripe_id)
    live = status in LIVE
    declines = _declines(gateway, public_id, since) if live and not _done(sessions) else []
    results: list[ApplyResult] = []
    with ctx.ledger.begin() as s:
        if closed is not None:
            mark_closed(s, public_id, closed)
        for event in declines:
            results.append(
                apply_event(s, event, source="poll", desk=ctx.desk, settings=ctx.settings)
            )
        for cs in sessions:
            results.append(
                apply_checkout_session(s, cs, source="poll", desk=ctx.desk, settings=ctx.settings)
            )
        if timed_out:
            results.append(
                local_applier(ctx, s).set_status_of(
                    public_id, PaymentStatus.EXPIRED, "timed out at the desk"
                )
            )
    finish(ctx, gateway, results)
    return [c for r in results for c in r.changes]


def _sessions(gateway: StripeGateway, channel: str, stripe_id: str) -> list[shapes.CheckoutSession]:
    if channel == "checkout":
        return [gateway.retrieve_session(stripe_id)]
    # A link's payers each get a session; newest first, so apply oldest first.
    return list(reversed(list(gateway.list_sessions(payment_link=stripe_id))))


def _done(sessions: list[shapes.CheckoutSession]) -> bool:
    return any(cs.get("status") == "complete" for cs in sessions)


def _declines(gateway: StripeGateway, public_id: str, since: int) -> list[shapes.Event]:
    """Declined card attempts for this attempt, oldest first. A session stays open after a
    decline (the payer may retry), so the decline is learnt from the PaymentIntent's event."""
    found = [
        e
        for e in gateway.list_events(["payment_intent.payment_failed"], since)
        if ((e.get("data") or {}).get("object") or {}).get("metadata", {}).get("attempt")
        == public_id
    ]
    return list(reversed(found))


def _change(view: AttemptView) -> StatusChange:
    return StatusChange(view.public_id, view.invoice_number, view.status, view.reason)


class Backoff:
    """1 s, growing by half again each quiet poll, to 10 s; back to 1 s on any change."""

    def __init__(self, low: float = MIN_DELAY, high: float = MAX_DELAY) -> None:
        self.low, self.high, self.delay = low, high, low

    def quiet(self) -> float:
        current = self.delay
        self.delay = min(self.delay * GROWTH, self.high)
        return current

    def changed(self) -> float:
        self.delay = self.low
        return self.low


def wait_for_outcome(
    ctx: Context,
    gateway: StripeGateway,
    public_id: str,
    *,
    stop: threading.Event | None = None,
    on_change: Callable[[StatusChange], None] | None = None,
    on_error: Callable[[str], None] | None = None,
    low: float = MIN_DELAY,
) -> AttemptView:
    """Poll one attempt until it is paid, cancelled, expired or failed (a declined card
    keeps the session open for a retry until it expires)."""
    stop = stop or threading.Event()
    backoff = Backoff(low)
    while True:
        view = attempts.attempt_view(ctx, public_id)
        if view.status not in LIVE or stop.is_set():
            return view
        try:
            changes = poll_attempt(ctx, gateway, public_id)
        except StripeUnavailable as exc:
            if on_error:
                on_error(exc.message)
            changes = []
        for change in changes:
            if on_change:
                on_change(change)
        stop.wait(backoff.changed() if changes else backoff.quiet())


class Poller:
    """Polls every open attempt (and, every 30 s, unsettled refunds) from one worker
    thread until stopped.

    poller = Poller(ctx, gateway); poller.start(); ...; poller.wake(); ...; poller.stop()
    Changes are published on the status bus (kiosk.payments.status) as they are applied.
    """

    def __init__(
        self,
        ctx: Context,
        gateway: StripeGateway,
        *,
        low: float = MIN_DELAY,
        high: float = MAX_DELAY,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        self.ctx, self.gateway = ctx, gateway
        self.low, self.high = low, high
        self.on_error = on_error
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._due: dict[str, tuple[float, Backoff]] = {}
        self._thread: threading.Thread | None = None
        self._refunds_due = 0.0
        self._slips_due = 0.0

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="payment-poller", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def wake(self) -> None:
        """A new attempt was started: look now, and restart its backoff."""
        self._due.clear()
        self._wake.set()

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                delay = self.step()
            except Exception:  # keep polling; the next step retries
                log.exception("payment poller step failed")
                delay = self.high
            self._wake.wait(delay)
            self._wake.clear()

    def step(self) -> float:
        """Poll what is due; return how long to sleep before something else is due."""
        now = time.monotonic()
        live = pollable(self.ctx)
        self._due = {k: v for k, v in self._due.items() if k in live}
        for public_id in live:
            if self._stop.is_set():
                break
            due, backoff = self._due.setdefault(public_id, (now, Backoff(self.low, self.high)))
            if due > now:
                continue
            try:
                changed = bool(poll_attempt(self.ctx, self.gateway, public_id))
            except StripeUnavailable as exc:
                changed = False
                if self.on_error:
                    self.on_error(exc.message)
            except PaymentError as exc:
                log.warning("polling %s: %s", public_id, exc.message)
                changed = False
            wait = backoff.changed() if changed else backoff.quiet()
            self._due[public_id] = (time.monotonic() + wait, backoff)
        if time.monotonic() >= self._refunds_due and not self._stop.is_set():
            self._refunds_due = time.monotonic() + REFUNDS_EVERY
            self._guarded("refunds", self._poll_refunds)
        if time.monotonic() >= self._slips_due and not self._stop.is_set():
            self._slips_due = time.monotonic() + FEE_SLIPS_EVERY
            self._guarded("fee slips", lambda: poll_fee_slips(self.ctx, self.gateway))
        next_due = [d for d, _ in self._due.values()] + [self._refunds_due, self._slips_due]
        return min(self.high, max(0.0, min(next_due) - time.monotonic()))

    def _poll_refunds(self) -> None:
        from kiosk.payments.refunds import poll_refunds

        poll_refunds(self.ctx, self.gateway)

    def _guarded(self, what: str, poll: Callable[[], object]) -> None:
        try:
            poll()
        except StripeUnavailable as exc:
            if self.on_error:
                self.on_error(exc.message)
        except PaymentError as exc:
            log.warning("polling %s: %s", what, exc.message)

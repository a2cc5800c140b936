"""`sync`: pull the relay's events and apply them (headless form of the desk's sync worker)."""

from __future__ import annotations

import argparse
import signal
import threading
from typing import TYPE_CHECKING

from kiosk.errors import CommandError

if TYPE_CHECKING:
    from kiosk.context import Context


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("sync", help="pull Stripe events from the relay and apply them")
    p.add_argument("--once", action="store_true", help="one round, then exit")
    p.add_argument(
        "--wait",
        type=float,
        default=25.0,
        metavar="SECONDS",
        help="long-poll wait per request (0-60, default 25)",
    )
    p.add_argument("--status", action="store_true", help="show the last known sync state")
    p.add_argument(
        "--retry-dead",
        action="store_true",
        help="apply again the relay events that could not be applied (dead letters)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    ctx = args.ctx
    if not 0 <= args.wait <= 60:
        raise CommandError("--wait must be between 0 and 60 seconds")
    if args.status:
        return _status(ctx)
    if args.retry_dead:
        return _retry_dead(ctx)
    from kiosk.clock import desk_zone
    from kiosk.receipts.cli import render_after_apply
    from kiosk.sync.client import RelayError
    from kiosk.sync.loop import build_sync_loop

    tz = desk_zone(ctx.settings)
    try:
        loop = build_sync_loop(
            ctx, wait=args.wait, on_state=lambda st: print(st.describe(tz), flush=True)
        )
    except RelayError as exc:
        raise CommandError(str(exc)) from None
    loop.after_apply = lambda: render_after_apply(ctx)  # after each commit that applied
    if args.once:
        try:
            n = loop.run_once(args.wait)
        except RelayError as exc:
            raise CommandError(str(exc)) from None
        if n == 0:  # a page does this after applying; with none, catch up the outbox here
            from kiosk.payments.after_commit import finish

            finish(ctx, loop.gateway, [])
        print(f"applied {n} event(s); cursor {loop.cursor()}")
        return 0
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        loop.run(stop)
    except KeyboardInterrupt:
        stop.set()
    return 0


def _status(ctx: Context) -> int:
    from kiosk.clock import desk_zone, stamp
    from kiosk.ledger.models import SyncCursor
    from kiosk.sync.state import load_state

    with ctx.ledger.begin() as s:
        state = load_state(s, ctx.desk)
        row = s.get(SyncCursor, ctx.desk)
    tz = desk_zone(ctx.settings)
    if state is None:
        print(f"{ctx.desk}: never synced")
        _print_held(ctx)
        return 0
    print(f"{ctx.desk}: {state.describe(tz)}; cursor {row.cursor if row else 0}")
    if state.last_event_at:
        print(f"last event applied at {stamp(state.last_event_at, tz, '%Y-%m-%d %H:%M:%S')}")
    _print_held(ctx)
    return 0


def _print_held(ctx: Context) -> None:
    from kiosk.payments import held

    for event_id, etype, reason, tries in held.dead_letters(ctx):
        print(f"dead letter {event_id} ({etype}), {tries} tries: {reason}")
    counts = held.counts(ctx)
    if counts.dead or counts.waiting:
        print(counts.describe())


def _retry_dead(ctx: Context) -> int:
    from kiosk.payments import held, held_retry
    from kiosk.payments.after_commit import finish
    from kiosk.payments.errors import PaymentError
    from kiosk.payments.gateway import StripeGateway

    try:
        gateway = StripeGateway.from_context(ctx)
    except PaymentError:
        gateway = None  # events that need verifying by Stripe stay held
    before = held.counts(ctx).dead
    finish(ctx, gateway, held_retry.retry(ctx, gateway, held.DEAD))
    left = held.counts(ctx).dead
    print(f"retried {before} dead letter(s): {before - left} applied, {left} still held")
    _print_held(ctx)
    return 0 if left == 0 else 1

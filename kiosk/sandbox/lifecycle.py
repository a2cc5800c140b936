"""Starting a sandbox's background work: the expiry sweep, the state file's saves, refunds
due to fail later, and automatic payouts. Lives above the engine and the logic modules so
that neither imports the other (kiosk.sandbox.app calls it from the server's lifespan)."""

from __future__ import annotations

from kiosk.sandbox.engine import Sandbox
from kiosk.sandbox.payouts_logic import start_schedule
from kiosk.sandbox.refunds_logic import schedule_failure
from kiosk.sandbox.sessions_logic import sweep_expired


def start(sb: Sandbox) -> None:
    sb.scheduler.start()
    sb.scheduler.every(sb.settings.expiry_sweep_interval, lambda: sweep_expired(sb))
    if sb.settings.state_file:
        sb.scheduler.every(sb.settings.save_interval, sb.save)
    for obj_id, side in list(sb.store.extra.items()):
        if side.get("fails_later"):
            schedule_failure(sb, obj_id, sb.settings.refund_failure_delay)
    start_schedule(sb)

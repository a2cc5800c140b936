"""The work after a ledger commit that recorded or changed payments.

    with ctx.ledger.begin() as s:
        result = apply_event(s, event, ...)
    finish(ctx, gateway, [result])

`finish` publishes the status changes, applies events that waited for a payment now
recorded (kiosk.payments.held_retry) and works through the follow-up outbox
(kiosk.payments.followups). It sits above everything that applies, so nothing it calls
calls it back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.payments import followups, held_retry, outbox
from kiosk.payments.results import ApplyResult, Outcome, publish_result

if TYPE_CHECKING:
    from kiosk.context import Context
    from kiosk.payments.gateway import StripeGateway


def finish(ctx: Context, gateway: StripeGateway | None, results: list[ApplyResult]) -> None:
    """After commit: read the card details new payments lack (a receipt shows them), publish
    the changes, apply events that were waiting for a payment now recorded, then do the
    Stripe follow-ups owed (the outbox; all that are due, so a crash after an earlier
    commit is caught up here). Without a gateway the follow-ups wait."""
    money = any(r.outcome == Outcome.APPLIED for r in results)
    if money:
        followups.work_through(ctx, gateway, outbox.FILL_CARD)
    for result in results:
        publish_result(result)
    if gateway is not None or money:
        for result in held_retry.apply_ready(ctx, gateway):
            publish_result(result)
    followups.work_through(ctx, gateway)

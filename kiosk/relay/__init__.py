"""The webhook relay: receives Stripe's webhooks on a campus server, stores them, and serves
them to the desks by long-poll. A separate deployable: it never imports the desk ledger.

`start_relay(db_url, secrets, tokens)` runs one in-process on loopback (tests, demo mode).
This module stays light because the desk's CLI imports kiosk.relay.cli at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.relay.embedded import RunningRelay


def start_relay(*args: Any, **kwargs: Any) -> RunningRelay:
    """See kiosk.relay.embedded.start_relay."""
    from kiosk.relay.embedded import start_relay as _start

    return _start(*args, **kwargs)

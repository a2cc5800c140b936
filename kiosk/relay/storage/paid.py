"""Paid Checkout Sessions, noted at ingest for the payer's confirmation page.

`paid_rows` picks them out of a batch of incoming events (only two event types are
parsed, so the ingest hot path pays nothing for the rest); `PaidStore` reads them and
takes a desk's report of the receipt number. Pruned with the events, by age.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from kiosk.relay.storage.engine import is_sqlite
from kiosk.relay.storage.models import PaidSession

PAID_TYPES = frozenset({"checkout.session.completed", "checkout.session.async_payment_succeeded"})


@dataclass(frozen=True)
class Paid:
    session_id: str
    invoice: str
    amount: int
    currency: str
    paid_at: datetime
    receipt: str | None


def paid_rows(items: Sequence[Any]) -> list[dict[str, Any]]:
    """The paid sessions among incoming events (`type`, `payload`, `received_at`)."""
    rows = []
    for item in items:
        if item.type not in PAID_TYPES:
            continue
        try:
            obj = json.loads(item.payload)["data"]["object"]
        except (ValueError, KeyError, TypeError):
            continue
        if not isinstance(obj, dict) or obj.get("payment_status") != "paid":
            continue
        session_id, amount = obj.get("id"), obj.get("amount_total")
        if not isinstance(session_id, str) or not isinstance(amount, int):
            continue
        rows.append(
            {
                "session_id": session_id[:255],
                "invoice": str((obj.get("metadata") or {}).get("invoice") or "")[:100],
                "amount": amount,
                "currency": str(obj.get("currency") or "")[:3].upper(),
                "paid_at": item.received_at,
                "receipt": None,
            }
        )
    return rows


def insert_paid(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """In the caller's (ingest) transaction; a session noted before is left as it is."""
    if not rows:
        return
    insert = sqlite_insert if conn.dialect.name == "sqlite" else pg_insert
    conn.execute(insert(PaidSession).on_conflict_do_nothing(), rows)


_COLUMNS = (
    PaidSession.session_id,
    PaidSession.invoice,
    PaidSession.amount,
    PaidSession.currency,
    PaidSession.paid_at,
    PaidSession.receipt,
)


class PaidStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sqlite = is_sqlite(engine)

    def get(self, session_id: str) -> Paid | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(*_COLUMNS).where(PaidSession.session_id == session_id)
            ).first()
        return None if row is None else Paid(*row)

    def set_receipt(self, session_id: str, receipt: str) -> bool:
        """A desk's report of the receipt it issued; False if the session isn't known."""
        with self.engine.begin() as conn:
            done = conn.execute(
                update(PaidSession)
                .where(PaidSession.session_id == session_id)
                .values(receipt=receipt)
            )
        return bool(done.rowcount)

    def prune(self, before: datetime) -> int:
        with self.engine.begin() as conn:
            gone = conn.execute(delete(PaidSession).where(PaidSession.paid_at < before))
        return int(gone.rowcount or 0)

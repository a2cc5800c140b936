"""The append-only audit log: who did what, when, from which desk."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from kiosk.ledger.fastsql import table, write
from kiosk.ledger.models import AuditEntry
from kiosk.ledger.types import utcnow

INSERT_AUDIT = insert(table(AuditEntry))


def record(
    session: Session,
    action: str,
    *,
    username: str = "",
    desk: str = "",
    target: str = "",
    **details: Any,
) -> None:
    """Add an entry inside the caller's transaction (so it commits with the change it explains)."""
    write(
        session,
        INSERT_AUDIT,
        {
            "at": utcnow(),
            "username": username,
            "desk": desk,
            "action": action[:60],
            "target": target[:120],
            "details": json.dumps(details, default=str, sort_keys=True),
        },
    )

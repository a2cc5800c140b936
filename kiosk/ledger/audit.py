"""The append-only audit log: who did what, when, from which desk."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from kiosk.ledger.models import AuditEntry


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
    session.add(
        AuditEntry(
            username=username,
            desk=desk,
            action=action,
            target=target,
            details=json.dumps(details, default=str, sort_keys=True),
        )
    )

"""Signing staff in and out, supervisor approval, and the audit entries the desk writes.

These run on the database worker (scrypt takes tens of milliseconds); screens call them
through QueryOp.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.ledger.users import StaffUser


def sign_in(ctx, username: str, password: str, action: str = "sign_in") -> StaffUser:
    from kiosk.ledger.audit import record
    from kiosk.ledger.users import AuthError, authenticate

    try:
        with ctx.ledger.begin() as s:
            user = authenticate(s, username, password)
            record(s, action, username=user.username, desk=ctx.desk)
            return user
    except AuthError:
        audit(ctx, f"{action}_failed", username.strip().lower())
        raise


def approve(
    ctx, username: str, password: str, action: str, target: str = "", requested_by: str = ""
) -> StaffUser:
    """The supervisor's credentials, checked on the spot; the approval is audited."""
    from kiosk.ledger.audit import record
    from kiosk.ledger.users import AuthError, require_supervisor

    try:
        with ctx.ledger.begin() as s:
            sup = require_supervisor(s, username, password)
            record(
                s,
                "supervisor_approved",
                username=sup.username,
                desk=ctx.desk,
                target=target,
                approved_action=action,
                requested_by=requested_by,
            )
            return sup
    except AuthError:
        audit(
            ctx,
            "supervisor_refused",
            username.strip().lower(),
            target=target,
            approved_action=action,
            requested_by=requested_by,
        )
        raise


def audit(ctx, action: str, username: str = "", target: str = "", **details) -> None:
    from kiosk.ledger.audit import record

    with ctx.ledger.begin() as s:
        record(s, action, username=username, desk=ctx.desk, target=target, **details)

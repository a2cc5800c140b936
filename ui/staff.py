"""Signing staff in and out, supervisor approval, and the audit entries the desk writes.

These run on the database worker (scrypt takes tens of milliseconds); screens call them
through QueryOp. The checks, their throttling and their audit entries live in
kiosk.ledger.signin, shared with the command line's `--as` approvals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.ledger.users import StaffUser


def sign_in(ctx, username: str, password: str, action: str = "sign_in") -> StaffUser:
    from kiosk.ledger import signin

    rules = signin.ThrottleRules.from_settings(ctx.settings)
    return signin.sign_in(ctx.ledger, username, password, rules=rules, desk=ctx.desk, action=action)


def approve(
    ctx, username: str, password: str, action: str, target: str = "", requested_by: str = ""
) -> StaffUser:
    """The supervisor's credentials, checked on the spot; the approval is audited."""
    from kiosk.ledger import signin

    return signin.approve_at_desk(ctx, username, password, action, target, requested_by)


def audit(ctx, action: str, username: str = "", target: str = "", **details) -> None:
    from kiosk.ledger.audit import record

    with ctx.ledger.begin() as s:
        record(s, action, username=username, desk=ctx.desk, target=target, **details)

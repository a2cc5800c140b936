"""Checking a staff password, with throttling: the desk's sign-in, unlock and supervisor
approvals (GUI and `--as` on the command line) all come through here.

After `signin.max_failures` failed attempts for one username within `signin.window_minutes`,
that username is locked for `signin.lock_minutes`. The count lives in the ledger
(sign_in_throttle), so it holds across processes and desks. Every failure and every lock is
in the audit log. An unknown username costs the same scrypt run as a known one (checked
against a dummy hash) and is counted and locked the same way, so neither the answer nor
its timing tells whether an account exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from kiosk.ledger.password_policy import normalise_username
from kiosk.ledger.users import AuthError, StaffUser, stored_credentials, verify_password

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from kiosk.ledger.database import Ledger
    from kiosk.ledger.models import SignInThrottle


class SignInLocked(AuthError):
    """Too many failed attempts: this username is locked for a while."""


@dataclass(frozen=True)
class ThrottleRules:
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    lock: timedelta = timedelta(minutes=15)
    timezone: tzinfo = UTC  # for the "try again after HH:MM" in messages

    @classmethod
    def from_settings(cls, settings: Any) -> ThrottleRules:
        from zoneinfo import ZoneInfo

        return cls(
            max(1, int(settings.get("signin.max_failures"))),
            timedelta(minutes=max(1, int(settings.get("signin.window_minutes")))),
            timedelta(minutes=max(1, int(settings.get("signin.lock_minutes")))),
            ZoneInfo(str(settings.get("desk.timezone"))),
        )

    def locked_message(self, username: str, until: datetime) -> str:
        return (
            f"Too many failed sign-ins for {username}; try again after "
            f"{until.astimezone(self.timezone):%H:%M}"
        )


# What an unknown username's password is checked against: the hash of a random password
# nobody kept, with the same scrypt parameters as real accounts (so the same cost).
_DUMMY_HASH = (
    "scrypt$16384$8$1$U0GAjNB2nB/uxyiUqgz0bg==$HrCPYIQ8C4rf87vkKqLykRoifXG5vaFilbQE8wKvw0E="
)


def verify_credentials(
    ledger: Ledger,
    username: str,
    password: str,
    *,
    rules: ThrottleRules,
    desk: str = "",
    failed_action: str = "sign_in_failed",
    **details: Any,
) -> StaffUser:
    """The staff user if the password is right and the name is not locked; else AuthError
    (SignInLocked when locked), with the failure (and any lock) audited."""
    from kiosk.ledger.audit import record

    name = normalise_username(username)
    with ledger.begin() as s:
        until = _locked_until(s, name)
        if until is not None:
            record(s, failed_action, username=name, desk=desk, locked_until=until, **details)
    if until is not None:
        raise SignInLocked(rules.locked_message(name, until))
    with ledger.read() as s:
        found = stored_credentials(s, name)
    staff, stored = found if found is not None else (None, _DUMMY_HASH)
    if verify_password(password, stored) and staff is not None:
        with ledger.begin() as s:
            _forget(s, name)
        return staff
    with ledger.begin() as s:
        until = _count_failure(s, name, rules)
        record(s, failed_action, username=name, desk=desk, **details)
        if until is not None:
            record(s, "sign_in_locked", username=name, desk=desk, until=until)
    if until is not None:
        raise SignInLocked(rules.locked_message(name, until))
    raise AuthError("wrong username or password")


def _row(s: Session, name: str, for_update: bool) -> SignInThrottle | None:
    from kiosk.ledger.models import SignInThrottle

    return s.get(SignInThrottle, name, with_for_update=for_update or None, populate_existing=True)


def _locked_until(s: Session, name: str) -> datetime | None:
    from kiosk.ledger.types import utcnow

    row = _row(s, name, False)
    if row is None or row.locked_until is None or row.locked_until <= utcnow():
        return None
    return row.locked_until


def _forget(s: Session, name: str) -> None:
    from sqlalchemy import delete

    from kiosk.ledger.models import SignInThrottle

    s.execute(delete(SignInThrottle).where(SignInThrottle.username == name))


def _count_failure(s: Session, name: str, rules: ThrottleRules) -> datetime | None:
    """Count one failure (row-locked, so desks failing at once all count); returns the end
    of the lock when this failure starts one."""
    from sqlalchemy import and_, delete, or_

    from kiosk.ledger.fastsql import dialect_insert, table
    from kiosk.ledger.models import SignInThrottle
    from kiosk.ledger.types import utcnow

    now = utcnow()
    t = SignInThrottle
    expired = or_(t.locked_until.is_(None), t.locked_until < now)
    stale = and_(t.first_failure_at < now - rules.window, expired)
    s.execute(delete(t).where(stale, t.username != name))  # old entries of other names
    s.execute(
        dialect_insert(s)(table(t))
        .values(username=name, failures=0, first_failure_at=now)
        .on_conflict_do_nothing()
    )
    row = _row(s, name, True)
    assert row is not None
    if row.first_failure_at is None or row.first_failure_at < now - rules.window:
        row.failures, row.first_failure_at, row.locked_until = 0, now, None
    row.failures += 1
    if row.failures < rules.max_failures:
        return None
    row.failures, row.first_failure_at = 0, None
    row.locked_until = now + rules.lock
    return row.locked_until


def sign_in(
    ledger: Ledger,
    username: str,
    password: str,
    *,
    rules: ThrottleRules,
    desk: str = "",
    action: str = "sign_in",
) -> StaffUser:
    """Sign in (or unlock) at a desk; success and failure are audited."""
    from kiosk.ledger.audit import record

    user = verify_credentials(
        ledger, username, password, rules=rules, desk=desk, failed_action=f"{action}_failed"
    )
    with ledger.begin() as s:
        record(s, action, username=user.username, desk=desk)
    return user


def approve(
    ledger: Ledger,
    username: str,
    password: str,
    *,
    rules: ThrottleRules,
    action: str,
    desk: str = "",
    target: str = "",
    requested_by: str = "",
) -> StaffUser:
    """A supervisor's approval on the spot (desk dialog or `--as`); audited either way."""
    from kiosk.ledger.audit import record

    about = {"target": target, "approved_action": action, "requested_by": requested_by}
    user = verify_credentials(
        ledger,
        username,
        password,
        rules=rules,
        desk=desk,
        failed_action="supervisor_refused",
        **about,
    )
    with ledger.begin() as s:
        if not user.is_supervisor:
            record(s, "supervisor_refused", username=user.username, desk=desk, **about)
        else:
            record(s, "supervisor_approved", username=user.username, desk=desk, **about)
    if not user.is_supervisor:
        raise AuthError(f"{user.username} is a cashier; a supervisor must approve this")
    return user


def approve_at_desk(
    ctx: Any, username: str, password: str, action: str, target: str = "", requested_by: str = ""
) -> StaffUser:
    """`approve` with this desk's ledger, throttle settings and name (desk dialog, `--as`)."""
    return approve(
        ctx.ledger,
        username,
        password,
        rules=ThrottleRules.from_settings(ctx.settings),
        action=action,
        desk=ctx.desk,
        target=target,
        requested_by=requested_by,
    )

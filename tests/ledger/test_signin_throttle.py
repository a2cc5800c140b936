"""Sign-in throttling: five failures in the window lock the username, on the desk and for
`--as` approvals alike, across processes (the count is in the ledger); every failure and
lock is audited; an unknown username costs the same scrypt run as a known one."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from kiosk.cli.main import main
from kiosk.ledger import signin
from kiosk.ledger.database import Ledger
from kiosk.ledger.models import AuditEntry, SignInThrottle
from kiosk.ledger.signin import SignInLocked, ThrottleRules
from kiosk.ledger.types import utcnow
from kiosk.ledger.users import AuthError, create_user

RULES = ThrottleRules(timezone=ZoneInfo("Asia/Kolkata"))
PASSWORD = "a-long-staff-pass"


@pytest.fixture
def staff(any_ledger: Ledger) -> Ledger:
    with any_ledger.begin() as s:
        create_user(s, "asha@example.com", PASSWORD, "supervisor")
        create_user(s, "ravi@example.com", PASSWORD, "cashier")
    return any_ledger


def _fail(ledger: Ledger, username: str, times: int) -> list[AuthError]:
    errors = []
    for _ in range(times):
        with pytest.raises(AuthError) as caught:
            signin.sign_in(ledger, username, "wrong-password", rules=RULES, desk="Desk 1")
        errors.append(caught.value)
    return errors


def _actions(ledger: Ledger) -> list[tuple[str, str]]:
    with ledger.read() as s:
        rows = s.execute(select(AuditEntry.action, AuditEntry.username).order_by(AuditEntry.id))
        return [tuple(r) for r in rows]


def test_fifth_failure_locks_the_user_even_with_the_right_password(staff: Ledger):
    errors = _fail(staff, "ravi@example.com", 5)
    assert [type(e) for e in errors] == [AuthError] * 4 + [SignInLocked]
    assert str(errors[0]) == "wrong username or password"
    with staff.read() as s:
        until = s.get(SignInThrottle, "ravi@example.com").locked_until
    hhmm = until.astimezone(RULES.timezone).strftime("%H:%M")
    assert str(errors[4]) == (
        f"Too many failed sign-ins for ravi@example.com; try again after {hhmm}"
    )
    assert timedelta(minutes=14) < until - utcnow() <= timedelta(minutes=15)
    with pytest.raises(SignInLocked):
        signin.sign_in(staff, "Ravi@Example.com", PASSWORD, rules=RULES, desk="Desk 1")
    # another user is not affected
    assert (
        signin.sign_in(staff, "asha@example.com", PASSWORD, rules=RULES).username
        == "asha@example.com"
    )
    actions = _actions(staff)
    assert actions.count(("sign_in_failed", "ravi@example.com")) == 6  # 5 + 1 while locked
    assert ("sign_in_locked", "ravi@example.com") in actions


def test_lock_ends_and_success_resets_the_count(staff: Ledger):
    _fail(staff, "ravi@example.com", 5)
    with staff.begin() as s:  # fifteen minutes later
        s.execute(update(SignInThrottle).values(locked_until=utcnow() - timedelta(seconds=1)))
    assert signin.sign_in(staff, "ravi@example.com", PASSWORD, rules=RULES).role == "cashier"
    errors = _fail(staff, "ravi@example.com", 4)
    assert all(type(e) is AuthError for e in errors)  # counting starts again


def test_failures_outside_the_window_do_not_add_up(staff: Ledger):
    _fail(staff, "ravi@example.com", 4)
    with staff.begin() as s:
        old = utcnow() - RULES.window - timedelta(seconds=1)
        s.execute(update(SignInThrottle).values(first_failure_at=old))
    assert type(_fail(staff, "ravi@example.com", 1)[0]) is AuthError


def test_unknown_user_costs_the_same_and_locks_the_same(staff: Ledger, monkeypatch):
    runs: list[int] = []
    real = hashlib.scrypt

    def counting(*args, **kwargs):
        runs.append(kwargs["n"])
        return real(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counting)
    known = _fail(staff, "ravi@example.com", 1)[0]
    runs_known = list(runs)
    runs.clear()
    unknown = _fail(staff, "nobody@example.com", 1)[0]
    assert str(known) == str(unknown)
    assert runs == runs_known == [2**14]
    errors = _fail(staff, "nobody@example.com", 4)
    assert type(errors[-1]) is SignInLocked


def test_cashier_cannot_approve_and_supervisor_can(staff: Ledger):
    with pytest.raises(AuthError, match="is a cashier"):
        signin.approve(staff, "ravi@example.com", PASSWORD, rules=RULES, action="Refund")
    sup = signin.approve(staff, "asha@example.com", PASSWORD, rules=RULES, action="Refund")
    assert sup.is_supervisor
    assert [a for a, _ in _actions(staff)] == ["supervisor_refused", "supervisor_approved"]


def test_as_approvals_are_throttled_across_processes(home: Path, capsys, monkeypatch):
    monkeypatch.setenv("FEE_KIOSK_NEW_PASSWORD", PASSWORD)
    assert main(["--home", str(home), "users", "add", "asha", "--role", "supervisor"]) == 0
    monkeypatch.setenv("FEE_KIOSK_SUPERVISOR_PASSWORD", "wrong-password")
    void = ["--home", str(home), "void", "INV-1", "--reason", "duplicate", "--as", "asha"]
    codes = [main(void) for _ in range(5)]
    err = capsys.readouterr().err
    assert codes == [1] * 5
    assert err.count("wrong username or password") == 4
    assert "Too many failed sign-ins for asha; try again after" in err
    # the desk (another process, same ledger) sees the lock too
    ledger = Ledger.open(f"sqlite:///{home / 'kiosk.db'}", create=False)
    with pytest.raises(SignInLocked):
        signin.sign_in(ledger, "asha", PASSWORD, rules=RULES)
    ledger.close()


def test_thresholds_come_from_the_settings(ctx):
    ctx.settings.set("signin.max_failures", "3")
    ctx.settings.set("signin.lock_minutes", "60")
    rules = ThrottleRules.from_settings(ctx.settings)
    assert rules.max_failures == 3 and rules.lock == timedelta(minutes=60)
    assert rules.timezone == ZoneInfo("Asia/Kolkata")


def test_dummy_hash_has_the_accounts_cost():
    from kiosk.ledger.users import hash_password

    assert signin._DUMMY_HASH.split("$")[:4] == hash_password("x" * 10).split("$")[:4]

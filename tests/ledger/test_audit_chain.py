"""The audit log is append-only in fact: REPLACE and TRUNCATE are refused, a dropped trigger
is put back (and said so) at the next open, and `audit verify` finds any edit made outside
the app through the hash chain."""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from kiosk.cli.main import main
from kiosk.ledger import audit
from kiosk.ledger.audit_guard import RESTORED, missing
from kiosk.ledger.audit_verify import verify_chain
from kiosk.ledger.database import Ledger
from kiosk.ledger.models import AuditEntry


def _record(ledger: Ledger, n: int, action: str = "test.entry") -> None:
    for i in range(n):
        with ledger.begin() as s:
            audit.record(s, action, username="asha", desk="Desk 1", target=f"T-{i}", n=i)


def _actions(ledger: Ledger) -> list[str]:
    with ledger.read() as s:
        return list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_replace_into_is_refused_on_sqlite(tmp_path: Path):
    ledger = Ledger.open(f"sqlite:///{tmp_path / 'a.db'}")
    _record(ledger, 2)
    ledger.close()
    db = sqlite3.connect(tmp_path / "a.db")
    for verb in ("REPLACE INTO", "INSERT OR REPLACE INTO"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute(
                f"{verb} audit_log (id, at, username, desk, action, target, details, chain_hash)"
                " VALUES (1, '2026-01-01 00:00:00', 'x', 'x', 'forged', '', '{}', '')"
            )
    assert db.execute("SELECT action FROM audit_log WHERE id = 1").fetchone() == ("test.entry",)
    db.close()


def test_truncate_update_and_upsert_are_refused_on_postgresql(pg_url: str):
    ledger = Ledger.open(pg_url)
    _record(ledger, 2)
    for sql in (
        "TRUNCATE audit_log",
        "UPDATE audit_log SET action = 'forged'",
        "INSERT INTO audit_log (id, at, username, desk, action, target, details, chain_hash) "
        "VALUES (1, now(), '', '', 'forged', '', '{}', '') "
        "ON CONFLICT (id) DO UPDATE SET action = 'forged'",
    ):
        with pytest.raises(DBAPIError, match="append-only"), ledger.engine.begin() as conn:
            conn.execute(text(sql))
    assert _actions(ledger) == ["test.entry"] * 2
    ledger.close()


def test_verify_passes_on_an_intact_log(any_ledger: Ledger):
    _record(any_ledger, 5)
    report = verify_chain(any_ledger)
    assert report.ok and report.checked == 5 and len(report.head) == 64


def test_dropped_trigger_is_restored_audited_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, request: pytest.FixtureRequest
):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    ledger = Ledger.open(url)
    _record(ledger, 1)
    with ledger.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_log_no_replace"))
        conn.execute(text("DROP TRIGGER audit_log_no_update"))
        assert set(missing(conn)) == {"audit_log_no_replace", "audit_log_no_update"}
    ledger.close()
    with caplog.at_level(logging.WARNING):
        ledger = Ledger.open(url)
    with ledger.engine.connect() as conn:
        assert missing(conn) == []
    assert _actions(ledger)[-1] == RESTORED
    assert "audit log protection was missing" in caplog.text
    report = verify_chain(ledger)
    assert report.ok and len(report.restored) == 1
    ledger.close()


def test_disabled_trigger_is_restored_on_postgresql(pg_url: str):
    ledger = Ledger.open(pg_url)
    with ledger.engine.begin() as conn:
        conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_truncate"))
        conn.execute(text("DROP TRIGGER audit_log_append_only ON audit_log"))
    ledger.close()
    ledger = Ledger.open(pg_url)
    with ledger.engine.connect() as conn:
        assert missing(conn) == []
    assert _actions(ledger) == [RESTORED]
    with pytest.raises(DBAPIError, match="append-only"), ledger.engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_log"))
    ledger.close()


def test_audit_verify_finds_an_edit_made_with_sqlite3(home: Path, capsys, monkeypatch):
    monkeypatch.setenv("FEE_KIOSK_NEW_PASSWORD", "a-long-staff-pass")
    for name in ("ravi", "meera", "arjun"):
        assert main(["--home", str(home), "users", "add", name, "--role", "cashier"]) == 0
    assert main(["--home", str(home), "audit", "verify"]) == 0
    assert "OK: 3 audit entries" in capsys.readouterr().out
    db = sqlite3.connect(home / "kiosk.db")
    db.execute("DROP TRIGGER audit_log_no_update")
    db.execute("UPDATE audit_log SET target = 'someone-else' WHERE id = 2")
    db.commit()
    db.close()
    assert main(["--home", str(home), "audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert "BROKEN: audit entry #2" in out and "1 entries before it are intact" in out
    assert "protection was found missing" in out and "audit_guard_restored" in out


def test_removed_entry_breaks_the_chain(any_ledger: Ledger):
    _record(any_ledger, 4)
    trigger = "audit_log_no_delete" if any_ledger.dialect == "sqlite" else "audit_log_append_only"
    on = "" if any_ledger.dialect == "sqlite" else " ON audit_log"
    with any_ledger.engine.begin() as conn:
        conn.execute(text(f"DROP TRIGGER {trigger}{on}"))
        conn.execute(text("DELETE FROM audit_log WHERE id = 2"))
    report = verify_chain(any_ledger)
    assert report.broken is not None and report.broken.id == 3 and report.checked == 1


def test_rolled_back_savepoint_leaves_no_entry(any_ledger: Ledger):
    with any_ledger.begin() as s:
        audit.record(s, "kept")
        with pytest.raises(RuntimeError), s.begin_nested():
            audit.record(s, "undone")
            raise RuntimeError
        with s.begin_nested():
            audit.record(s, "kept.too")
    with pytest.raises(RuntimeError), any_ledger.begin() as s:
        audit.record(s, "rolled.back")
        raise RuntimeError
    assert _actions(any_ledger) == ["kept", "kept.too"]
    assert verify_chain(any_ledger).ok


def test_desks_writing_at_once_never_fork_the_chain(pg_url: str):
    desks = [Ledger.open(pg_url) for _ in range(4)]
    errors: list[BaseException] = []

    def desk(ledger: Ledger) -> None:
        try:
            _record(ledger, 15)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=desk, args=(d,)) for d in desks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = verify_chain(desks[0])
    assert report.ok and report.checked == 60
    for d in desks:
        d.close()


def test_a_role_that_may_not_restore_triggers_records_that_they_are_missing(
    pg_url: str, caplog: pytest.LogCaptureFixture
):
    """The README's desk role (INSERT and SELECT only on audit_log, owns nothing) opens a
    ledger whose truncate guard was dropped: it says so and still opens."""
    from sqlalchemy.engine import make_url

    owner = Ledger.open(pg_url)
    role = f"desk_{make_url(pg_url).database}"
    with owner.engine.begin() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
        conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
        conn.execute(
            text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}")
        )
        conn.execute(text(f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM {role}"))
        conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"))
        conn.execute(text("DROP TRIGGER audit_log_no_truncate ON audit_log"))
    desk_url = make_url(pg_url).set(username=role).render_as_string(hide_password=False)
    try:
        with caplog.at_level(logging.ERROR):
            desk = Ledger.open(desk_url)
        assert "may not restore it" in caplog.text
        assert _actions(desk) == ["audit_guard_missing"]
        with pytest.raises(DBAPIError, match="permission denied"), desk.engine.begin() as conn:
            conn.execute(text("TRUNCATE audit_log"))
        desk.close()
        Ledger.open(pg_url).close()  # the owner puts it back
        assert _actions(owner)[-1] == RESTORED
    finally:
        owner.engine.dispose()
        with owner.engine.begin() as conn:
            conn.execute(text(f"REASSIGN OWNED BY {role} TO CURRENT_USER"))
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))
        owner.close()


def test_desks_opening_at_once_restore_a_dropped_trigger_once(pg_url: str):
    Ledger.open(pg_url).close()
    owner = Ledger.open(pg_url)
    with owner.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_log_no_truncate ON audit_log"))
    start, opened, errors = threading.Barrier(4), [], []

    def desk() -> None:
        try:
            start.wait(30)
            opened.append(Ledger.open(pg_url))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=desk) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == [] and len(opened) == 4
    assert _actions(owner) == [RESTORED]
    for ledger in [*opened, owner]:
        ledger.close()

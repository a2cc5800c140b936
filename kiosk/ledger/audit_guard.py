"""The database triggers that keep the audit log append-only, and their check at open.

SQLite: UPDATE and DELETE are refused, and so is an INSERT that reuses an existing id:
`REPLACE INTO` / `INSERT OR REPLACE` delete the old row by conflict resolution, which fires
no DELETE trigger (recursive_triggers is off), but the BEFORE INSERT trigger sees the id.
PostgreSQL: UPDATE, DELETE (INSERT ... ON CONFLICT DO UPDATE is an UPDATE) and TRUNCATE
are refused. Whoever owns the tables can still drop a trigger: the desk notices at the next
open, puts it back, records that in the audit log and logs a warning; the hash chain
(`audit verify`) shows whether anything was changed meanwhile.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import text

log = logging.getLogger(__name__)
RESTORED = "audit_guard_restored"
GUARD_LOCK = 727_015  # pg advisory lock id: one desk restores the triggers at a time
MISSING = "audit_guard_missing"  # found missing by a role that may not put it back
_REFUSE = "SELECT RAISE(ABORT, 'the audit log is append-only')"

SQLITE_TRIGGERS = {
    "audit_log_no_update": f"CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    f"BEGIN {_REFUSE}; END",
    "audit_log_no_delete": f"CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    f"BEGIN {_REFUSE}; END",
    "audit_log_no_replace": "CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log "
    f"WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id) BEGIN {_REFUSE}; END",
}
PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ BEGIN "
    "RAISE EXCEPTION 'the audit log is append-only'; END $$ LANGUAGE plpgsql"
)
PG_TRIGGERS = {
    "audit_log_append_only": "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE "
    "ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    "audit_log_no_truncate": "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE "
    "ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
}
_SQLITE_PRESENT = text(
    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'"
)
# A trigger counts only while enabled and calling the refusing function, as created.
_PG_PRESENT = text(
    "SELECT t.tgname FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
    "WHERE t.tgrelid = to_regclass('audit_log') AND NOT t.tgisinternal "
    "AND t.tgenabled <> 'D' AND p.proname = 'audit_log_append_only' "
    "AND p.prosrc LIKE '%RAISE EXCEPTION ''the audit log is append-only''%'"
)


def expected(conn: Any) -> dict[str, str]:
    return SQLITE_TRIGGERS if conn.dialect.name == "sqlite" else PG_TRIGGERS


def missing(conn: Any) -> list[str]:
    """The protective triggers that are absent, disabled or altered."""
    if conn.dialect.name == "sqlite":
        found = dict(conn.execute(_SQLITE_PRESENT).all())
        return [name for name, sql in SQLITE_TRIGGERS.items() if found.get(name) != sql]
    enabled = set(conn.scalars(_PG_PRESENT))
    return [name for name in PG_TRIGGERS if name not in enabled]


def install(conn: Any, names: list[str]) -> None:
    """(Re)create the named triggers, replacing any altered version."""
    if conn.dialect.name == "sqlite":
        for name in names:
            conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
            conn.execute(text(SQLITE_TRIGGERS[name]))
        return
    conn.execute(text(PG_FUNCTION))
    for name in names:
        conn.execute(text(f"DROP TRIGGER IF EXISTS {name} ON audit_log"))
        conn.execute(text(PG_TRIGGERS[name]))


def restore(ledger: Any) -> list[str]:
    """At open: put back any missing trigger, audit it and warn. Returns what was missing.
    A desk whose database role may not create triggers (PostgreSQL, as the README advises)
    records and logs that they are missing instead, and opens all the same."""
    from sqlalchemy.exc import DBAPIError

    from kiosk.ledger import audit

    with ledger.engine.connect() as conn:
        gone = missing(conn)
    if not gone:
        return []
    try:
        with ledger.begin() as s:
            conn = s.connection()
            if conn.dialect.name == "postgresql":  # desks opening at once restore once
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": GUARD_LOCK})
                gone = missing(conn)
                if not gone:
                    return []
            install(conn, gone)
            audit.record(s, RESTORED, target="audit_log", triggers=gone)
    except DBAPIError:
        with ledger.begin() as s:
            audit.record(s, MISSING, target="audit_log", triggers=gone)
        log.error(
            "audit log protection is missing (%s) and this role may not restore it: "
            "open the ledger once as its owner",
            ", ".join(gone),
        )
        return gone
    log.warning(
        "audit log protection was missing and has been restored (%s): run `audit verify`",
        ", ".join(gone),
    )
    return gone

"""The apply path's DBAPI writes store exactly what SQLAlchemy would."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from kiosk.ledger import audit
from kiosk.ledger.models import AuditEntry, ProcessedEvent
from kiosk.payments import ledger_writes as db


def test_write_round_trips_through_the_orm(ledger):
    when = datetime(2026, 11, 26, 10, 30, 15, 123456, tzinfo=UTC)
    with ledger.begin() as s:
        row = {
            "event_id": "evt_w1",
            "type": "x",
            "source": "relay",
            "outcome": "applied",
            "created": 7,
            "processed_at": when,
        }
        assert db.insert_ignore(s, ProcessedEvent, row, ["event_id"]) == "evt_w1"
        assert db.insert_ignore(s, ProcessedEvent, row, ["event_id"]) is None
    with ledger.begin() as s:
        stored = s.get(ProcessedEvent, "evt_w1")
        assert stored.processed_at == when and stored.created == 7


def test_write_leaves_computed_defaults_to_sqlalchemy(ledger):
    with ledger.begin() as s:  # no "at": its default is computed per row by SQLAlchemy
        db.write(
            s,
            audit.INSERT_AUDIT,
            {"username": "", "desk": "Desk 1", "action": "t", "target": "", "details": "{}"},
        )
    with ledger.begin() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "t"))
        assert entry.at is not None and entry.at.tzinfo is not None


def test_write_sees_pending_orm_changes_first(ledger):
    with ledger.begin() as s:
        s.add(ProcessedEvent(event_id="evt_orm", type="x", source="poll", outcome="", created=0))
        db.write(s, db.SET_OUTCOME, {"eid": "evt_orm", "outcome": "status"})
    with ledger.begin() as s:
        assert s.get(ProcessedEvent, "evt_orm").outcome == "status"

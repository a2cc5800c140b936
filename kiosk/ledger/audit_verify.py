"""`audit verify`: walk the audit log's hash chain and find the first entry that breaks it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from kiosk.ledger.audit import HASHED_FIELDS, entry_hash
from kiosk.ledger.audit_guard import MISSING, RESTORED
from kiosk.ledger.models import AuditEntry

if TYPE_CHECKING:
    from kiosk.ledger.database import Ledger

_BATCH = 2000


@dataclass(frozen=True)
class Broken:
    id: int
    at: datetime
    action: str


@dataclass
class ChainReport:
    checked: int = 0
    head: str = ""
    broken: Broken | None = None
    restored: list[tuple[datetime, str]] = field(default_factory=list)  # when, what, which

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify_chain(ledger: Ledger) -> ChainReport:
    """Recompute every entry's hash in id order; stop at the first that does not match."""
    report = ChainReport()
    columns = [getattr(AuditEntry, name) for name in ("id", *HASHED_FIELDS, "chain_hash")]
    query = select(*columns).order_by(AuditEntry.id)
    with ledger.read() as s:
        for row in s.execute(query.execution_options(yield_per=_BATCH)).mappings():
            if row["action"] in (RESTORED, MISSING):  # listed even past a break: they tell when
                report.restored.append((row["at"], f"{row['action']} {row['details']}"))
            if report.broken is not None:
                continue
            expected = entry_hash(report.head, dict(row))
            if row["chain_hash"] != expected:
                report.broken = Broken(row["id"], row["at"], row["action"])
                continue
            report.checked += 1
            report.head = expected
    return report

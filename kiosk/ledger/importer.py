"""Importing invoices from CSV: check the whole file, then write all of it or nothing.

    summary = import_csv(ledger, "fees.csv", progress=on_progress, cancel=stop_event)

The file is read (kiosk.ledger.csv_format) and checked (kiosk.ledger.csv_checks) first,
then compared with the ledger (kiosk.ledger.import_changes) and written in one transaction. Re-importing a file changes nothing. An invoice
that already has payments keeps its components and currency: a file that would change
them is an error, not a silent overwrite. `progress(done, total)` counts each row twice
(checked, then written); setting `cancel` rolls everything back.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kiosk.ledger import audit
from kiosk.ledger.bulk import chunks, insert_rows
from kiosk.ledger.csv_checks import check
from kiosk.ledger.csv_format import (
    InvoiceIn,
    StudentIn,
    decode,
    read_rows,
)
from kiosk.ledger.database import Ledger
from kiosk.ledger.import_changes import Existing, Where, load_invoices, plan_changes, wanted
from kiosk.ledger.models import FeeComponent, Invoice, Student
from kiosk.ledger.search_index import bulk_indexing, search_text

Progress = Callable[[int, int], None]
_BULK = 200  # index new invoices in one statement when a file adds at least this many


class ImportCancelled(Exception):
    """The import was cancelled; nothing was written."""


class ImportConflict(RuntimeError):
    """Another desk wrote the same students or invoices meanwhile; nothing was written."""


@dataclass(frozen=True)
class ImportSummary:
    rows: int
    invoices: int
    invoices_created: int
    invoices_updated: int
    students_created: int
    students_updated: int

    @property
    def invoices_unchanged(self) -> int:
        return self.invoices - self.invoices_created - self.invoices_updated

    def describe(self) -> str:
        """One line for a person: what the import did."""
        return (
            f"{self.rows} rows, {self.invoices} invoices ({self.invoices_created} new, "
            f"{self.invoices_updated} updated, {self.invoices_unchanged} unchanged); "
            f"students: {self.students_created} new, {self.students_updated} updated"
        )

    @property
    def changed(self) -> bool:
        return any(
            (
                self.invoices_created,
                self.invoices_updated,
                self.students_created,
                self.students_updated,
            )
        )


class _Reporter:
    """Rate-limited progress in units of rows: total = 2 x rows (checked + written)."""

    def __init__(
        self, progress: Progress | None, cancel: threading.Event | None, rows: int
    ) -> None:
        self.progress, self.cancel, self.total = progress, cancel, 2 * rows
        self.step = max(self.total // 200, 1)
        self.last = -1

    def __call__(self, done: int) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise ImportCancelled("import cancelled; nothing was written")
        if (
            self.progress
            and done != self.last
            and (done - self.last >= self.step or done == self.total)
        ):
            self.last = done
            self.progress(done, self.total)


def import_csv(
    ledger: Ledger,
    path: str | Path,
    *,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    username: str = "",
    desk: str = "",
) -> ImportSummary:
    """Import `path`. Raises CsvImportError listing what is wrong (by line and column),
    ImportCancelled when `cancel` was set, ImportConflict when another desk wrote the same
    invoices meanwhile (PostgreSQL), OSError when the file can't be read; in each case
    nothing was written."""
    source = Path(path)
    data = source.read_bytes()
    header, rows = read_rows(decode(data))
    report = _Reporter(progress, cancel, len(rows))
    invoices = check(header, rows, report)
    report(len(rows))
    try:
        with ledger.begin() as s:
            summary = _apply(s, invoices, len(rows), report, header.where)
            if summary.changed:
                audit.record(
                    s,
                    "import_csv",
                    username=username,
                    desk=desk,
                    target=source.name,
                    rows=summary.rows,
                    created=summary.invoices_created,
                    updated=summary.invoices_updated,
                )
            report(2 * len(rows))
    except IntegrityError:
        raise ImportConflict(
            "another desk changed the same students or invoices during the "
            "import; nothing was imported: run it again"
        ) from None
    return summary


def _load_students(s: Session, numbers: list[str]) -> dict[str, Student]:
    found: dict[str, Student] = {}
    for chunk in chunks(numbers):
        found.update(
            (st.number, st) for st in s.scalars(select(Student).where(Student.number.in_(chunk)))
        )
    return found


def _apply(
    s: Session, invoices: list[InvoiceIn], rows: int, report: _Reporter, where: Where
) -> ImportSummary:
    students = _load_students(s, sorted({i.student.number for i in invoices}))
    existing = load_invoices(s, [i.number for i in invoices])
    changes = plan_changes(s, invoices, existing, where)
    in_file = {i.student.number: i.student for i in invoices}
    updated = sum(_update_student(students[n], st) for n, st in in_file.items() if n in students)
    fresh = [st for n, st in in_file.items() if n not in students]
    ids = {n: st.id for n, st in students.items()} | _insert_students(s, fresh)
    created = [i for i in invoices if i.number not in existing]
    with bulk_indexing(s) if len(created) >= _BULK else contextlib.nullcontext():
        done = rows
        for chunk in chunks(created):
            _insert_invoices(s, chunk, ids)
            done += sum(len(i.components) for i in chunk)
            report(done)
    for inv in changes:
        _update_invoice(s, existing[inv.number], inv)
    return ImportSummary(rows, len(invoices), len(created), len(changes), len(fresh), updated)


def _insert_students(s: Session, fresh: list[StudentIn]) -> dict[str, int]:
    rows = [
        {
            "number": st.number,
            "name": st.name,
            "email": st.email,
            "phone": st.phone,
            "programme": st.programme,
            "search_text": search_text(st.name, st.number, st.email),
        }
        for st in fresh
    ]
    return dict(zip((st.number for st in fresh), insert_rows(s, Student, rows), strict=True))


def _update_student(student: Student, st: StudentIn) -> bool:
    changed = False
    for attr in ("name", "email", "phone", "programme"):
        if getattr(student, attr) != getattr(st, attr):
            setattr(student, attr, getattr(st, attr))
            changed = True
    return changed


def _insert_invoices(s: Session, chunk: list[InvoiceIn], students: dict[str, int]) -> None:
    rows = [
        {
            "number": i.number,
            "student_id": students[i.student.number],
            "currency": i.currency,
            "issue_date": i.issue_date,
            "due_date": i.due_date,
        }
        for i in chunk
    ]
    ids = insert_rows(s, Invoice, rows)
    insert_rows(
        s,
        FeeComponent,
        [
            {
                "invoice_id": invoice_id,
                "name": c.name,
                "amount": c.amount,
                "priority": c.priority,
                "position": pos,
            }
            for inv, invoice_id in zip(chunk, ids, strict=True)
            for pos, c in enumerate(inv.components)
        ],
    )


def _update_invoice(s: Session, held: Existing, inv: InvoiceIn) -> None:
    """Dates always; currency and components only when there is no payment (checked above)."""
    old = s.get_one(Invoice, held.id)
    old.issue_date, old.due_date = inv.issue_date, inv.due_date
    if held.currency == inv.currency and held.components == wanted(inv):
        return
    old.currency = inv.currency
    by_name = {c.name: c for c in old.components}
    keep = []
    for i, c in enumerate(inv.components):
        comp = by_name.pop(c.name, None) or FeeComponent(name=c.name)
        comp.amount, comp.priority, comp.position = c.amount, c.priority, i
        keep.append(comp)
    old.components = keep
    s.flush()

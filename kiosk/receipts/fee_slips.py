"""Fee slips: one PDF per open invoice (or one combined PDF), each with a pay-by-QR link.

Links come from the payments core (`create_fee_slip_link`), so their payments are applied
like any other, and the core deactivates them when the balance changes. A run is
resumable: a live link for the same invoice and balance is reused, never created twice,
and a slip already written for the same invoice and balance (per the folder's manifest,
``.fee-slips.json``) is skipped. The slips are made on a small thread pool (kiosk.receipts.slip_workers).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import func, select

from kiosk.atomic import write_bytes
from kiosk.ledger.invoices import summary_select
from kiosk.ledger.models import Allocation, FeeComponent, Invoice, Student
from kiosk.ledger.types import utcnow
from kiosk.receipts.fee_slip_pdf import SlipFacts, SlipLine, SlipWriter
from kiosk.receipts.pdf_parts import RenderOptions
from kiosk.receipts.slip_files import MANIFEST, Manifest, slip_filename
from kiosk.receipts.slip_workers import Drawing, SlipJob, run_jobs

if TYPE_CHECKING:
    from kiosk.context import Context
    from kiosk.payments.gateway import StripeGateway

log = logging.getLogger(__name__)

UNPAID = ("open", "partially_paid", "overdue")


@dataclass(frozen=True)
class Due:
    invoice_id: int
    number: str
    balance: int


@dataclass
class SlipRun:
    written: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    links_created: int = 0
    combined: Path | None = None
    seconds: float = 0.0
    cancelled: bool = False

    def summary(self) -> str:
        where = f": {self.combined}" if self.combined else ""
        return (
            f"{len(self.written)} slip(s) written, {len(self.skipped)} unchanged, "
            f"{self.links_created} new link(s), {len(self.failed)} failed"
            f"{' (cancelled)' if self.cancelled else ''}{where}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "written": len(self.written),
            "skipped": len(self.skipped),
            "failed": self.failed,
            "links_created": self.links_created,
            "combined": str(self.combined) if self.combined else None,
            "seconds": round(self.seconds, 2),
            "cancelled": self.cancelled,
        }


def invoices_due(ctx: Context, status: str = "open", today: date | None = None) -> list[Due]:
    """Invoices with a balance: `open` = open, partly paid or overdue; `overdue` only those."""
    q = summary_select(today).subquery()
    wanted = ("overdue",) if status == "overdue" else UNPAID
    stmt = (
        select(q.c.id, q.c.number, q.c.total - q.c.paid)
        .where(q.c.status.in_(wanted), q.c.total > q.c.paid)
        .order_by(q.c.number)
    )
    with ctx.ledger.begin() as s:
        rows = cast("list[tuple[int, str, int]]", s.execute(stmt).all())
        return [Due(i, n, int(b)) for i, n, b in rows]


def write_fee_slips(
    ctx: Context,
    gateway: StripeGateway,
    out: Path,
    *,
    status: str = "open",
    combined: bool = False,
    layout: str = "a5",
    progress: Callable[[int, int, str], None] | None = None,
    cancel: threading.Event | None = None,
) -> SlipRun:
    """Write the slips of every invoice with a balance; see the module docstring.

    `progress(done, total, invoice)` runs on the calling thread after each slip; `cancel`
    stops the run between slips (what was written stays recorded, so a rerun resumes).
    """
    started = time.monotonic()
    run = SlipRun()
    out.mkdir(parents=True, exist_ok=True)
    manifest = Manifest(out / MANIFEST)
    dues = invoices_due(ctx, status)
    todo = dues if combined else [d for d in dues if not manifest.done(d.number, d.balance)]
    pending = {d.number for d in todo}
    run.skipped = [d.number for d in dues if d.number not in pending]
    opts = RenderOptions.from_settings(ctx.settings)
    base = slip_facts(ctx, todo)
    jobs = [SlipJob(d.invoice_id, d.number, d.balance, base[d.invoice_id]) for d in todo]
    made: dict[str, SlipFacts] = {}
    try:
        _collect(
            ctx,
            gateway,
            jobs,
            Drawing(opts, layout, None if combined else out),
            run,
            made,
            manifest,
            _Progress(progress, len(dues), len(run.skipped)),
            cancel,
        )
    finally:
        manifest.save()
    run.written = [d.number for d in todo if d.number in made]  # in invoice order
    if combined and not run.cancelled:
        slips = [made[n] for n in run.written]
        run.combined = _combined(out / f"fee-slips-{status}.pdf", opts, layout, slips)
    run.seconds = time.monotonic() - started
    return run


def _collect(
    ctx: Context,
    gateway: StripeGateway,
    jobs: list[SlipJob],
    drawing: Drawing,
    run: SlipRun,
    made: dict[str, SlipFacts],
    manifest: Manifest,
    progress: _Progress,
    cancel: threading.Event | None,
) -> None:
    for job, result in run_jobs(ctx, gateway, jobs, drawing):
        if isinstance(result, Exception):
            run.failed[job.number] = str(getattr(result, "message", result))
        else:
            run.links_created += result.created
            made[job.number] = result.facts
            if result.sha256 is not None:
                manifest.record(
                    job.number,
                    job.balance,
                    slip_filename(job.number),
                    result.sha256,
                    result.facts.attempt_id,
                )
        progress(job.number)
        if cancel is not None and cancel.is_set():
            run.cancelled = True
            return


class _Progress:
    def __init__(
        self, callback: Callable[[int, int, str], None] | None, total: int, done: int
    ) -> None:
        self.callback, self.total, self.done = callback, total, done

    def __call__(self, label: str) -> None:
        self.done += 1
        if self.callback:
            self.callback(self.done, self.total, label)


def _combined(path: Path, opts: RenderOptions, layout: str, slips: list[SlipFacts]) -> Path | None:
    if not slips:
        return None
    book = SlipWriter(opts, layout)
    for facts in slips:
        book.add(facts)
    write_bytes(path, book.bytes())
    return path


def slip_facts(ctx: Context, dues: list[Due]) -> dict[int, SlipFacts]:
    """Everything a slip shows but its link, for many invoices in four queries."""
    out: dict[int, SlipFacts] = {}
    now = utcnow()
    balances = {d.invoice_id: d.balance for d in dues}
    for chunk in _chunks(list(balances), 500):
        with ctx.ledger.begin() as s:
            paid = dict(
                s.execute(
                    select(Allocation.component_id, func.sum(Allocation.amount))
                    .join(FeeComponent, FeeComponent.id == Allocation.component_id)
                    .where(FeeComponent.invoice_id.in_(chunk))
                    .group_by(Allocation.component_id)
                ).all()
            )
            lines: dict[int, list[SlipLine]] = {}
            for c in s.scalars(
                select(FeeComponent)
                .where(FeeComponent.invoice_id.in_(chunk))
                .order_by(FeeComponent.position, FeeComponent.id)
            ):
                lines.setdefault(c.invoice_id, []).append(
                    SlipLine(c.name, c.amount, int(paid.get(c.id, 0)))
                )
            for inv, st in s.execute(
                select(Invoice, Student).join(Student).where(Invoice.id.in_(chunk))
            ):
                out[inv.id] = SlipFacts(
                    invoice_number=inv.number,
                    student_name=st.name,
                    student_number=st.number,
                    programme=st.programme,
                    currency=inv.currency,
                    issue_date=inv.issue_date,
                    due_date=inv.due_date,
                    lines=tuple(lines.get(inv.id, ())),
                    balance=balances[inv.id],
                    link_url="",
                    attempt_id="",
                    generated_at=now,
                )
    return out


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]

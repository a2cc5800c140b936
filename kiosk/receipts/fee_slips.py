"""Fee slips: one PDF per open invoice (or one combined PDF), each with a pay-by-QR link.

Links come from the payments core (`create_fee_slip_link`), so their payments are applied
like any other, and the core deactivates them when the balance changes. A run is
resumable: a live link for the same invoice and balance is reused, never created twice,
and a slip already written for the same invoice and balance (per the folder's manifest,
``.fee-slips.json``) is skipped. Links are created on a small thread pool (network-bound);
pages are drawn on the calling thread as links arrive.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from kiosk.atomic import write_bytes
from kiosk.ledger.invoices import summary_select
from kiosk.ledger.models import Allocation, FeeComponent, Invoice, PaymentAttempt, Student
from kiosk.ledger.types import utcnow
from kiosk.receipts.fee_slip_pdf import SlipFacts, SlipLine, SlipWriter
from kiosk.receipts.pdf_parts import RenderOptions
from kiosk.receipts.slip_files import MANIFEST, Manifest, SlipFiles

if TYPE_CHECKING:
    from kiosk.context import Context
    from kiosk.payments.gateway import StripeGateway

log = logging.getLogger(__name__)

WORKERS = 4  # threads creating links (network-bound)
PROCESS_AT = 100  # from this many slips, draw them in a separate process
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

    def to_json(self) -> dict[str, Any]:
        return {
            "written": len(self.written),
            "skipped": len(self.skipped),
            "failed": self.failed,
            "links_created": self.links_created,
            "combined": str(self.combined) if self.combined else None,
            "seconds": round(self.seconds, 2),
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
        return [Due(i, n, int(b)) for i, n, b in s.execute(stmt)]


def write_fee_slips(
    ctx: Context,
    gateway: StripeGateway,
    out: Path,
    *,
    status: str = "open",
    combined: bool = False,
    layout: str = "a5",
    progress: Callable[[int, int, str], None] | None = None,
) -> SlipRun:
    """Write the slips of every invoice with a balance; see the module docstring."""
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
    tick = _Ticker(progress, len(dues), len(run.skipped))
    if combined:
        run.combined = _combined(
            out / f"fee-slips-{status}.pdf",
            opts,
            layout,
            _slips(ctx, gateway, todo, base, run, tick),
        )
    else:
        with SlipFiles(out, opts, layout, manifest, processes=len(todo) >= PROCESS_AT) as files:
            for due, facts in _slips(ctx, gateway, todo, base, run, tick, count=False):
                files.submit(due.number, due.balance, facts, on_done=tick)
        run.failed.update(files.errors)
        run.written = [n for n in run.written if n not in files.errors]
    manifest.save()
    run.seconds = time.monotonic() - started
    return run


def _slips(
    ctx: Context,
    gateway: StripeGateway,
    todo: list[Due],
    base: dict[int, SlipFacts],
    run: SlipRun,
    tick: _Ticker,
    count: bool = True,
) -> Iterable[tuple[Due, SlipFacts]]:
    """Each invoice's slip facts with its link, as links arrive; failures go to `run`."""
    for due, result in _links(ctx, gateway, todo):
        if isinstance(result, Exception):
            run.failed[due.number] = str(getattr(result, "message", result))
            tick(due.number)
            continue
        attempt_id, url, created = result
        run.links_created += created
        run.written.append(due.number)
        yield due, replace(base[due.invoice_id], link_url=url, attempt_id=attempt_id)
        if count:
            tick(due.number)


def _combined(
    path: Path, opts: RenderOptions, layout: str, slips: Iterable[tuple[Due, SlipFacts]]
) -> Path | None:
    book = SlipWriter(opts, layout)
    for _, facts in slips:
        book.add(facts)
    if not book.pages:
        return None
    write_bytes(path, book.bytes())
    return path


class _Ticker:
    """Counts finished slips (written, skipped or failed) for the progress callback."""

    def __init__(
        self, progress: Callable[[int, int, str], None] | None, total: int, done: int
    ) -> None:
        self.progress, self.total, self.done = progress, total, done

    def __call__(self, label: str) -> None:
        self.done += 1
        if self.progress:
            self.progress(self.done, self.total, label)


def _links(
    ctx: Context, gateway: StripeGateway, todo: list[Due]
) -> Iterable[tuple[Due, tuple[str, str, bool] | Exception]]:
    """(due, (attempt id, url, created?) or the error), in `todo` order."""
    with ThreadPoolExecutor(WORKERS, thread_name_prefix="fee-slip-link") as pool:
        futures: list[tuple[Due, Future]] = [
            (d, pool.submit(link_for, ctx, gateway, d)) for d in todo
        ]
        try:
            for due, future in futures:
                try:
                    yield due, future.result()
                except Exception as exc:  # one invoice's Stripe trouble: report, go on
                    log.warning("fee slip link for %s failed: %s", due.number, exc)
                    yield due, exc
        finally:
            for _, future in futures:
                future.cancel()


def link_for(ctx: Context, gateway: StripeGateway, due: Due) -> tuple[str, str, bool]:
    """A live fee-slip link for exactly the current balance: reused, else created (after
    the payments core deactivates any link for an older balance)."""
    from kiosk.payments.attempts import create_fee_slip_link, deactivate_stale_fee_slips
    from kiosk.payments.status import PaymentStatus

    with ctx.ledger.begin() as s:
        live = s.execute(
            select(PaymentAttempt.public_id, PaymentAttempt.amount, PaymentAttempt.url)
            .where(
                PaymentAttempt.invoice_id == due.invoice_id,
                PaymentAttempt.channel == "fee_slip",
                PaymentAttempt.status == PaymentStatus.OPEN.value,
            )
            .order_by(PaymentAttempt.id.desc())
        ).all()
    for public_id, amount, url in live:
        if amount == due.balance and url:
            return public_id, url, False
    if live:
        deactivate_stale_fee_slips(ctx, gateway, due.invoice_id)
    view = create_fee_slip_link(ctx, gateway, due.number)
    if view.amount != due.balance or not view.url:  # the balance moved meanwhile
        raise RuntimeError(
            f"{due.number}: the balance changed while its slip was made; run fee-slips again"
        )
    return view.public_id, view.url, True


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

"""Making fee slips in parallel: each job gets the invoice's link (reused, or created
through the payments core) and, unless the slips go into one combined PDF, draws and writes
its file. A small thread pool overlaps the Stripe round trips.

(Worker processes were measured too: on SQLite their write transactions queue on the
database lock across processes, and a 300-slip run took twice as long as with threads.)
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from kiosk.ledger.models import PaymentAttempt
from kiosk.receipts.fee_slip_pdf import SlipFacts
from kiosk.receipts.pdf_parts import RenderOptions
from kiosk.receipts.slip_files import slip_filename, write_slip

if TYPE_CHECKING:
    from kiosk.context import Context
    from kiosk.payments.gateway import StripeGateway

log = logging.getLogger(__name__)

THREADS = 8


@dataclass(frozen=True)
class SlipJob:
    invoice_id: int
    number: str
    balance: int
    facts: SlipFacts  # everything but the link


@dataclass(frozen=True)
class SlipDone:
    facts: SlipFacts  # with the link
    created: bool  # a new link (False: a live one for this balance was reused)
    sha256: str | None  # of the file written; None when only the link was wanted


@dataclass(frozen=True)
class Drawing:
    opts: RenderOptions
    layout: str
    out: Path | None  # None: links only (the caller draws a combined PDF)


def run_jobs(
    ctx: Context,
    gateway: StripeGateway,
    jobs: list[SlipJob],
    drawing: Drawing,
    live: dict[int, list[tuple[str, int, str | None]]] | None = None,
) -> Iterator[tuple[SlipJob, SlipDone | Exception]]:
    """Each job's outcome, in the order they finish. `live`: the invoices' open fee-slip
    links (see `live_links`), looked up in one query instead of one per job."""
    if not jobs:
        return
    live = live_links(ctx, [j.invoice_id for j in jobs]) if live is None else live
    pool = ThreadPoolExecutor(THREADS, thread_name_prefix="fee-slip")
    futures = {
        pool.submit(make_slip, ctx, gateway, job, drawing, live.get(job.invoice_id, [])): job
        for job in jobs
    }
    try:
        for future in as_completed(futures):
            job = futures[future]
            try:
                yield job, future.result()
            except Exception as exc:  # one invoice's trouble (Stripe, disk): report, go on
                log.warning("fee slip for %s failed: %s", job.number, exc)
                yield job, exc
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def live_links(
    ctx: Context, invoice_ids: list[int]
) -> dict[int, list[tuple[str, int, str | None]]]:
    """invoice id → its open fee-slip links (attempt id, amount, url), newest first."""
    from kiosk.payments.status import PaymentStatus

    out: dict[int, list[tuple[str, int, str | None]]] = {}
    for i in range(0, len(invoice_ids), 500):
        with ctx.ledger.begin() as s:
            rows = s.execute(
                select(
                    PaymentAttempt.invoice_id,
                    PaymentAttempt.public_id,
                    PaymentAttempt.amount,
                    PaymentAttempt.url,
                )
                .where(
                    PaymentAttempt.invoice_id.in_(invoice_ids[i : i + 500]),
                    PaymentAttempt.channel == "fee_slip",
                    PaymentAttempt.status == PaymentStatus.OPEN.value,
                )
                .order_by(PaymentAttempt.id.desc())
            ).all()
        for invoice_id, public_id, amount, url in rows:
            out.setdefault(invoice_id, []).append((public_id, amount, url))
    return out


def make_slip(
    ctx: Context,
    gateway: StripeGateway,
    job: SlipJob,
    drawing: Drawing,
    live: list[tuple[str, int, str | None]],
) -> SlipDone:
    attempt_id, url, created = link_for(ctx, gateway, job, live)
    facts = replace(job.facts, link_url=url, attempt_id=attempt_id)
    sha = None
    if drawing.out is not None:
        sha = write_slip(
            facts, drawing.opts, drawing.layout, drawing.out / slip_filename(job.number)
        )
    return SlipDone(facts, created, sha)


def link_for(
    ctx: Context, gateway: StripeGateway, job: SlipJob, live: list[tuple[str, int, str | None]]
) -> tuple[str, str, bool]:
    """A live fee-slip link for exactly the current balance: reused, else created (after
    the payments core deactivates any link for an older balance)."""
    from kiosk.payments.attempts import create_fee_slip_link
    from kiosk.payments.fee_slips import deactivate_stale_fee_slips

    for public_id, amount, url in live:
        if amount == job.balance and url:
            return public_id, url, False
    if live:
        deactivate_stale_fee_slips(ctx, gateway, job.invoice_id)
    view = create_fee_slip_link(ctx, gateway, job.number)
    if view.amount != job.balance or not view.url:  # the balance moved meanwhile
        raise RuntimeError(
            f"{job.number}: the balance changed while its slip was made; run fee-slips again"
        )
    return view.public_id, view.url, True

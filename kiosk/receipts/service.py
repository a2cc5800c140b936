"""The receipts service the desk, the payments core and the CLI call.

Payments create the numbered `Receipt` row inside their own transaction
(`kiosk.ledger.numbering.issue_receipt`); a row without a file is a receipt due.
`render_pending(ctx)` renders every due receipt after commit: idempotent (the update is
guarded by ``file_path IS NULL``) and crash-safe (a crash leaves the row due, and the
next call renders it). Rendering happens outside any transaction, so a slow PDF never
holds the ledger's write lock.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import CursorResult, select, update

from kiosk.atomic import write_bytes
from kiosk.ledger.models import Receipt
from kiosk.receipts.facts import ReceiptFacts, facts_for, find_receipt, receipt_facts
from kiosk.receipts.pdf_parts import RenderOptions
from kiosk.receipts.render import render_receipt
from kiosk.receipts.verification import compute_code, receipt_key

if TYPE_CHECKING:
    from kiosk.context import Context

log = logging.getLogger(__name__)

__all__ = [
    "RenderReport",
    "file_status",
    "original_pdf",
    "record_print",
    "render_due",
    "render_one",
    "render_pending",
    "reprint",
]


def original_path(ctx: Context, number: str, year: int) -> Path:
    return ctx.receipts_dir / str(year) / f"{number}.pdf"


def duplicate_path(ctx: Context, number: str) -> Path:
    return ctx.receipts_dir / "duplicates" / f"{number}-duplicate.pdf"


@dataclasses.dataclass
class RenderReport:
    """What `render_due` did: receipts rendered, and those still pending with the reason."""

    rendered: list[str] = dataclasses.field(default_factory=list)
    pending: dict[str, str] = dataclasses.field(default_factory=dict)

    def problems(self) -> list[str]:
        return [f"receipt {number} is still pending: {why}" for number, why in self.pending.items()]


def render_pending(ctx: Context, limit: int | None = None) -> list[str]:
    """Render every receipt that has no PDF yet; returns the numbers rendered, oldest first."""
    return render_due(ctx, limit).rendered


def render_due(ctx: Context, limit: int | None = None) -> RenderReport:
    """Render every receipt that has no PDF yet, oldest first; each one that fails stays
    due (logged with its traceback) and is reported with the reason in plain words."""
    with ctx.ledger.begin() as s:
        stmt = select(Receipt.number).where(Receipt.file_path.is_(None)).order_by(Receipt.id)
        numbers = list(s.scalars(stmt.limit(limit) if limit else stmt))
    report = RenderReport()
    for number in numbers:
        try:
            if render_one(ctx, number):
                report.rendered.append(number)
        except Exception as exc:  # one bad receipt must not block the others; it stays due
            log.exception("rendering receipt %s failed; it stays pending", number)
            report.pending[number] = _why(exc)
    return report


def _why(exc: Exception) -> str:
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        return f"could not write the PDF: {exc.strerror or exc}{where}"
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def render_one(ctx: Context, number: str) -> bool:
    """Render and store the original PDF of one receipt. False if it was already rendered."""
    key = receipt_key(ctx)
    with ctx.ledger.begin() as s:
        receipt = find_receipt(s, number)
        if receipt.file_path is not None:
            return False
        facts = facts_for(s, receipt)
        year = receipt.year
    code = compute_code(key, facts)
    facts = dataclasses.replace(facts, verification_code=code)
    pdf = render_receipt(facts, RenderOptions.from_settings(ctx.settings))
    path = original_path(ctx, number, year)
    write_bytes(path, pdf)
    with ctx.ledger.begin() as s:
        result: CursorResult[Any] = s.execute(  # type: ignore[assignment]
            update(Receipt)
            .where(Receipt.number == number, Receipt.file_path.is_(None))
            .values(
                file_path=str(path), sha256=hashlib.sha256(pdf).hexdigest(), verification_code=code
            )
        )
        if result.rowcount and _auto_email(ctx, facts):
            from kiosk.receipts.mail_queue import queue_in_session

            queue_in_session(s, ctx, number, facts.student_email)
    log.info("receipt %s rendered to %s", number, path)
    return bool(result.rowcount)


def _auto_email(ctx: Context, facts: ReceiptFacts) -> bool:
    settings = ctx.settings
    return bool(
        settings.get("receipts.auto_email") and settings.get("smtp.host") and facts.student_email
    )


def reprint(ctx: Context, number: str, layout: str | None = None) -> Path:
    """The receipt again, same content plus the DUPLICATE mark, as a PDF file to print."""
    with ctx.ledger.begin() as s:
        rendered = find_receipt(s, number).file_path is not None
    if not rendered:
        render_one(ctx, number)
    with ctx.ledger.begin() as s:
        facts = receipt_facts(s, number)
    pdf = render_receipt(facts, RenderOptions.from_settings(ctx.settings, layout), duplicate=True)
    path = duplicate_path(ctx, facts.number)
    write_bytes(path, pdf)
    return path


def original_pdf(ctx: Context, facts: ReceiptFacts) -> bytes:
    """The original PDF: the stored file when it still has the ledger's SHA-256, else the
    same content rendered again (the layouts are deterministic)."""
    if file_status(facts) == "ok":
        return Path(facts.file_path or "").read_bytes()
    log.warning(
        "receipt %s: stored file %s; rendering the original again", facts.number, file_status(facts)
    )
    return render_receipt(facts, RenderOptions.from_settings(ctx.settings))


def record_print(ctx: Context, number: str) -> int:
    """Count one print of the receipt (original or duplicate); returns the new count."""
    with ctx.ledger.begin() as s:
        receipt = find_receipt(s, number)
        receipt.print_count += 1
        return receipt.print_count


def file_status(facts: ReceiptFacts) -> str:
    """pending, ok, missing, or modified (the file no longer has the ledger's SHA-256)."""
    if not facts.file_path:
        return "pending"
    path = Path(facts.file_path)
    if not path.is_file():
        return "missing"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return "ok" if digest == facts.sha256 else "modified"


def note_file(ctx: Context, number: str | None) -> Path | None:
    """The PDF of receipt or note `number`, rendered now if it has none yet (a refund or a
    reversal note to print at once); None without a number or a file."""
    if not number:
        return None
    render_one(ctx, number)
    with ctx.ledger.begin() as s:
        path = receipt_facts(s, number).file_path
    return Path(path) if path else None

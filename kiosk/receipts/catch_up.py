"""The desk's periodic receipt work: render what is pending, then send the email due.

Above both rendering (`service`) and sending (`mail`), which import neither this nor
each other's callers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from kiosk.ledger.models import Receipt
from kiosk.ledger.types import utcnow
from kiosk.receipts.mail import SendReport, send_due
from kiosk.receipts.service import render_pending

if TYPE_CHECKING:
    from kiosk.context import Context


def catch_up(ctx: Context, limit: int | None = None) -> tuple[list[str], SendReport]:
    """What the desk runs every half minute on its database worker: render every pending
    receipt (which queues the automatic emails), then send the email that is due.

    Receipts for money that arrived while no one was at the desk (a fee-slip payment
    applied from the relay) are rendered here too, at most `limit` a call, so a backlog
    never holds the desk's database worker for long. Returns (rendered numbers, mail report).
    """
    return render_pending(ctx, limit), send_due(ctx)


def work_due(ctx: Context) -> bool:
    """Is there a receipt to render or an email due? One cheap query, so the desk starts
    its catch-up (a child process) only when there is something to do."""
    from sqlalchemy import exists, or_

    from kiosk.ledger.models import MailMessage

    with ctx.ledger.read() as s:
        return bool(
            s.scalar(
                select(
                    or_(
                        exists().where(Receipt.file_path.is_(None)),
                        exists().where(
                            MailMessage.status == "queued", MailMessage.next_attempt_at <= utcnow()
                        ),
                    )
                )
            )
        )

"""Receipt email: queued in the ledger's mail_outbox, sent by `send_due(ctx)`, never twice.

Each row is claimed before sending by a status transition in its own transaction
(queued → sending, only if still queued and due), so two desks or two timers cannot
both send it. A failure the server may recover from (connection refused, timeout, 4xx)
puts it back to queued with exponential backoff; a refusal (5xx) or too many attempts
marks it failed. A row left in "sending" by a crash is not retried blindly: it becomes
failed with a note, because the message may already have gone. Every message carries a
deterministic Message-ID (<R-2026-000123.1.receipt@domain>), so a mail system that saw
it before can recognise it.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import TYPE_CHECKING, Any

from sqlalchemy import CursorResult, select, update

from kiosk.ledger.models import MailMessage, Receipt
from kiosk.ledger.types import utcnow
from kiosk.receipts.facts import ReceiptFacts, receipt_facts
from kiosk.receipts.mail_queue import queue_in_session

if TYPE_CHECKING:
    from kiosk.context import Context

log = logging.getLogger(__name__)

BACKOFF_FIRST = timedelta(seconds=60)
BACKOFF_MAX = timedelta(hours=6)
MAX_ATTEMPTS = 10
STALE_SENDING = timedelta(minutes=15)
SMTP_TIMEOUT = 20


class MailError(RuntimeError):
    """Email cannot be queued or sent; the message says what to change."""


class Transient(Exception):
    """The server may take it later: retry with backoff."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # starttls | ssl | none
    user: str
    sender: str
    password: str | None = field(default=None, repr=False)

    @classmethod
    def from_context(cls, ctx: Context) -> SmtpSettings:
        from kiosk.secrets import get_secret

        s = ctx.settings
        return cls(
            str(s.get("smtp.host")),
            int(s.get("smtp.port")),
            str(s.get("smtp.security")),
            str(s.get("smtp.user")),
            str(s.get("smtp.sender")),
            get_secret("smtp_password"),
        )

    @property
    def enabled(self) -> bool:
        return bool(self.host)


@dataclass
class SendReport:
    sent: list[str] = field(default_factory=list)  # receipt numbers
    retrying: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def backoff(attempts: int) -> timedelta:
    """60 s, 2 min, 4 min, … capped at 6 h (attempts counts the one that just failed)."""
    factor: int = 2 ** max(attempts - 1, 0)
    return min(BACKOFF_FIRST * factor, BACKOFF_MAX)


# -- queueing -----------------------------------------------------------------------------


def queue_receipt_email(ctx: Context, number: str, to: str | None = None) -> int:
    """Queue the receipt for its student (or `to`); returns the outbox row id.

    A message already waiting for the same receipt and address is reused, not doubled.
    """
    if not SmtpSettings.from_context(ctx).enabled:
        raise MailError("email is off: set smtp.host (`config set smtp.host mail.example.edu`)")
    with ctx.ledger.begin() as s:
        address = to or receipt_facts(s, number).student_email
        if not address or "@" not in address:
            raise MailError(f"receipt {number}: the student has no email address; pass --to")
        return queue_in_session(s, ctx, number, address).id


# -- sending --------------------------------------------------------------------------------


def send_due(ctx: Context, now: datetime | None = None, only: int | None = None) -> SendReport:
    """Send every queued message that is due. The desk calls this periodically."""
    report = SendReport()
    smtp = SmtpSettings.from_context(ctx)
    if not smtp.enabled:
        return report
    now = now or utcnow()
    _fail_stale(ctx, now)
    with ctx.ledger.begin() as s:
        stmt = select(MailMessage.id).where(
            MailMessage.status == "queued", MailMessage.next_attempt_at <= now
        )
        if only is not None:
            stmt = stmt.where(MailMessage.id == only)
        ids = list(s.scalars(stmt.order_by(MailMessage.next_attempt_at, MailMessage.id)))
    for mail_id in ids:
        _send_one(ctx, smtp, mail_id, now, report)
    return report


def _claim(ctx: Context, mail_id: int, now: datetime) -> bool:
    with ctx.ledger.begin() as s:
        result: CursorResult[Any] = s.execute(  # type: ignore[assignment]
            update(MailMessage)
            .where(
                MailMessage.id == mail_id,
                MailMessage.status == "queued",
                MailMessage.next_attempt_at <= now,
            )
            .values(status="sending", attempts=MailMessage.attempts + 1, next_attempt_at=now)
        )
        return result.rowcount == 1


def _send_one(
    ctx: Context, smtp: SmtpSettings, mail_id: int, now: datetime, report: SendReport
) -> None:
    from kiosk.receipts.service import render_one

    with ctx.ledger.begin() as s:
        row = s.get(MailMessage, mail_id)
        receipt = s.get(Receipt, row.receipt_id) if row else None
        assert row is not None and receipt is not None
        number, pending = receipt.number, receipt.file_path is None
    if pending:
        render_one(ctx, number)
    if not _claim(ctx, mail_id, now):
        return  # another desk or timer has it
    try:
        with ctx.ledger.begin() as s:
            row = s.get(MailMessage, mail_id)
            assert row is not None
            message = build_message(
                ctx, receipt_facts(s, number), row.to_address, row.message_id, now
            )
        deliver(smtp, message)
    except Transient as exc:
        _settle(ctx, mail_id, now, error=str(exc), permanent=False)
        report.retrying.append(number)
        report.errors[number] = str(exc)
    except Exception as exc:
        _settle(ctx, mail_id, now, error=_describe(exc), permanent=True)
        report.failed.append(number)
        report.errors[number] = _describe(exc)
    else:
        _settle(ctx, mail_id, now)
        report.sent.append(number)


def _settle(
    ctx: Context, mail_id: int, now: datetime, error: str | None = None, permanent: bool = False
) -> None:
    with ctx.ledger.begin() as s:
        row = s.get(MailMessage, mail_id)
        assert row is not None
        if error is None:
            row.status, row.sent_at, row.last_error = "sent", utcnow(), ""
            log.info("receipt email %s sent to %s", row.message_id, row.to_address)
            return
        row.last_error = error
        if permanent or row.attempts >= MAX_ATTEMPTS:
            row.status = "failed"
            log.warning("receipt email %s failed: %s", row.message_id, error)
        else:
            row.status, row.next_attempt_at = "queued", now + backoff(row.attempts)
            log.info(
                "receipt email %s: %s; retry at %s",
                row.message_id,
                error,
                row.next_attempt_at.isoformat(timespec="seconds"),
            )


def _fail_stale(ctx: Context, now: datetime) -> None:
    """A row still "sending" long after its claim was interrupted mid-send: do not resend."""
    with ctx.ledger.begin() as s:
        s.execute(
            update(MailMessage)
            .where(
                MailMessage.status == "sending", MailMessage.next_attempt_at < now - STALE_SENDING
            )
            .values(
                status="failed",
                last_error="interrupted while sending; it may have been delivered. "
                "Send again with `receipts email NUMBER` if the student has none.",
            )
        )


def deliver(smtp: SmtpSettings, message: EmailMessage) -> None:
    """Hand the message to the SMTP server; Transient for what a retry may fix."""
    try:
        with _connect(smtp) as client:
            if smtp.user:
                client.login(smtp.user, smtp.password or "")
            client.send_message(message)
    except (smtplib.SMTPNotSupportedError, ssl.SSLCertVerificationError):
        raise  # configuration: retrying will not help
    except smtplib.SMTPResponseException as exc:
        if 400 <= exc.smtp_code < 500:
            raise Transient(_describe(exc)) from None
        raise
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        if codes and all(400 <= c < 500 for c in codes):
            raise Transient(_describe(exc)) from None
        raise
    except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError) as exc:
        raise Transient(_describe(exc)) from None


def _connect(smtp: SmtpSettings) -> Any:
    context = ssl.create_default_context()
    if smtp.security == "ssl":
        return smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=SMTP_TIMEOUT, context=context)
    client = smtplib.SMTP(smtp.host, smtp.port, timeout=SMTP_TIMEOUT)
    if smtp.security == "starttls":
        try:
            client.starttls(context=context)
        except BaseException:
            client.close()
            raise
    return client


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = (
            exc.smtp_error.decode(errors="replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return f"SMTP {exc.smtp_code}: {text}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "recipient refused: " + "; ".join(
            f"{addr} ({code})" for addr, (code, _) in exc.recipients.items()
        )
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


# -- the message ------------------------------------------------------------------------------


def build_message(
    ctx: Context, facts: ReceiptFacts, to: str, message_id: str, now: datetime
) -> EmailMessage:
    from kiosk.receipts.service import original_pdf

    s = ctx.settings
    institution = str(s.get("institution.name"))
    msg = EmailMessage()
    kind = "Refund note" if facts.is_refund else "Receipt"
    msg["Subject"] = f"{kind} {facts.number} — {institution}"
    msg["From"] = formataddr((institution, str(s.get("smtp.sender"))))
    msg["To"] = formataddr((facts.student_name, to))
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = message_id
    msg.set_content(body(ctx, facts, institution))
    msg.add_attachment(
        original_pdf(ctx, facts),
        maintype="application",
        subtype="pdf",
        filename=f"{facts.number}.pdf",
    )
    return msg


def body(ctx: Context, facts: ReceiptFacts, institution: str) -> str:
    from kiosk.receipts.wording import Wording

    w = Wording(ctx.settings.get("desk.locale"), ctx.settings.get("desk.timezone"))
    amount = w.money(facts.amount, facts.currency)
    balance = w.money(facts.balance_after, facts.currency)
    if facts.is_refund:
        what = (
            f"Your refund of {amount} on invoice {facts.invoice_number} has been processed.\n"
            f"The refund note {facts.number} is attached."
        )
    else:
        what = (
            f"Thank you for your payment of {amount} towards invoice "
            f"{facts.invoice_number}.\nYour receipt {facts.number} is attached."
        )
    return (
        f"Dear {facts.student_name},\n\n{what}\n"
        f"Balance remaining on the invoice: {balance}.\n\n"
        f"{institution}\nBursar's office\n\n"
        "This is an automatic message. Please keep the receipt for your records.\n"
    )


def check_server(smtp: SmtpSettings) -> str:
    """Connect, secure and sign in as receipts would, send nothing; a plain answer or
    MailError saying what failed (never the password)."""
    if not smtp.host:
        raise MailError("no mail server: type its host name")
    try:
        with _connect(smtp) as client:
            if smtp.user:
                client.login(smtp.user, smtp.password or "")
            client.noop()
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"{smtp.host}:{smtp.port} — {_describe(exc)}") from None
    how = {"ssl": "over TLS", "starttls": "with STARTTLS", "none": "without encryption"}
    who = f", signed in as {smtp.user}" if smtp.user else ""
    return f"Connected to {smtp.host}:{smtp.port} {how.get(smtp.security, '')}{who}."

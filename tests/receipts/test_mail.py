"""Receipt email through a real SMTP server on loopback (aiosmtpd): message, recipient,
attachment; queued and retried with backoff while the server is down; never sent twice."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from kiosk.cli.main import main
from kiosk.ledger.models import MailMessage
from kiosk.ledger.types import utcnow
from kiosk.receipts.mail import backoff, queue_receipt_email, send_due
from kiosk.receipts.service import render_pending
from kiosk.secrets import set_secret
from tests.receipts.conftest import use_smtp
from tests.receipts.ledger_data import pay
from tests.receipts.test_render import stored


def outbox(ctx) -> list[MailMessage]:
    with ctx.ledger.begin() as s:
        return list(s.scalars(select(MailMessage).order_by(MailMessage.id)))


def test_email_carries_the_receipt_pdf_to_the_student(desk, paid, smtp_factory):
    server = smtp_factory()
    use_smtp(desk, server.port)
    render_pending(desk)
    queue_receipt_email(desk, paid)
    report = send_due(desk)
    assert report.sent == [paid]
    [(rcpt, msg)] = server.inbox.wait_for(1)
    assert rcpt == ["asha.verma@example.edu"]
    assert msg["To"] == "Asha Verma <asha.verma@example.edu>"
    assert msg["From"] == "Demo University <bursar@demo.example.edu>"
    assert msg["Subject"] == f"Receipt {paid} — Demo University"
    assert msg["Message-ID"] == f"<{paid}.1.receipt@demo.example.edu>"
    body = msg.get_body(("plain",)).get_content()
    assert "Dear Asha Verma" in body and "₹61,000.00" in body and "₹1,00,000.00" in body
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_filename() == f"{paid}.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == Path(stored(desk, paid).file_path).read_bytes()
    [row] = outbox(desk)
    assert (row.status, row.attempts, row.sent_at is not None) == ("sent", 1, True)
    assert send_due(desk).sent == []  # nothing left to send


def test_server_down_then_up_sends_exactly_once(desk, paid, smtp_factory):
    server = smtp_factory(start=False)  # the port is reserved, nothing listens yet
    use_smtp(desk, server.port)
    render_pending(desk)
    queue_receipt_email(desk, paid)
    now = utcnow()
    first = send_due(desk, now=now)
    assert first.retrying == [paid] and "Connection" in first.errors[paid]
    [row] = outbox(desk)
    assert row.status == "queued" and row.attempts == 1 and row.last_error
    assert row.next_attempt_at == now + backoff(1)  # backed off a minute
    assert send_due(desk, now=now + timedelta(seconds=30)).retrying == []  # not due yet
    later = row.next_attempt_at + timedelta(seconds=1)
    second = send_due(desk, now=later)
    assert second.retrying == [paid]
    assert outbox(desk)[0].next_attempt_at >= later + backoff(2)  # backoff doubled

    server.start()
    third = send_due(desk, now=later + timedelta(hours=1))
    assert third.sent == [paid]
    for step in (2, 3):  # later calls find nothing to send
        assert send_due(desk, now=later + timedelta(hours=step)).sent == []
    assert len(server.inbox.wait_for(1)) == 1
    assert outbox(desk)[0].attempts == 3


def test_concurrent_senders_claim_the_row_once(desk, invoice, smtp_factory):
    server = smtp_factory()
    use_smtp(desk, server.port)
    with desk.ledger.begin() as s:
        numbers = [pay(s, invoice, 100_000) for _ in range(5)]
    render_pending(desk)
    for number in numbers:
        queue_receipt_email(desk, number)
    barrier = threading.Barrier(4)
    reports = []

    def sender() -> None:
        barrier.wait()
        reports.append(send_due(desk))

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sent = sorted(n for r in reports for n in r.sent)
    assert sent == sorted(numbers)
    messages = server.inbox.wait_for(5)
    assert sorted(m["Message-ID"] for _, m in messages) == sorted(
        f"<{n}.1.receipt@demo.example.edu>" for n in numbers
    )


def test_refused_recipient_fails_without_retry(desk, paid, smtp_factory):
    server = smtp_factory()
    server.inbox.refuse = 550
    use_smtp(desk, server.port)
    queue_receipt_email(desk, paid)
    report = send_due(desk)
    assert report.failed == [paid] and "550" in report.errors[paid]
    assert outbox(desk)[0].status == "failed"
    assert send_due(desk, now=utcnow() + timedelta(days=1)).failed == []


def test_login_uses_the_keyring_password(desk, paid, smtp_factory):
    server = smtp_factory(auth={"bursar": "s3cret-from-keyring"})
    use_smtp(desk, server.port, user="bursar")
    set_secret("smtp_password", "s3cret-from-keyring")
    queue_receipt_email(desk, paid)
    assert send_due(desk).sent == [paid]
    assert len(server.inbox.wait_for(1)) == 1


def test_wrong_password_is_a_permanent_failure(desk, paid, smtp_factory):
    server = smtp_factory(auth={"bursar": "right"})
    use_smtp(desk, server.port, user="bursar")
    set_secret("smtp_password", "wrong")
    queue_receipt_email(desk, paid)
    report = send_due(desk)
    assert report.failed == [paid] and "535" in report.errors[paid]


def test_interrupted_send_is_not_retried_blindly(desk, paid, smtp_factory):
    server = smtp_factory()
    use_smtp(desk, server.port)
    queue_receipt_email(desk, paid)
    with desk.ledger.begin() as s:  # as if a desk crashed after claiming it
        s.execute(update(MailMessage).values(status="sending", attempts=1))
    report = send_due(desk, now=utcnow() + timedelta(hours=1))
    assert report.sent == []
    [row] = outbox(desk)
    assert row.status == "failed" and "may have been delivered" in row.last_error
    assert server.inbox.messages == []


def test_catch_up_renders_and_emails_automatically(desk, paid, smtp_factory):
    from kiosk.receipts.catch_up import catch_up

    server = smtp_factory()
    use_smtp(desk, server.port)
    desk.settings.set("receipts.auto_email", True)
    rendered, mail = catch_up(desk)
    assert rendered == [paid] and mail.sent == [paid]
    assert server.inbox.wait_for(1)[0][0] == ["asha.verma@example.edu"]
    assert catch_up(desk) == ([], mail.__class__())  # nothing more to do


def test_cli_email(desk, paid, smtp_factory, capsys):
    home = ["--home", str(desk.home)]
    assert main([*home, "receipts", "email", paid]) == 1
    assert "smtp.host" in capsys.readouterr().err  # email is off until configured
    server = smtp_factory(start=False)
    use_smtp(desk, server.port)
    assert main([*home, "receipts", "email", paid]) == 75  # queued: server down
    assert "queued" in capsys.readouterr().out
    server.start()
    assert main([*home, "receipts", "email", paid, "--to", "parent@example.org"]) == 0
    [(rcpt, _)] = server.inbox.wait_for(1)
    assert rcpt == ["parent@example.org"]
    assert main([*home, "receipts", "send-due"]) == 0  # the first is still backing off
    assert len(server.inbox.messages) == 1


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_to_the_server(desk, paid, smtp_factory, tmp_path, monkeypatch, security):
    pytest.importorskip("cryptography")
    from tests.receipts.conftest import self_signed

    certs = self_signed(tmp_path / "tls")
    monkeypatch.setenv("SSL_CERT_FILE", str(certs / "cert.pem"))  # trust the test server
    server = smtp_factory(tls=(security, certs), auth={"bursar": "pw"})
    use_smtp(desk, server.port, user="bursar", security=security)
    set_secret("smtp_password", "pw")
    queue_receipt_email(desk, paid)
    assert send_due(desk).sent == [paid]
    assert len(server.inbox.wait_for(1)) == 1


def test_untrusted_certificate_is_a_permanent_failure(desk, paid, smtp_factory, tmp_path):
    pytest.importorskip("cryptography")
    from tests.receipts.conftest import self_signed

    server = smtp_factory(tls=("starttls", self_signed(tmp_path / "tls")))
    use_smtp(desk, server.port, security="starttls")
    queue_receipt_email(desk, paid)
    report = send_due(desk)
    assert report.failed == [paid] and "CERTIFICATE_VERIFY_FAILED" in report.errors[paid]
    assert server.inbox.messages == []

"""Receipt fixtures: money in the ledger, a real SMTP server on loopback, PDF text."""

from __future__ import annotations

import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.receipts.ledger_data import add_cashier, pay

LOGO = Path(__file__).resolve().parents[2] / "resources" / "images" / "demo-logo.png"
TUITION, HOSTEL, LIBRARY = 10_000_000, 5_000_000, 1_100_000  # ₹1,61,000.00 in all


@pytest.fixture
def desk(ctx):
    """The desk's settings for receipts: logo, layout, a cashier."""
    ctx.settings.set("institution.logo", str(LOGO))
    with ctx.ledger.begin() as s:
        ctx.cashier_id = add_cashier(s)
    return ctx


@pytest.fixture
def invoice(desk, make_invoice) -> int:
    return make_invoice(
        "INV-2026-0001",
        [("Tuition", TUITION, 1), ("Hostel", HOSTEL, 2), ("Library", LIBRARY, 3)],
        student_number="S2026-0042",
        email="asha.verma@example.edu",
    )


@pytest.fixture
def paid(desk, invoice) -> str:
    """₹61,000.00 paid on a ₹1,61,000.00 invoice at Desk 1 by Priya Nair: its receipt number."""
    with desk.ledger.begin() as s:
        return pay(s, invoice, 6_100_000, staff_user_id=desk.cashier_id)


def pdf_text(path: Path) -> str:
    """What `pdftotext` extracts (poppler), whitespace collapsed."""
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return " ".join(out.split())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """What the loopback SMTP server received, with a wait on a condition."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.cond = threading.Condition()
        self.refuse: int | None = None  # reply this code to RCPT when set

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return f"{self.refuse} 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(
            envelope.original_content or envelope.content, policy=policy.default
        )
        with self.cond:
            self.messages.append((list(envelope.rcpt_tos), msg))
            self.cond.notify_all()
        return "250 Message accepted"

    def wait_for(self, count: int, timeout: float = 10) -> list[tuple[list[str], EmailMessage]]:
        with self.cond:
            assert self.cond.wait_for(lambda: len(self.messages) >= count, timeout), (
                f"expected {count} message(s), got {len(self.messages)}"
            )
            return list(self.messages)


class SmtpServer:
    def __init__(self, port: int, auth: dict[str, str] | None = None) -> None:
        self.port = port
        self.inbox = Inbox()
        self.auth = auth
        self.controller = None

    def start(self) -> SmtpServer:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        kwargs = {}
        if self.auth is not None:

            def authenticator(server, session, envelope, mechanism, auth_data):
                ok = (auth_data.login.decode(), auth_data.password.decode()) in self.auth.items()
                return AuthResult(success=ok, handled=False)

            kwargs = {
                "authenticator": authenticator,
                "auth_require_tls": False,
                "auth_required": False,
            }
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **kwargs)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_factory() -> Iterator[Callable[..., SmtpServer]]:
    servers: list[SmtpServer] = []

    def make(
        port: int | None = None, auth: dict[str, str] | None = None, start: bool = True
    ) -> SmtpServer:
        server = SmtpServer(port or free_port(), auth)
        servers.append(server)
        return server.start() if start else server

    yield make
    for server in servers:
        server.stop()


def use_smtp(ctx, port: int, user: str = "") -> None:
    ctx.settings.set("smtp.host", "127.0.0.1")
    ctx.settings.set("smtp.port", port)
    ctx.settings.set("smtp.security", "none")
    ctx.settings.set("smtp.user", user)
    ctx.settings.set("smtp.sender", "bursar@demo.example.edu")

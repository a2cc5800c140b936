"""Receipt fixtures: money in the ledger, a real SMTP server on loopback, PDF text."""

from __future__ import annotations

import shutil
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
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not installed: apt-get install poppler-utils (CI installs it)")
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
    def __init__(
        self, port: int, auth: dict[str, str] | None = None, tls: tuple[str, Path] | None = None
    ) -> None:
        self.port = port
        self.inbox = Inbox()
        self.auth = auth
        self.tls = tls  # ("starttls" | "ssl", folder with cert.pem and key.pem)
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
        if self.tls is not None:
            import ssl

            mode, folder = self.tls
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
            if mode == "ssl":
                kwargs["ssl_context"] = context
            else:
                kwargs.update(tls_context=context, require_starttls=True)
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
        port: int | None = None,
        auth: dict[str, str] | None = None,
        start: bool = True,
        tls: tuple[str, Path] | None = None,
    ) -> SmtpServer:
        server = SmtpServer(port or free_port(), auth, tls)
        servers.append(server)
        return server.start() if start else server

    yield make
    for server in servers:
        server.stop()


def self_signed(folder: Path) -> Path:
    """A certificate for 127.0.0.1 (cert.pem, key.pem) that clients trust via SSL_CERT_FILE."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return folder


def use_smtp(ctx, port: int, user: str = "", security: str = "none") -> None:
    ctx.settings.set("smtp.host", "127.0.0.1")
    ctx.settings.set("smtp.port", port)
    ctx.settings.set("smtp.security", security)
    ctx.settings.set("smtp.user", user)
    ctx.settings.set("smtp.sender", "bursar@demo.example.edu")

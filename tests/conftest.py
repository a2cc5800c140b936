"""Shared fixtures: a fresh ledger per test (SQLite), PostgreSQL when reachable, a desk home."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import stripe

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
stripe.enable_telemetry = False

PG_ENV = "FEE_KIOSK_TEST_PG"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's real home, keyring or Stripe settings."""
    for name in (
        "FEE_KIOSK_HOME",
        "FEE_KIOSK_DB",
        "STRIPE_SECRET_KEY",
        "STRIPE_WEBHOOK_SECRET",
        "FEE_KIOSK_RELAY_TOKEN",
        "FEE_KIOSK_SMTP_PASSWORD",
        "STRIPE_API_BASE",
        "FEE_KIOSK_RELAY_URL",
        "FEE_KIOSK_RECEIPT_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    import keyring

    from kiosk.memory_keyring import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())


@pytest.fixture(autouse=True)
def _gc_on_the_gui_thread(request: pytest.FixtureRequest) -> None:
    """As soon as a test uses Qt, garbage is collected on the GUI thread only, as in the
    desk (ui.gc_on_gui_thread). Otherwise a worker thread of a later test (a sandbox's
    webhook sender, say) can run a collection that frees an earlier test's Qt object off
    the GUI thread, and the process crashes some time after."""
    if "qtbot" not in request.fixturenames:
        return
    from ui import gc_on_gui_thread

    gc_on_gui_thread.install(request.getfixturevalue("qapp"))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "home"
    h.mkdir()
    return h


@pytest.fixture
def ctx(home: Path):
    from kiosk.context import Context

    c = Context(home)
    yield c
    if "ledger" in c.__dict__:
        c.ledger.close()


@pytest.fixture
def ledger(ctx):
    return ctx.ledger


def _pg_admin_url() -> str | None:
    return os.environ.get(PG_ENV)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test; skipped with the reason when none."""
    admin = _pg_admin_url()
    if not admin:
        pytest.skip(f"PostgreSQL not configured: set {PG_ENV} (CI starts one)")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    try:
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        name = f"kiosk_test_{uuid.uuid4().hex[:12]}"
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # unreachable server: skip, saying why
        pytest.skip(f"PostgreSQL at {PG_ENV} unreachable: {type(exc).__name__}")
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def add_invoice(
    ledger,
    number: str,
    components=None,
    *,
    currency: str = "INR",
    due: date | None = None,
    student_number: str = "S0000001",
    email: str = "student@example.com",
    name: str = "Asha Verma",
) -> int:
    """A student and an invoice with its components [(name, amount, priority), ...]."""
    from kiosk.ledger.models import FeeComponent, Invoice, Student

    components = components or [("Tuition", 5_000_000, 1), ("Hostel", 1_100_000, 2)]
    with ledger.begin() as s:
        st = Student(number=student_number, name=name, email=email, search_text=name.lower())
        s.add(st)
        s.flush()
        inv = Invoice(
            number=number,
            student_id=st.id,
            currency=currency,
            issue_date=date.today(),
            due_date=due or date.today() + timedelta(30),
        )
        inv.components = [
            FeeComponent(name=n, amount=a, priority=p, position=i)
            for i, (n, a, p) in enumerate(components)
        ]
        s.add(inv)
        s.flush()
        return inv.id


def desk_contexts(url: str, tmp_path: Path, count: int = 2) -> list:
    """`count` desks ("Desk 1", "Desk 2", ...), each with its own home and engine on `url`."""
    from kiosk.context import Context

    out = []
    for n in range(1, count + 1):
        home = tmp_path / f"desk{n}"
        home.mkdir()
        ctx = Context(home, url)
        ctx.settings.set("desk.name", f"Desk {n}")
        out.append(ctx)
    return out


def make_staff(ledger, *people: tuple[str, str]) -> tuple:
    """Users [(username, role), ...], each with the password "correct horse battery"."""
    from kiosk.ledger.users import create_user

    with ledger.begin() as s:
        return tuple(create_user(s, name, "correct horse battery", role) for name, role in people)


@pytest.fixture
def make_invoice(ledger):
    """Create a student and an invoice: make_invoice("INV-1", [("Tuition", 5000000, 1), ...])."""
    counter = iter(range(1, 10**6))

    def make(number: str = "INV-T-0001", components=None, **kwargs) -> int:
        kwargs.setdefault("student_number", f"S{next(counter):07d}")
        if kwargs["student_number"] is None:
            kwargs["student_number"] = f"S{next(counter):07d}"
        return add_invoice(ledger, number, components, **kwargs)

    return make


# --- the Stripe contract: every object the sandbox hands the suite ------------------------
class _Recorder:
    """JSON bodies the sandbox answered (and webhook events it sent) during this run."""

    def __init__(self) -> None:
        self.bodies: list[tuple[str, bytes]] = []

    def install(self) -> None:
        from kiosk.sandbox.api import Api
        from kiosk.sandbox.engine import Sandbox

        handle, deliver, recorder = Api._handle, Sandbox._deliver, self

        def recording_handle(api, scope, headers, body, request_id):  # type: ignore[no-untyped-def]
            status, payload, extra = handle(api, scope, headers, body, request_id)
            if not getattr(api, "contract_exempt", False):  # a test's deliberately wrong sandbox
                recorder.bodies.append((f"{scope['method']} {scope['path']} → {status}", payload))
            return status, payload, extra

        def recording_deliver(sb, event, endpoints):  # type: ignore[no-untyped-def]
            import json

            recorder.bodies.append((f"webhook {event['type']}", json.dumps(event).encode()))
            return deliver(sb, event, endpoints)

        Api._handle = recording_handle  # type: ignore[method-assign]
        Sandbox._deliver = recording_deliver  # type: ignore[method-assign]

    def problems(self) -> list[str]:
        import json

        from tests.stripe_contract import check, check_error

        found: list[str] = []
        for where, payload in self.bodies:
            body = json.loads(payload)
            issues = check_error(body["error"]) if "error" in body else check(body)
            found.extend(f"{where}: {issue}" for issue in issues)
        return found


CONTRACT = _Recorder()


def pytest_sessionstart(session: pytest.Session) -> None:
    CONTRACT.install()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if any sandbox answer broke the installed stripe package's contract."""
    problems = sorted(set(CONTRACT.problems()))
    if not problems:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.section("Stripe contract (tests/stripe_contract.py)", red=True)
        for line in problems[:200]:
            reporter.write_line(line)
        reporter.write_line(f"{len(problems)} contract problem(s) in sandbox answers")
    session.exitstatus = pytest.ExitCode.TESTS_FAILED

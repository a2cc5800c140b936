"""UI fixtures: a desk on a small demo ledger, and the whole demo wiring (sandbox + relay on
loopback) shared by the payment tests of a session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date

import pytest


@pytest.fixture(autouse=True)
def _short_long_polls(monkeypatch):
    """Relay long-polls of a second, so a closed window's sync thread ends promptly."""
    from ui.sync_controller import SyncController

    monkeypatch.setattr(SyncController, "default_wait", 1.0)


@pytest.fixture
def desk_ctx(ctx):
    """A desk home with a small demo ledger (the two demo users included)."""
    from kiosk.ledger.demo_data import load_demo_data

    load_demo_data(ctx.ledger, students=20)
    return ctx


@pytest.fixture
def cashier(desk_ctx):
    from kiosk.ledger.users import authenticate

    with desk_ctx.ledger.begin() as s:
        return authenticate(s, "cashier@example.com", "cashierpass123")


def started_window(qtbot, ctx, show: bool = True):
    """A main window for `ctx`, shown (unless not `show`) and started: its list is ready."""
    from ui.app import create_app
    from ui.main_window import MainWindow

    create_app(ctx)
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    if show:
        win.show()
    with qtbot.waitSignal(win.list_ready, timeout=10_000):
        win.start()
    return win


@pytest.fixture
def window(qtbot, desk_ctx):
    """The main window, started but not signed in."""
    win = started_window(qtbot, desk_ctx)
    yield win
    win.close()


@pytest.fixture(scope="session")
def demo_servers(tmp_path_factory) -> Iterator[object]:
    """One sandbox and relay and a demo ledger for the session (start-up takes seconds)."""
    from kiosk.demo import start_demo

    saved = dict(os.environ)
    demo = start_demo(
        tmp_path_factory.mktemp("demo-home"), lan=False, students=120, memory_keyring=False
    )
    os.environ.clear()
    os.environ.update(saved)
    yield demo
    demo.stop()


@pytest.fixture
def demo(demo_servers, monkeypatch):
    """The demo's environment applied for this test (the autouse isolation removes it)."""
    for name, value in demo_servers.env.items():
        monkeypatch.setenv(name, value)
    from ui import payment_flow

    payment_flow.forget_gateway(demo_servers.ctx)
    return demo_servers


_used: set[str] = set()


def fresh_invoice(ctx) -> str:
    """An unpaid invoice no earlier test in this session has used."""
    from kiosk.ledger.search import search_invoices

    with ctx.ledger.begin() as s:
        rows = search_invoices(s, "", status="open", limit=500, today=date.today())
    for row in rows:
        if row.number not in _used and row.balance > 0 and row.currency == "INR":
            _used.add(row.number)
            return row.number
    raise AssertionError("the demo ledger ran out of open invoices")


@pytest.fixture
def demo_window(qtbot, demo):
    """The main window on the demo ledger, signed in as the demo cashier."""
    from ui.app import create_app
    from ui.main_window import MainWindow
    from ui.staff import sign_in

    create_app(demo.ctx)
    win = MainWindow(demo.ctx)
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(win.list_ready, timeout=10_000):
        win.start()
    win.sign_in_as(sign_in(demo.ctx, *demo.cashier))
    qtbot.waitUntil(lambda: win.poller is not None, timeout=10_000)
    yield win
    win.close()


def select_invoice(qtbot, win, number: str) -> None:
    """Search for `number` and wait until its detail is loaded."""
    win.invoices.search.setText(number)
    qtbot.waitUntil(
        lambda: win.detail.detail is not None and win.detail.detail.row.number == number,
        timeout=10_000,
    )


# The offscreen platform warns that it cannot propagate size hints; that is the test
# platform talking, not the desk.
QT_PLATFORM_NOISE = (r"This plugin does not support propagateSizeHints\(\)",)


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if "tests/ui/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.qt_log_ignore(*QT_PLATFORM_NOISE))

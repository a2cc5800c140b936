"""The status bar follows the relay sync: connected, offline since HH:MM, connected again."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_sync_goes_offline_and_comes_back(qtbot, desk_ctx, monkeypatch, tmp_path):
    from kiosk.demo import free_port
    from kiosk.relay.embedded import start_relay
    from kiosk.sync.state import SyncStatus
    from ui.app import create_app
    from ui.main_window import MainWindow

    port = free_port()
    db = f"sqlite:///{tmp_path / 'relay.db'}"
    secret = "whsec_" + "a" * 32
    relay = start_relay(db, [secret], ["desk-1"], port=port)
    monkeypatch.setenv("FEE_KIOSK_RELAY_URL", relay.url)
    monkeypatch.setenv("FEE_KIOSK_RELAY_TOKEN", relay.tokens["desk-1"])
    create_app(desk_ctx)
    win = MainWindow(desk_ctx)
    qtbot.addWidget(win)
    states: list[SyncStatus] = []
    win.sync.state_changed.connect(lambda st: states.append(st.status))
    win.show()
    win.start()
    try:
        qtbot.waitUntil(lambda: win.status.sync.text() == "Relay connected", timeout=10_000)
        relay.stop()
        qtbot.waitUntil(lambda: "offline since" in win.status.sync.text(), timeout=15_000)
        assert SyncStatus.OFFLINE in states
        relay = start_relay(db, [secret], port=port)
        qtbot.waitUntil(lambda: win.status.sync.text() == "Relay connected", timeout=30_000)
        # (the recording slot may run before or after the label's: wait for it, too)
        qtbot.waitUntil(
            lambda: SyncStatus.CONNECTED in states[states.index(SyncStatus.OFFLINE) :],
            timeout=5_000,
        )
    finally:
        win.close()
        relay.stop()


def test_an_unexpected_sync_error_is_shown_then_clears(qtbot, desk_ctx, monkeypatch, tmp_path):
    """Issue 16, defect 3: a locked ledger used to end the sync thread while the status bar
    kept saying "Relay connected"."""
    import sqlite3

    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError

    from kiosk.demo import free_port
    from kiosk.relay.embedded import start_relay
    from kiosk.sync.loop import Backoff
    from kiosk.sync.state import SyncStatus
    from ui.app import create_app
    from ui.main_window import MainWindow

    relay = start_relay(
        f"sqlite:///{tmp_path / 'relay.db'}", ["whsec_" + "b" * 32], ["desk-1"], port=free_port()
    )
    monkeypatch.setenv("FEE_KIOSK_RELAY_URL", relay.url)
    monkeypatch.setenv("FEE_KIOSK_RELAY_TOKEN", relay.tokens["desk-1"])
    locks = {"left": 0}

    def locked(conn, cursor, statement, *args):
        if "sync_cursors" in statement and locks["left"] > 0:
            locks["left"] -= 1
            raise OperationalError(statement, {}, sqlite3.OperationalError("database is locked"))

    create_app(desk_ctx)
    win = MainWindow(desk_ctx)
    qtbot.addWidget(win)
    states: list[SyncStatus] = []
    win.sync.state_changed.connect(lambda st: states.append(st.status))
    win.show()
    win.start()
    event.listen(desk_ctx.ledger.engine, "before_cursor_execute", locked)
    try:
        qtbot.waitUntil(lambda: win.status.sync.text() == "Relay connected", timeout=10_000)
        win.sync.loop.error_backoff = Backoff(base=0.2, cap=0.5)
        locks["left"] = 3
        qtbot.waitUntil(lambda: "database is locked" in win.status.sync.text(), timeout=15_000)
        assert "error" in win.status.sync.text().lower()
        assert win.status.sync.objectName() == "syncError"
        qtbot.waitUntil(lambda: win.status.sync.text() == "Relay connected", timeout=15_000)
        assert win.status.sync.objectName() == ""
        assert locks["left"] == 0 and SyncStatus.ERROR in states
        assert win.sync._thread is not None and win.sync._thread.is_alive()
    finally:
        event.remove(desk_ctx.ledger.engine, "before_cursor_execute", locked)
        win.close()
        relay.stop()


def test_a_sync_that_cannot_start_says_why(qtbot, desk_ctx, monkeypatch):
    """A relay URL without a token: the thread ends at once; the bar must not keep saying
    "connecting…" (the `stopped` signal alone reached nothing)."""
    from ui.app import create_app
    from ui.main_window import MainWindow

    monkeypatch.setenv("FEE_KIOSK_RELAY_URL", "http://127.0.0.1:9")
    create_app(desk_ctx)
    win = MainWindow(desk_ctx)
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(win.sync.stopped, timeout=10_000):
        win.start()
    qtbot.waitUntil(lambda: "no relay token" in win.status.sync.text(), timeout=5_000)
    assert win.status.sync.text().startswith("Relay sync error")
    win.close()

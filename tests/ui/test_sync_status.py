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

"""Settings → Save through the menu restarts what the changed settings feed: the Stripe
poller and mode, and the relay sync (issue 14: Save raised AttributeError in a slot)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox

CLOSED_PORT = "http://127.0.0.1:9"  # refused at once: nothing leaves the machine


def _save_through_dialog(qtbot, monkeypatch, window, supervisor, fill) -> None:
    """Menu → Settings…, the real dialog filled by `fill` and saved with its Save button."""
    from PySide6.QtCore import Qt

    from ui.settings_dialog import SettingsDialog
    from ui.supervisor_dialog import SupervisorDialog

    monkeypatch.setattr(SupervisorDialog, "ask", classmethod(lambda cls, *a, **k: supervisor))

    def ask(cls, parent, ctx, sup) -> list[str]:  # SettingsDialog.ask without exec()
        dlg = cls(parent, ctx, sup)
        qtbot.addWidget(dlg)
        qtbot.waitUntil(dlg.isEnabled, timeout=5000)
        fill(dlg)
        with qtbot.waitSignal(dlg.accepted, timeout=5000):
            save = dlg.buttons.button(QDialogButtonBox.StandardButton.Save)
            qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
        return dlg.saved_keys

    monkeypatch.setattr(SettingsDialog, "ask", classmethod(ask))
    window.actions_.settings_action.trigger()  # a Qt slot: an exception fails the test


def _supervisor(ctx):
    from kiosk.ledger.users import authenticate

    with ctx.ledger.begin() as s:
        return authenticate(s, "admin@example.com", "adminpass123")


def test_save_restarts_the_poller_mode_and_sync(qtbot, monkeypatch, window, cashier):
    window.sign_in_as(cashier)
    qtbot.waitUntil(lambda: window._services_started, timeout=10_000)
    qtbot.waitUntil(lambda: window.status.mode.text().strip() == "NO STRIPE KEY", timeout=10_000)
    assert window.poller is None and window.sync._thread is None

    def stripe_and_relay(dlg) -> None:
        dlg.stripe_key.setText("sk_test_51SettingsRestart0000abcd")
        dlg.fields["stripe.api_base"].setText(CLOSED_PORT)
        dlg.fields["relay.url"].setText(CLOSED_PORT)
        dlg.relay_token.setText("fkr_desk_token_1234567890")

    _save_through_dialog(qtbot, monkeypatch, window, _supervisor(window.ctx), stripe_and_relay)
    qtbot.waitUntil(lambda: window.poller is not None, timeout=10_000)
    assert window.poller.gateway.api_base.rstrip("/") == CLOSED_PORT
    qtbot.waitUntil(lambda: window.status.mode.text().strip() == "TEST", timeout=10_000)
    assert window.banner.isVisibleTo(window)
    first_sync = window.sync._thread
    assert first_sync is not None and first_sync.is_alive()
    assert "not configured" not in window.status.sync.text()

    # A new relay token restarts the sync, not the poller.
    poller = window.poller
    _save_through_dialog(
        qtbot,
        monkeypatch,
        window,
        _supervisor(window.ctx),
        lambda dlg: dlg.relay_token.setText("fkr_desk_token_0987654321"),
    )
    qtbot.waitUntil(lambda: window.sync._thread is not first_sync, timeout=5000)
    assert window.sync._thread is not None and window.sync._thread.is_alive()
    qtbot.waitUntil(lambda: not first_sync.is_alive(), timeout=5000)
    assert window.poller is poller

    # A new Stripe key: a new poller with it, the old one stopped.
    _save_through_dialog(
        qtbot,
        monkeypatch,
        window,
        _supervisor(window.ctx),
        lambda dlg: dlg.stripe_key.setText("sk_test_51SettingsRestart1111wxyz"),
    )
    qtbot.waitUntil(
        lambda: window.poller is not None and window.poller is not poller, timeout=10_000
    )
    assert window.poller.gateway is not poller.gateway  # made again, with the new key
    qtbot.waitUntil(lambda: not poller._thread.is_alive(), timeout=5000)

"""Keyboard shortcuts: Refund, Reprint, the summary and Settings, and Ctrl+L from any
dialog (which closes first: nothing of a student's stays over the lock)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialog, QLineEdit, QVBoxLayout
from pytestqt.qtbot import QtBot


def test_shortcuts_reach_their_actions_only_when_signed_in(
    qtbot: QtBot, window, cashier, monkeypatch
):
    called: list[str] = []
    monkeypatch.setattr(window.actions_, "summary", lambda: called.append("summary"))
    monkeypatch.setattr(window.actions_, "settings", lambda: called.append("settings"))
    window._shortcuts()  # rebuilt on the patched actions
    for sc in (window.shortcut_summary, window.shortcut_settings):
        sc.activated.emit()
    assert called == []  # nobody signed in: the shortcuts do nothing
    window.sign_in_as(cashier)
    assert window.shortcut_summary.key().toString() == "Ctrl+D"
    assert window.shortcut_settings.key().toString() == "Ctrl+,"
    assert window.shortcut_refund.key().toString() == "Ctrl+R"
    assert window.shortcut_reprint.key().toString() == "Ctrl+Shift+P"
    window.shortcut_summary.activated.emit()
    window.shortcut_settings.activated.emit()
    assert called == ["summary", "settings"]


def test_ctrl_l_locks_from_a_dialog_and_closes_it(qtbot: QtBot, window, cashier):
    window.sign_in_as(cashier)
    dialog = QDialog(window)
    field = QLineEdit(dialog)
    QVBoxLayout(dialog).addWidget(field)
    results: list[int] = []
    dialog.finished.connect(results.append)
    dialog.open()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    field.setFocus()
    assert window.shortcut_lock.context() == Qt.ShortcutContext.ApplicationShortcut
    QTimer.singleShot(0, window.shortcut_lock.activated.emit)  # what Ctrl+L in the dialog does
    qtbot.waitUntil(lambda: window.is_locked, timeout=5_000)
    assert results == [QDialog.DialogCode.Rejected] and not dialog.isVisible()


def test_disabled_refund_and_reprint_say_why(qtbot: QtBot, window, cashier):
    window.sign_in_as(cashier)
    qtbot.waitUntil(lambda: window.detail.detail is not None, timeout=10_000)
    detail = window.detail
    detail.payments.setCurrentItem(None)
    detail.receipts.setCurrentItem(None)
    detail._update_buttons()
    assert not detail.refund_button.isEnabled() and detail.refund_button.toolTip()
    assert not detail.reprint_button.isEnabled() and detail.reprint_button.toolTip()
    assert "Settings → Email" in detail.email_button.toolTip()

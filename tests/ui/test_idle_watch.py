"""The idle lock sees the cashier's input on any of the desk's windows, and costs the GUI
thread nothing for the events Qt sends between widgets (polish, layout, paint)."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QLineEdit, QVBoxLayout


def _type_for(qtbot, window, seconds: float) -> None:
    """Keys through the platform's path (the QWindow), as a real keyboard's arrive."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QTest.keyClick(window, Qt.Key.Key_Shift)
        qtbot.wait(60)


def test_keys_on_the_main_window_keep_the_desk_unlocked(qtbot, window, cashier):
    window.sign_in_as(cashier)
    window.idle.set_timeout(300)
    _type_for(qtbot, window.windowHandle(), 0.9)
    assert not window.is_locked
    with qtbot.waitSignal(window.locked, timeout=3_000):
        pass  # no more keys: it locks


def test_keys_in_a_dialog_opened_later_keep_the_desk_unlocked(qtbot, window, cashier):
    window.sign_in_as(cashier)
    dlg = QDialog(window)
    QVBoxLayout(dlg).addWidget(QLineEdit())
    dlg.show()
    qtbot.waitUntil(lambda: dlg.windowHandle() is not None)
    window.idle.watch_windows()  # what the sweep (or the dialog taking the focus) does
    window.idle.set_timeout(300)
    _type_for(qtbot, dlg.windowHandle(), 0.9)
    assert not window.is_locked
    dlg.reject()


def test_widget_events_do_not_reach_the_idle_filter(qtbot, window):
    from ui.idle import IdleWatcher

    seen: list[int] = []

    class Counting(IdleWatcher):
        def eventFilter(self, watched, event):
            seen.append(1)
            return super().eventFilter(watched, event)

    watcher = Counting(window)
    watcher.set_timeout(60_000)
    watcher.arm()
    dlg = QDialog(window)
    lay = QVBoxLayout(dlg)
    for _ in range(40):
        lay.addWidget(QLineEdit())
    dlg.show()
    qtbot.wait(50)
    # Building and painting 40 fields is hundreds of widget events; the windows' own
    # (expose, resize, activation) are a handful.
    assert len(seen) < 40
    dlg.reject()
    watcher.disarm()

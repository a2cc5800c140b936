"""Locks the desk after a stretch with no keyboard, mouse or touch input.

A screen the student is still using (the QR of a live payment) holds the lock off: the
time running out is noted, and the desk locks when the last hold is released, unless
someone touched the desk in between (then the full stretch starts again).

Input is watched on the desk's windows (QWindow), where the platform delivers every key,
click and touch before Qt hands it to a widget, and not with an application-wide event
filter: that one ran Python for every event of every widget (child added, polish,
layout, paint...), 2,400 events and 9 ms of GUI thread to open the payment dialog alone,
a third of the time it took. A window sees a few events a frame. New windows (dialogs,
popups) are picked up when they take the focus, and by a sweep every second."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal, Slot
from PySide6.QtGui import QGuiApplication, QWindow

_INPUT = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
    QEvent.Type.TouchUpdate,
}
SWEEP_MS = 1_000  # how soon a window that never took the focus is watched too


class IdleWatcher(QObject):
    idled = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.on_timer_timeout)
        self._holders: set[int] = set()
        self._due = False
        self._sweep = QTimer(self)
        self._sweep.setInterval(SWEEP_MS)
        self._sweep.timeout.connect(self.watch_windows)
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.focusWindowChanged.connect(self._watch)

    @Slot()
    def watch_windows(self) -> None:
        """Watch every top-level window of the desk (installing twice is harmless)."""
        for window in QGuiApplication.topLevelWindows():
            window.installEventFilter(self)

    @Slot(QWindow)
    def _watch(self, window: QWindow | None) -> None:
        if window is not None:
            window.installEventFilter(self)

    def set_timeout(self, ms: int) -> None:
        self._timer.setInterval(max(int(ms), 1))
        if self._timer.isActive():
            self._timer.start()

    def set_minutes(self, minutes: float) -> None:
        self.set_timeout(int(minutes * 60_000))

    def arm(self) -> None:
        self.watch_windows()
        self._sweep.start()
        self._timer.start()

    def disarm(self) -> None:
        self._timer.stop()
        self._sweep.stop()
        self._due = False

    def hold(self, holder: object) -> None:
        """Keep the lock off while `holder` shows something the student still needs."""
        self._holders.add(id(holder))

    def release(self, holder: object) -> None:
        """Drop `holder`'s hold; if the idle time ran out meanwhile, lock now."""
        self._holders.discard(id(holder))
        if self._due and not self._holders:
            self._due = False
            self.idled.emit()

    @property
    def held(self) -> bool:
        return bool(self._holders)

    @property
    def due(self) -> bool:
        """The idle time ran out while held: the lock waits for the release."""
        return self._due

    @property
    def armed(self) -> bool:
        return self._timer.isActive()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT and (self._timer.isActive() or self._due):
            self._due = False
            self._timer.start()
        return False

    @Slot()
    def on_timer_timeout(self) -> None:
        if self._holders:
            self._due = True
            return
        self.idled.emit()

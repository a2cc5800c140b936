"""Locks the desk after a stretch with no keyboard, mouse or touch input."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QApplication

_INPUT = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
    QEvent.Type.TouchUpdate,
}


class IdleWatcher(QObject):
    idled = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.on_timer_timeout)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def set_timeout(self, ms: int) -> None:
        self._timer.setInterval(max(int(ms), 1))
        if self._timer.isActive():
            self._timer.start()

    def set_minutes(self, minutes: float) -> None:
        self.set_timeout(int(minutes * 60_000))

    def arm(self) -> None:
        self._timer.start()

    def disarm(self) -> None:
        self._timer.stop()

    @property
    def armed(self) -> bool:
        return self._timer.isActive()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT and self._timer.isActive():
            self._timer.start()
        return False

    @Slot()
    def on_timer_timeout(self) -> None:
        self.idled.emit()

"""Garbage collection on the GUI thread only.

Python's cyclic collector runs in whichever thread happens to allocate when a threshold is
crossed. If that is a worker and the cycle holds a Qt object (a closed dialog, a slot's
lambda), the object is destroyed off the GUI thread and Qt crashes the process. So the
desk turns automatic collection off and collects on the GUI thread from a timer: the
young generation often (cheap), everything now and then (as Anki does).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

YOUNG_EVERY_MS = 1_000
FULL_EVERY = 60  # young collections between full ones


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._ticks = 0
        self._timer = QTimer(self)
        self._timer.setInterval(YOUNG_EVERY_MS)
        self._timer.timeout.connect(self.on_timer_timeout)
        gc.disable()
        self._timer.start()

    def on_timer_timeout(self) -> None:
        self._ticks += 1
        gc.collect(2 if self._ticks % FULL_EVERY == 0 else 0)


def install(app: QObject) -> None:
    """Once per application: collection moves to the GUI thread for the process's life."""
    if app.findChild(GuiThreadCollector) is None:
        GuiThreadCollector(app)

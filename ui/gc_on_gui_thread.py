"""Garbage collection on the GUI thread only, in small steps.

Python's cyclic collector runs in whichever thread happens to allocate when a threshold is
crossed. If that is a worker and the cycle holds a Qt object (a closed dialog, a slot's
lambda), the object is destroyed off the GUI thread and Qt crashes the process. So the
desk turns automatic collection off and collects on the GUI thread from a timer (as Anki
does).

The steps are kept small, because a collection is a GUI-thread stall: the timer looks
every 25 ms and collects the young generation once a few thousand objects have piled up
(and at least once a second)
(collecting once a second let the workers' allocations pile up into 30 ms stalls during
a payment); the middle generation every tenth time; everything rarely. What the desk
built at start-up (modules, the window) is frozen out of the collector (`gc.freeze`), so
a full collection walks only what came after. The same goes for what later imports build
(the payment screens and Stripe load on workers after start-up): when `sys.modules` has
grown since the last middle collection, the survivors are frozen instead of walked (a
middle collection over a fresh import's 30,000 objects was a 7-24 ms stall during the
first payment). That freezes the garbage of those few moments too: a bounded leak, once
per import, never per payment.
"""

from __future__ import annotations

import gc
import sys

from PySide6.QtCore import QObject, QTimer

TICK_MS = 25
YOUNG_AT = 2_000  # objects allocated (net) since the last collection; Python's own is 700
AT_LEAST_EVERY = 40  # ticks (1 s): a young collection even when few objects piled up
MIDDLE_EVERY = 10  # young collections between middle ones
FULL_EVERY = 2_000  # young collections between full ones (minutes apart when busy)


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.young = 0
        self.freezes = 0
        self._modules = len(sys.modules)
        self._quiet_ticks = 0
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.on_timer_timeout)
        gc.disable()
        gc.freeze()  # start-up's objects live as long as the desk: never walk them again
        self._timer.start()

    def on_timer_timeout(self) -> None:
        self._quiet_ticks += 1
        count = gc.get_count()[0]
        if count < YOUNG_AT and not (count and self._quiet_ticks >= AT_LEAST_EVERY):
            return
        self._quiet_ticks = 0
        self.young += 1
        if self.young % FULL_EVERY == 0:
            gc.collect(2)
        elif self.young % MIDDLE_EVERY == 0:
            self._middle()
        else:
            gc.collect(0)

    def _middle(self) -> None:
        modules = len(sys.modules)
        if modules == self._modules:
            gc.collect(1)
            return
        self._modules = modules  # something was imported: its objects live for good
        self.freezes += 1
        gc.collect(0)  # the young garbage first, then the survivors out of the walk
        gc.freeze()


def install(app: QObject) -> None:
    """Once per application: collection moves to the GUI thread for the process's life."""
    if app.findChild(GuiThreadCollector) is None:
        GuiThreadCollector(app)

"""The next payment's dialog, built ahead in the desk's quiet moments.

Building the payment dialog (three pages, the counter's tender fields, a PDF view), then
polishing and painting it the first time, took 15-25 ms of GUI thread when the cashier
pressed Take payment: the desk froze for a frame or two each time. So the desk builds the
next one ahead, a part per event-loop turn (a few ms each), once the payment screens are
imported and again a while after each payment. Take payment then only binds it to the
invoice (the student, the balance, today's date) and shows it.

A spare is used once and never shown before: nothing typed for one student can appear
for the next. One built under other settings (locale, tenders, theme) is not
used: Take payment builds the dialog on the spot then, as it always did.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QObject, QTimer, Slot

if TYPE_CHECKING:
    from ui.payment_dialog import PaymentDialog

REBUILD_MS = 2_000  # after a payment: once the receipt, the list and the pane have settled


class PaymentSpare(QObject):
    def __init__(self, win) -> None:
        super().__init__(win)
        self.win = win
        self._dialog: PaymentDialog | None = None
        self._steps: Iterator[None] | None = None
        self._wanted = False  # prepared once: the payment screens are imported
        self._built_for: tuple = ()  # the settings the spare was built under
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._step)

    @property
    def ready(self) -> bool:
        """A spare is built through and waiting."""
        return self._dialog is not None and self._steps is None

    def prepare(self, delay_ms: int = 0) -> None:
        """Build a spare, a part per turn of the event loop, starting in `delay_ms` (unless
        one is ready; one on its way goes on at its own pace)."""
        self._wanted = True
        if self._dialog is not None or self._steps is not None:
            return
        self._steps = self._build()
        self._timer.start(delay_ms)

    def renew(self) -> None:
        """Settings changed: the spare (or the one on its way) is dropped and, if the desk
        had one, another is built a while later."""
        self._drop()
        if self._wanted:
            self.prepare(REBUILD_MS)

    def _drop(self) -> None:
        self._timer.stop()
        self._steps = None
        if self._dialog is not None:
            self._dialog.deleteLater()
            self._dialog = None

    def _settings(self) -> tuple:
        from ui import theme

        s = self.win.ctx.settings
        keys = ("desk.locale", "payments.tenders")
        return (theme.current(), *(str(s.get(k)) for k in keys))

    def take(self) -> PaymentDialog:
        """The spare, its parts still missing built now; none is left after."""
        self._timer.stop()
        if self._built_for != self._settings():
            self._drop()
        if self._dialog is None and self._steps is None:
            self._steps = self._build()
        for _ in self._steps or ():
            pass
        self._steps = None
        dialog, self._dialog = self._dialog, None
        assert dialog is not None
        return dialog

    @Slot()
    def _step(self) -> None:
        if self._steps is None:
            return
        try:
            next(self._steps)
        except StopIteration:
            self._steps = None
            return
        self._timer.start(0)

    def _build(self) -> Iterator[None]:
        from ui.payment_dialog import Pages, PaymentDialog, page_parts

        ctx, win = self.win.ctx, self.win
        self._built_for = self._settings()
        parts = []
        for part in page_parts(ctx):
            parts.append(part)
            yield
        pages = cast("Pages", tuple(parts))
        dialog = PaymentDialog(win, ctx, None, win.user, win.events, pages)
        yield
        dialog.ensurePolished()
        layout = dialog.layout()
        if layout is not None:
            layout.activate()
        yield
        # Each page laid out at the dialog's size and painted once, off screen: glyphs,
        # icons and frames are cached. (Not the dialog itself: grabbing a top-level that
        # was never shown took the keyboard focus from the desk's window.)
        for page in pages:
            page.resize(dialog.pages.size())
            page.grab()
            yield
        _warm_status_icons()
        self._dialog = dialog


def _warm_status_icons() -> None:
    """The wait page's status icons, drawn from their SVGs once (3 ms when paid)."""
    from ui import icons
    from ui.payment_wait_widget import LIVE
    from ui.statuses import payment_look

    for status in (*LIVE, "paid", "expired", "cancelled", "failed"):
        icons.icon(payment_look(status).icon).pixmap(30, 30)

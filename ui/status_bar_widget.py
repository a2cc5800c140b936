"""The status bar: relay sync state, the TEST/LIVE badge, the desk and the signed-in user."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from kiosk.clock import desk_zone
from ui import icons


def stripe_mode(key: str | None) -> str:
    """TEST, LIVE or NO KEY, from the key's prefix (never the key itself)."""
    if not key:
        return "NO KEY"
    return "LIVE" if "_live_" in key else "TEST"


class DeskStatusBar(QStatusBar):
    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setSizeGripEnabled(False)
        self.sync_icon = QLabel()
        self.sync = QLabel("Relay not configured")
        self.sync.setAccessibleName("Relay sync state")
        self.mode = QLabel("…")
        self.mode.setAccessibleName("Stripe mode")
        self.desk = QLabel(ctx.desk)
        self.desk.setAccessibleName("Desk")
        self.user = QLabel("Not signed in")
        self.user.setAccessibleName("Signed-in user")
        self.counter = QLabel()
        self.counter.setAccessibleName("Counter session")
        self.counter.hide()
        self.message = QLabel()
        self.message.setAccessibleName("Desk message")
        self.message.hide()
        self._message_timer = QTimer(self)
        self._message_timer.setSingleShot(True)
        self._message_timer.timeout.connect(self.clearMessage)
        self.addWidget(self.sync_icon)
        self.addWidget(self.sync, 1)
        self.addWidget(self.message, 1)
        self.addPermanentWidget(self.counter)
        self.addPermanentWidget(self.desk)
        self.addPermanentWidget(self.user)
        self.addPermanentWidget(self.mode)
        self._set_sync_icon("sync-off")

    def showMessage(self, text: str, timeout: int | None = 0) -> None:
        """A short note in place of the sync state (never drawn over it)."""
        self.message.setText(text)
        self.message.show()
        self.sync.hide()
        if timeout:
            self._message_timer.start(timeout)

    def clearMessage(self) -> None:
        self.message.hide()
        self.message.clear()
        self.sync.show()

    def currentMessage(self) -> str:
        return self.message.text()

    def _set_sync_icon(self, name: str) -> None:
        self.sync_icon.setPixmap(icons.icon(name).pixmap(14, 14))

    def set_mode(self, mode: str) -> None:
        self.mode.setText(f" {mode} " if mode != "NO KEY" else " NO STRIPE KEY ")
        self.mode.setObjectName("liveBadge" if mode == "LIVE" else "testBadge")
        self.mode.setToolTip(
            {
                "TEST": "Stripe test mode: no real money moves.",
                "LIVE": "Stripe LIVE mode: real cards are charged.",
            }.get(mode, "No Stripe key is set: a supervisor can add one in Settings.")
        )
        self.mode.style().unpolish(self.mode)
        self.mode.style().polish(self.mode)

    def set_counter(self, state: dict | None, locale: str) -> None:
        """The open session and the cash the drawer should hold (hidden under blind close)."""
        from kiosk.money import format_money

        if state is None:
            self.counter.setText("Counter closed")
            self.counter.setToolTip("Open the counter (Counter → Open counter…) to take cash.")
        else:
            expected = state.get("expected_cash")
            cash = (
                "count at close (blind)"
                if expected is None
                else f"{format_money(int(expected), str(state['currency']), locale)} in the drawer"
            )
            self.counter.setText(f"{state['session']} · {cash}")
            self.counter.setToolTip(
                f"Counter session {state['session']}, opened by {state['opened_by']}."
            )
        self.counter.show()

    def set_user(self, user) -> None:
        if user is None:
            self.user.setText("Not signed in")
        else:
            role = " (supervisor)" if user.is_supervisor else ""
            self.user.setText(f"{user.display_name}{role}")

    @Slot(object)
    def on_sync_state_changed(self, state) -> None:
        from kiosk.sync.state import SyncStatus

        self.sync.setText(state.describe(desk_zone(self.ctx.settings)))
        name = {
            SyncStatus.CONNECTED: "sync-on",
            SyncStatus.CATCHING_UP: "sync-busy",
            SyncStatus.STARTING: "sync-busy",
        }.get(state.status, "sync-off")
        self._set_sync_icon(name)
        self.sync.setObjectName("syncError" if state.status is SyncStatus.ERROR else "")
        self.sync.style().unpolish(self.sync)
        self.sync.style().polish(self.sync)
        self.sync.setToolTip(state.error or "")
        self.sync.setAlignment(Qt.AlignmentFlag.AlignVCenter)

    def set_sync_unconfigured(self) -> None:
        self.sync.setText("Relay not configured: payments are checked by polling Stripe")
        self._set_sync_icon("sync-off")

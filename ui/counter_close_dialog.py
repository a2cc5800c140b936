"""Close counter: count the drawer by denomination, see the variance in colour and words,
have a supervisor approve any variance with a reason, then the session report to print.

Under counter.blind_close the expected cash stays hidden until the count is submitted."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.ledger.counter_figures import variance_words
from kiosk.money import format_money
from kiosk.receipts import counter_service
from ui.cash_count_widget import CashCountWidget
from ui.errors import sentence
from ui.operations import QueryOp
from ui.session_report_widget import SessionReportWidget


class CounterCloseDialog(QDialog):
    closed = Signal(object)  # the closed session's figures (dict)

    def __init__(self, parent: QWidget | None, ctx, user, state: dict[str, Any]) -> None:
        super().__init__(parent)
        self.ctx, self.user, self.state = ctx, user, state
        self.currency = str(state["currency"])
        self.money_locale = str(ctx.settings.get("desk.locale"))
        self.expected: int | None = state.get("expected_cash")
        self.blind = self.expected is None
        self.setWindowTitle(f"Close counter {state['session']}")
        self.setAccessibleName("Close counter")
        self.resize(620, 760)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._count_page())
        self.report = SessionReportWidget(ctx, self)
        self.report.done.connect(self.accept)
        self.pages.addWidget(self.report)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.pages)
        self.count.changed.connect(self.on_count_changed)
        self.on_count_changed()

    def _money(self, minor: int) -> str:
        return format_money(minor, self.currency, self.money_locale)

    def _count_page(self) -> QWidget:
        page = QWidget()
        s = self.state
        head = QLabel(
            f"<b>{s['session']}</b> at {s['desk']}, opened by {s['opened_by']} with a float of "
            f"{self._money(int(s['float']))}. Count the drawer, note by note."
        )
        head.setWordWrap(True)
        notes = counter_service.desk_notes(self.ctx, self.currency)
        self.count = CashCountWidget(self.currency, notes, self.money_locale)
        self.expected_label = QLabel()
        self.expected_label.setAccessibleName("Expected cash")
        self.variance = QLabel()
        self.variance.setObjectName("variance")
        self.variance.setAccessibleName("Variance")
        figures = QFormLayout()
        figures.addRow("Expected in the drawer", self.expected_label)
        figures.addRow("Variance", self.variance)
        page_lay = QVBoxLayout(page)
        page_lay.setContentsMargins(24, 20, 24, 20)
        page_lay.setSpacing(12)
        page_lay.addWidget(head)
        page_lay.addWidget(self.count)
        page_lay.addLayout(figures)
        page_lay.addWidget(self._approval_box())
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.hide()
        page_lay.addWidget(self.error)
        page_lay.addStretch(1)
        page_lay.addLayout(self._buttons())
        return page

    def _approval_box(self) -> QGroupBox:
        self.approval = QGroupBox("Supervisor approval of the variance")
        self.supervisor = QLineEdit()
        self.supervisor.setAccessibleName("Supervisor username")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Supervisor password")
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason for the variance")
        self.reason.setPlaceholderText("Why the count differs: it goes on the report")
        form = QFormLayout(self.approval)
        form.addRow("Supervisor", self.supervisor)
        form.addRow("Password", self.password)
        form.addRow("Reason", self.reason)
        self.approval.hide()
        return self.approval

    def _buttons(self) -> QHBoxLayout:
        self.close_button = QPushButton("Submit count" if self.blind else "Close counter")
        self.close_button.setProperty("primary", True)
        self.close_button.setAccessibleName("Close the counter")
        cancel = QPushButton("Cancel")
        for button in (cancel, self.close_button):  # Enter moves through the count instead
            button.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        self.close_button.clicked.connect(self.on_close_button_clicked)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(cancel)
        row.addWidget(self.close_button)
        return row

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter after a count goes to the next field, as on a calculator: it never closes
        the counter, or throws the count away, half typed."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not isinstance(
            self.focusWidget(), QPushButton
        ):
            self.focusNextChild()
            return
        super().keyPressEvent(event)

    def variance_minor(self) -> int | None:
        if self.expected is None or self.count.error:
            return None
        return self.count.count().total - self.expected

    @Slot()
    def on_count_changed(self) -> None:
        if self.expected is None:
            self.expected_label.setText("shown after the count (blind close)")
            self.variance.setText("—")
            self.variance.setProperty("state", "")
        else:
            self.expected_label.setText(self._money(self.expected))
            v = self.variance_minor()
            self.variance.setText(
                "—" if v is None else variance_words(v, self.currency, self.money_locale)
            )
            state = "" if v is None else "balanced" if v == 0 else "short" if v < 0 else "over"
            self.variance.setProperty("state", state)
            self.approval.setVisible(bool(v))
        self.variance.style().unpolish(self.variance)
        self.variance.style().polish(self.variance)

    @Slot()
    def on_close_button_clicked(self) -> None:
        if self.count.error:
            self._error(self.count.error)
            return
        if self.expected is None:  # blind: reveal the expected cash now that the count is in
            ctx = self.ctx
            QueryOp(self, lambda _t: counter_service.expected_cash(ctx)).success(
                self._on_expected
            ).run()
            return
        variance = self.variance_minor() or 0
        if variance and not (self.supervisor.text().strip() and self.password.text()):
            self._error("A supervisor must approve the variance: username and password")
            return
        if variance and not self.reason.text().strip():
            self._error("Say why the count differs: it goes on the report")
            return
        self._close(variance)

    def _on_expected(self, expected: int | None) -> None:
        self.expected = expected
        self.close_button.setText("Close counter")
        self.count.setEnabled(False)  # the count stands as submitted
        self.on_count_changed()

    def _close(self, variance: int) -> None:
        from ui.staff import approve

        ctx, user, count = self.ctx, self.user, self.count.count()
        who, pw, reason = self.supervisor.text().strip(), self.password.text(), self.reason.text()
        session = str(self.state["session"])

        def run(_t) -> dict[str, Any]:
            approver = (
                approve(ctx, who, pw, "counter_variance", session, user.username)
                if variance
                else None
            )
            closed = counter_service.close_counter(ctx, count, user, approver, reason)
            closed["report"] = str(counter_service.session_report_file(ctx, session))
            return closed

        self.close_button.setEnabled(False)
        QueryOp(self, run).success(self._on_closed).failure(
            lambda exc: self._error(getattr(exc, "message", str(exc)))
        ).done(lambda: self.close_button.setEnabled(True)).run()

    def _on_closed(self, closed: dict[str, Any]) -> None:
        from pathlib import Path

        self.report.show_report(str(closed["session"]), Path(closed["report"]))
        self.pages.setCurrentWidget(self.report)
        self.setWindowTitle(f"Counter {closed['session']} closed")
        self.closed.emit(closed)

    def _error(self, text: str) -> None:
        self.error.setText(sentence(text))
        self.error.show()
        self.password.clear()

"""End-of-day summary: today's collections by channel and fee component, refunds and the
net amount, with export to CSV and PDF."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk import clock
from kiosk.ledger.day_summary import DaySummary, day_summary, write_csv
from kiosk.receipts.day_summary_pdf import write_pdf
from ui.operations import QueryOp


class SummaryDialog(QDialog):
    loaded = Signal(object)  # DaySummary
    exported = Signal(str)  # path

    def __init__(self, parent: QWidget | None, ctx) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.money_locale = str(ctx.settings.get("desk.locale"))
        self.summary: DaySummary | None = None
        self.setWindowTitle("End-of-day summary")
        self.setAccessibleName("End-of-day summary")
        self.resize(720, 600)
        today = clock.today(clock.desk_zone(ctx.settings))  # the desk's day, not the machine's
        self.day = QDateEdit(QDate(today.year, today.month, today.day))
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("dd MMM yyyy")
        self.day.setAccessibleName("Day")
        self.heading = QLabel("End-of-day summary")
        self.heading.setObjectName("heading")
        self.net = QLabel()
        self.net.setObjectName("bigAmount")
        self.net.setAccessibleName("Net amount")
        self.net_note = QLabel()
        self.net_note.setObjectName("muted")
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["", "Count", "Amount"])
        self.tree.setAccessibleName("The day's figures")
        self.tree.setRootIsDecorated(False)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setStretchLastSection(False)
        self.tree.setColumnWidth(1, 80)
        self.tree.setColumnWidth(2, 170)
        self.csv_button = QPushButton("Export CSV…")
        self.pdf_button = QPushButton("Export PDF…")
        self.close_button = QPushButton("Close")
        self.close_button.setProperty("primary", True)
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(QLabel("Day"))
        top.addWidget(self.day)
        buttons = QHBoxLayout()
        buttons.addWidget(self.csv_button)
        buttons.addWidget(self.pdf_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(22, 18, 22, 18)
        lay.setSpacing(10)
        lay.addLayout(top)
        lay.addWidget(self.net)
        lay.addWidget(self.net_note)
        lay.addWidget(self._tabs(), 1)
        lay.addLayout(buttons)
        self.counter.load()
        self.day.dateChanged.connect(self.on_day_date_changed)
        self.csv_button.clicked.connect(self.on_csv_button_clicked)
        self.pdf_button.clicked.connect(self.on_pdf_button_clicked)
        self.close_button.clicked.connect(self.accept)
        self.load(today)

    def _tabs(self) -> QTabWidget:
        """The day's figures, and the counter session's (the open one at this desk)."""
        from ui.counter_summary_widget import CounterSummaryWidget

        self.counter = CounterSummaryWidget(self.ctx)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.tree, "The day")
        self.tabs.addTab(self.counter, "Counter session")
        return self.tabs

    def load(self, day: date) -> None:
        ctx = self.ctx
        QueryOp(self, lambda _t: day_summary(ctx, day)).success(self._show).run()

    @Slot(QDate)
    def on_day_date_changed(self, qdate: QDate) -> None:
        day = qdate.toPython()
        assert isinstance(day, date)
        self.load(day)

    def _show(self, summary: DaySummary) -> None:
        from kiosk.money import format_money

        self.summary = summary
        self.tree.clear()
        section = None
        for sec, label, cur, count, amount in summary.rows(self.money_locale):
            if sec != section:
                head = QTreeWidgetItem([sec if len(summary.currencies) == 1 else f"{sec} ({cur})"])
                font = head.font(0)
                font.setBold(True)
                head.setFont(0, font)
                head.setFirstColumnSpanned(True)
                self.tree.addTopLevelItem(head)
                section = sec
            item = QTreeWidgetItem(["    " + label, str(count) if count else "", amount])
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if sec == "Total" and label == "Net":
                f = item.font(0)
                f.setBold(True)
                for col in range(3):
                    item.setFont(col, f)
            self.tree.addTopLevelItem(item)
        main = summary.currencies[0]
        self.net.setText(format_money(main.net, main.currency, self.money_locale))
        payments = sum(ln.count for ln in main.by_channel)
        self.net_note.setText(
            f"Net for {summary.day:%d %b %Y} at {summary.desk}: "
            f"{format_money(main.collected, main.currency, self.money_locale)} collected in "
            f"{payments} payment{'s' if payments != 1 else ''}, "
            f"{format_money(main.refunded, main.currency, self.money_locale)} refunded."
        )
        self.loaded.emit(summary)

    def _export(self, kind: str) -> None:
        if self.summary is None:
            return
        from ui.common import FilePicker

        summary, locale = self.summary, self.money_locale
        name = f"summary-{summary.day}.{kind}"
        out = FilePicker.save(
            self, f"Export the summary as {kind.upper()}", name, f"{kind.upper()} files (*.{kind})"
        )
        if out is None:
            return
        institution = str(self.ctx.settings.get("institution.name"))

        def run(_t):
            if kind == "csv":
                return write_csv(summary, out, locale)
            return write_pdf(summary, out, locale, institution)

        def saved(path: Path) -> None:
            self.net_note.setText(f"Saved to {path}")
            self.exported.emit(str(path))

        QueryOp(self, run).with_progress(f"Writing {out.name}…").success(saved).run()

    @Slot()
    def on_csv_button_clicked(self) -> None:
        self._export("csv")

    @Slot()
    def on_pdf_button_clicked(self) -> None:
        self._export("pdf")

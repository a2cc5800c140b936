"""The counter session's summary, the same sections as its report: takings by channel and
method, the drawer, each cheque, draft and transfer, refunds and reversals, fee components,
bounced instruments and the net."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.operations import QueryOp

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def _load(ctx, number: str | None):
    """(number, sections) of `number`, else of this desk's open session; None if neither."""
    from kiosk.receipts.counter_service import blind, counter_state
    from kiosk.receipts.pdf_parts import RenderOptions
    from kiosk.receipts.session_facts import session_report_facts
    from kiosk.receipts.session_sections import report_sections

    if number is None:
        state = counter_state(ctx)
        number = state["session"] if state else None
    if number is None:
        return None
    facts = session_report_facts(ctx, number)
    wording = RenderOptions.from_settings(ctx.settings, "a4").wording
    return number, facts.status, report_sections(facts, wording, blind=blind(ctx))


class CounterSummaryWidget(QWidget):
    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.heading = QLabel("No counter session open at this desk.")
        self.heading.setObjectName("muted")
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["", "Detail", "Amount"])
        self.tree.setAccessibleName("The counter session's figures")
        self.tree.setRootIsDecorated(False)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setStretchLastSection(False)
        self.tree.setColumnWidth(1, 200)
        self.tree.setColumnWidth(2, 150)
        lay = QVBoxLayout(self)
        lay.addWidget(self.heading)
        lay.addWidget(self.tree, 1)

    def load(self, number: str | None = None) -> None:
        ctx = self.ctx
        QueryOp(self, lambda _t: _load(ctx, number)).success(self._show).run()

    def _show(self, loaded) -> None:
        self.tree.clear()
        if loaded is None:
            self.heading.setText("No counter session open at this desk.")
            return
        number, status, sections = loaded
        self.heading.setText(f"Counter session {number} ({status})")
        for section in sections:
            head = QTreeWidgetItem([section.title])
            font = head.font(0)
            font.setBold(True)
            head.setFont(0, font)
            head.setFirstColumnSpanned(True)
            self.tree.addTopLevelItem(head)
            for row in [*section.rows, *([section.total] if section.total else [])]:
                label = " · ".join(c for c in row[:-1][:2] if c)
                detail = " · ".join(c for c in row[2:-1] if c and c != "—")
                if len(row) == 3:  # label, count, amount
                    label, detail = row[0], row[1]
                item = QTreeWidgetItem(["    " + label, detail, row[-1]])
                item.setTextAlignment(2, RIGHT)
                if row is section.total:
                    f = item.font(0)
                    f.setBold(True)
                    for col in range(3):
                        item.setFont(col, f)
                self.tree.addTopLevelItem(item)

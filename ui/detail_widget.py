"""The detail pane: the student, the components (paid and outstanding), payments, receipts,
refunds and any credit, with the actions that apply to them."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from kiosk.clock import desk_today, desk_zone
from kiosk.ledger.views import InvoiceDetail, InvoiceRow
from kiosk.money import format_money
from ui import detail_tables as tables
from ui import icons, theme
from ui.column_fit import fit_tree
from ui.operations import QueryOp
from ui.statuses import invoice_look

_THEME_EVENTS = frozenset(
    {QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange, QEvent.Type.StyleChange}
)
HOLD_MAX = 520  # the widest the pane insists on being (px): the list needs its room too


def load_detail(ctx, number: str) -> InvoiceDetail:
    from kiosk.ledger.invoices import invoice_detail

    with ctx.ledger.begin() as s:
        return invoice_detail(s, number, desk_today(ctx.settings))


class DetailWidget(QFrame):
    take_payment_requested = Signal(object)  # InvoiceDetail
    refund_requested = Signal(object)  # (InvoiceDetail, PaymentView)
    reprint_requested = Signal(str)  # receipt number
    email_requested = Signal(str)
    loaded = Signal(object)  # InvoiceDetail

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.money_locale = str(ctx.settings.get("desk.locale"))
        self.detail: InvoiceDetail | None = None
        self._wanted: str | None = None
        self.setObjectName("detailPane")
        self.setAccessibleName("Invoice details")
        self.setMinimumWidth(400)
        self._build()
        self.show_empty()

    # -- building ----------------------------------------------------------------------------
    def _build(self) -> None:
        self._build_head()
        self._build_buttons()
        body = self._build_body()
        self.body = body
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.empty)
        outer.addWidget(scroll)
        self.scroll_area = scroll
        self.pay_button.clicked.connect(self.on_pay_button_clicked)
        self.refund_button.clicked.connect(self.on_refund_button_clicked)
        self.reprint_button.clicked.connect(self.on_reprint_button_clicked)
        self.email_button.clicked.connect(self.on_email_button_clicked)
        self.payments.currentItemChanged.connect(self._update_buttons)
        self.receipts.currentItemChanged.connect(self._update_buttons)

    def _build_head(self) -> None:
        self.number = QLabel()
        self.number.setObjectName("heading")
        self.number.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = QLabel()
        self.status.setAccessibleName("Invoice status")
        self.student = QLabel()
        self.student.setWordWrap(True)
        self.student.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.figures = QGridLayout()
        self.figures.setHorizontalSpacing(18)
        self.figure_labels: dict[str, QLabel] = {}
        for i, name in enumerate(("Total", "Paid", "Balance", "Credit")):
            title = QLabel(name)
            title.setObjectName("sectionTitle")
            value = QLabel()
            value.setAccessibleName(name)
            value.setStyleSheet("font-size: 13pt; font-weight: 600;")
            row, col = divmod(i, 2)
            self.figures.addWidget(title, 2 * row, col)
            self.figures.addWidget(value, 2 * row + 1, col)
            self.figure_labels[name] = value
        self.components = tables.tree(("Component", "Fee", "Paid", "Outstanding"), "Fee components")
        self.payments = tables.tree(("Received", "Amount", "Method", "Receipt"), "Payments")
        self.payments.setIndentation(0)
        self.refunds = tables.tree(("Requested", "Amount", "Status", "Reason"), "Refunds")
        self.receipts = tables.tree(("Receipt", "Kind", "Issued"), "Receipts")

    def _build_buttons(self) -> None:
        self.pay_button = QPushButton(icons.icon("payment"), "Take payment  (Ctrl+P)")
        self.pay_button.setProperty("primary", True)
        self.pay_button.setAccessibleName("Take payment")
        self.refund_button = QPushButton(icons.icon("refund"), "Refund…")
        self.refund_button.setAccessibleName("Refund the selected payment")
        self.reprint_button = QPushButton(icons.icon("print"), "Reprint")
        self.reprint_button.setAccessibleName("Reprint the selected receipt")
        self.email_button = QPushButton(icons.icon("email"), "Email")
        self.email_button.setAccessibleName("Email the selected receipt")
        self.empty = QLabel(
            "Select an invoice to see its details.\n\nCtrl+F searches; "
            "Enter opens; Ctrl+P takes a payment."
        )
        self.empty.setObjectName("muted")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)

    def _build_body(self) -> QWidget:
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(18, 16, 18, 16)
        lay.setSpacing(8)
        head = QHBoxLayout()
        head.addWidget(self.number)
        head.addStretch(1)
        head.addWidget(self.status)
        lay.addLayout(head)
        lay.addWidget(self.student)
        lay.addLayout(self.figures)
        lay.addWidget(self.pay_button)
        self.none_labels: dict[int, QLabel] = {}
        for name, tree in (
            ("Components", self.components),
            ("Payments", self.payments),
            ("Refunds", self.refunds),
            ("Receipts", self.receipts),
        ):
            label = QLabel(name)
            label.setObjectName("sectionTitle")
            lay.addWidget(label)
            lay.addWidget(tree)
            none = QLabel(f"No {name.lower()} yet.")
            none.setObjectName("muted")
            self.none_labels[id(tree)] = none
            lay.addWidget(none)
            if tree is self.payments:
                lay.addLayout(tables.button_row(self.refund_button))
            if tree is self.receipts:
                lay.addLayout(tables.button_row(self.reprint_button, self.email_button))
        lay.addStretch(1)
        return body

    # -- loading -----------------------------------------------------------------------------
    def show_empty(self) -> None:
        self.detail = None
        self._wanted = None
        self.scroll_area.hide()
        self.empty.show()

    def show_invoice(self, row: InvoiceRow | None) -> None:
        if row is None:
            self.show_empty()
            return
        self.load(row.number)

    def load(self, number: str) -> None:
        self._wanted = number
        ctx = self.ctx
        QueryOp(self, lambda _t: load_detail(ctx, number)).success(self._on_loaded).run()

    def reload(self) -> None:
        """Read the invoice again: the one last asked for, which may still be loading (the
        one on screen would make that newer request's answer look stale)."""
        number = self._wanted or (self.detail.row.number if self.detail else None)
        if number is not None:
            self.load(number)

    def _on_loaded(self, d: InvoiceDetail) -> None:
        if d.row.number == self._wanted:
            self.show_detail(d)

    def show_detail(self, d: InvoiceDetail) -> None:
        """Show `d` (read on a worker) and stop waiting for any other invoice."""
        self._wanted = d.row.number
        self.detail = d
        self._fill(d)
        self.empty.hide()
        self.scroll_area.show()
        self.loaded.emit(d)

    @property
    def zone(self) -> ZoneInfo:
        """The desk's zone (desk.timezone): times show as on the receipts."""
        return desk_zone(self.ctx.settings)

    def _fmt(self, minor: int) -> str:
        assert self.detail is not None
        return format_money(minor, self.detail.row.currency, self.money_locale)

    def _fill(self, d: InvoiceDetail) -> None:
        r = d.row
        self.number.setText(r.number)
        self._paint_status()
        phone = d.student_phone.replace(" ", "\u00a0")  # wraps before the number, never inside
        email = r.student_email.replace("@", "@\u200b")  # a long address may wrap after @
        extra = "<br>".join(x for x in (d.programme, email, phone) if x)
        self.student.setText(
            f"<b>{r.student_name}</b> ({r.student_number})<br>{extra}<br>Due {r.due_date:%d %b %Y}"
        )
        for name, value in (
            ("Total", r.total),
            ("Paid", r.paid),
            ("Balance", r.balance),
            ("Credit", r.credit),
        ):
            self.figure_labels[name].setText(self._fmt(value))
        self.figure_labels["Credit"].setToolTip(
            "Money received beyond the invoice total: a supervisor can refund it."
            if r.credit
            else ""
        )
        tables.fill_components(self.components, d, self._fmt)
        tables.fill_payments(self.payments, d, self._fmt, self.zone)
        tables.fill_refunds(self.refunds, d, self._fmt, self.zone)
        tables.fill_receipts(self.receipts, d, self.zone)
        widest = 0
        for tree, free in (
            (self.components, 0),  # the component's name
            (self.payments, 2),  # the method
            (self.refunds, 3),  # the reason
            (self.receipts, 1),  # the kind
        ):
            widest = max(widest, fit_tree(tree, free))
            tables.fit_height(tree)
            empty = tree.topLevelItemCount() == 0
            tree.setVisible(not empty)
            self.none_labels[id(tree)].setVisible(empty)
        self._hold_width(widest)
        self.pay_button.setEnabled(r.balance > 0 and r.status != "void")
        self._update_buttons()

    def _paint_status(self) -> None:
        """The status badge in the current theme's colour (again after a theme switch)."""
        if self.detail is None:
            return
        look = invoice_look(self.detail.row.status)
        colour = look.colour(theme.current())
        self.status.setText(f'<span style="color:{colour}; font-weight:700">● {look.label}</span>')
        self.status.setAccessibleDescription(look.label)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in _THEME_EVENTS:
            self._paint_status()
        super().changeEvent(event)

    def _hold_width(self, tables: int) -> None:
        """Wide enough for every column of every table: the splitter gives the list less,
        up to HOLD_MAX; beyond that (amounts in crores) the pane scrolls sideways rather
        than squeeze a number."""
        layout = self.body.layout()
        assert layout is not None
        margins = layout.contentsMargins()
        need = tables + margins.left() + margins.right()
        bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, self)
        self.body.setMinimumWidth(need)
        self.setMinimumWidth(min(max(400, need + bar + 4), HOLD_MAX))

    def _update_buttons(self, *_args) -> None:
        pay = self.payments.currentItem()
        rec = self.receipts.currentItem()
        why_not = self._refund_blocked(pay)
        self.refund_button.setEnabled(not why_not)
        self.refund_button.setToolTip(why_not or "Refund the selected payment (Ctrl+R)")
        self.reprint_button.setEnabled(rec is not None)
        self.reprint_button.setToolTip(
            "Reprint the selected receipt (Ctrl+Shift+P)"
            if rec is not None
            else "Pick a receipt in the list above to reprint it"
            if self.receipts.topLevelItemCount()
            else "No receipt has been issued for this invoice yet"
        )
        mail_on = bool(self.ctx.settings.get("smtp.host"))
        has_email = bool(self.detail and self.detail.row.student_email)
        self.email_button.setEnabled(mail_on and rec is not None and has_email)
        self.email_button.setToolTip(
            "Email is off: set a mail server in Settings → Email"
            if not mail_on
            else "This student has no email address on file"
            if not has_email
            else "Email the selected receipt to the student"
            if rec is not None
            else "Pick a receipt in the list above to email it"
        )

    def _refund_blocked(self, item) -> str:
        """Why Refund can't be used now ("" when it can)."""
        if item is None:
            if self.payments.topLevelItemCount():
                return "Pick a payment in the list above to refund it"
            return "No payment on this invoice to refund"
        p = item.data(0, Qt.ItemDataRole.UserRole)
        if getattr(p, "status", "paid") == "pending_clearance":
            return "This cheque or draft is awaiting clearance: bounce it instead of refunding"
        if getattr(p, "status", "paid") == "bounced":
            return "This instrument bounced: nothing of it was received"
        if p is not None and p.refunded >= p.amount:
            return "This payment has been refunded in full"
        return ""

    # -- actions -----------------------------------------------------------------------------
    @Slot()
    def on_pay_button_clicked(self) -> None:
        if self.detail is not None:
            self.take_payment_requested.emit(self.detail)

    @Slot()
    def on_refund_button_clicked(self) -> None:
        item = self.payments.currentItem()
        if self.detail is not None and item is not None:
            self.refund_requested.emit((self.detail, item.data(0, Qt.ItemDataRole.UserRole)))

    @Slot()
    def on_reprint_button_clicked(self) -> None:
        item = self.receipts.currentItem()
        if item is not None:
            self.reprint_requested.emit(item.text(0))

    @Slot()
    def on_email_button_clicked(self) -> None:
        item = self.receipts.currentItem()
        if item is not None:
            self.email_requested.emit(item.text(0))

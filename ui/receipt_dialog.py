"""A receipt shown on its own (reprints from the detail pane)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QVBoxLayout, QWidget

from ui.receipt_widget import ReceiptPreviewWidget


class ReceiptDialog(QDialog):
    def __init__(
        self, parent: QWidget | None, ctx, number: str, path: Path, heading: str = ""
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Receipt {number}")
        self.resize(760, 860)
        self.preview = ReceiptPreviewWidget(ctx, self)
        self.preview.show_receipt(number, path, heading or f"Receipt {number} (duplicate)")
        self.preview.done.connect(self.accept)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.preview)

"""The small form dialogs' shared parts (open counter, refund, supervisor approval): an
error line under the form, OK/Cancel with the OK's own words, and the standard layout."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


def error_label() -> QLabel:
    """Hidden until there is something wrong to say."""
    error = QLabel()
    error.setObjectName("errorText")
    error.setWordWrap(True)
    error.hide()
    return error


def ok_cancel(ok_text: str, look: str = "primary") -> tuple[QDialogButtonBox, QPushButton]:
    """The buttons, and the OK button named `ok_text` (look: primary | danger)."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
    ok.setText(ok_text)
    ok.setProperty(look, True)
    return buttons, ok


def lay_out(
    dialog: QDialog, head: QWidget, form: QFormLayout, error: QLabel, buttons: QDialogButtonBox
) -> QVBoxLayout:
    """Heading, form, error line and buttons, with the desk's margins."""
    lay = QVBoxLayout(dialog)
    lay.setContentsMargins(24, 20, 24, 20)
    lay.setSpacing(12)
    lay.addWidget(head)
    lay.addLayout(form)
    lay.addWidget(error)
    lay.addWidget(buttons)
    return lay

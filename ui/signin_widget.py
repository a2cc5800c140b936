"""Sign-in and lock: the page that stands in front of the desk until someone signs in."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.ledger.users import StaffUser

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui import icons
from ui.operations import QueryOp
from ui.staff import sign_in


class SignInWidget(QWidget):
    signed_in = Signal(object)  # StaffUser

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.locked_user: StaffUser | None = None
        self.setObjectName("lockPage")
        self.card = QFrame(self)
        self.card.setObjectName("signInCard")
        self.card.setFixedWidth(420)
        self.title = QLabel("Fee Kiosk")
        self.title.setObjectName("appTitle")
        self.subtitle = QLabel()
        self.subtitle.setObjectName("muted")
        self.subtitle.setWordWrap(True)
        self.username = QLineEdit()
        self.username.setPlaceholderText("name@example.edu")
        self.username.setAccessibleName("Username")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.hide()
        self.button = QPushButton(icons.icon("lock"), "Sign in")
        self.button.setProperty("primary", True)
        self.button.setAccessibleName("Sign in")
        self.button.setDefault(True)
        for field in (self.username, self.password):
            field.setMinimumHeight(40)
        self._layout()
        self.button.clicked.connect(self.on_button_clicked)
        self.username.returnPressed.connect(self.password.setFocus)
        self.password.returnPressed.connect(self.on_button_clicked)
        self.show_sign_in()

    def _layout(self) -> None:
        form = QFormLayout()
        form.setSpacing(12)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.addRow("Username", self.username)
        form.addRow("Password", self.password)
        inner = QVBoxLayout(self.card)
        inner.setContentsMargins(32, 28, 32, 28)
        inner.setSpacing(12)
        inner.addWidget(self.title)
        inner.addWidget(self.subtitle)
        inner.addSpacing(6)
        inner.addLayout(form)
        inner.addWidget(self.error)
        inner.addWidget(self.button)
        self.form = form
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(self.card, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)

    # -- modes ------------------------------------------------------------------------------
    def show_sign_in(self) -> None:
        self.locked_user = None
        self.subtitle.setText(f"{self.ctx.desk} · sign in to take payments")
        self.button.setText("Sign in")
        self._reset()
        self.username.setFocus()

    def show_locked(self, user: StaffUser) -> None:
        self.locked_user = user
        self.subtitle.setText(
            f"Locked. {user.display_name} is signed in at {self.ctx.desk}: enter the password to "
            "unlock, or sign in as someone else."
        )
        self.username.setText(user.username)
        self.button.setText("Unlock")
        self._reset()
        self.password.setFocus()

    def _reset(self) -> None:
        self.password.clear()
        self.error.hide()
        self.button.setEnabled(True)
        self._fit_card()

    def _fit_card(self) -> None:
        """The card as tall as its wrapped text needs at its fixed width: left to its size
        hint (one unwrapped line), Qt squeezes the password field under the button."""
        layout = self.card.layout()
        assert layout is not None
        self.card.setFixedHeight(layout.totalHeightForWidth(self.card.width()))

    def changeEvent(self, event) -> None:
        from PySide6.QtCore import QEvent

        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_card()
        super().changeEvent(event)

    # -- signing in ---------------------------------------------------------------------------
    @Slot()
    def on_button_clicked(self) -> None:
        username, password = self.username.text().strip(), self.password.text()
        if not username or not password:
            self._show_error("Enter your username and password.")
            return
        self.button.setEnabled(False)
        self.error.hide()
        action = "unlock" if self.locked_user else "sign_in"
        ctx = self.ctx
        QueryOp(self, lambda _t: sign_in(ctx, username, password, action)).success(
            self._on_signed_in
        ).failure(lambda exc: self._show_error(str(exc))).done(
            lambda: self.button.setEnabled(True)
        ).run()

    def _on_signed_in(self, user: StaffUser) -> None:
        self.password.clear()
        self.signed_in.emit(user)

    def _show_error(self, text: str) -> None:
        from ui.errors import sentence

        self.error.setText(sentence(text))
        self.error.show()
        self._fit_card()
        self.password.selectAll()
        self.password.setFocus()

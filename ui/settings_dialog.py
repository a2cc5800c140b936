"""Settings (supervisors only): Stripe, relay, receipts and printer, email, institution, desk."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.settings_store import (
    save_settings,
    stripe_key_problem,
    test_connection,
    test_mail_server,
)
from ui.operations import QueryOp

log = logging.getLogger(__name__)

LAYOUTS = (("A5 page", "a5"), ("A4 page", "a4"), ("80 mm thermal roll", "thermal80"))
SECURITY = (("STARTTLS (port 587)", "starttls"), ("TLS (port 465)", "ssl"), ("None", "none"))
LOCALES = ("en_IN", "hi_IN", "en_US", "en_GB", "de_DE", "fr_FR", "ja_JP")


def load_current(ctx) -> dict[str, Any]:
    """Settings, masked secrets and the printers, read on a worker (the keyring can be slow)."""
    from kiosk.settings_store import current_values

    values = current_values(ctx)
    try:
        from ui.printing import available_printers

        values["printers"] = available_printers()
    except Exception:
        values["printers"] = []
    return values


class SettingsDialog(QDialog):
    def __init__(self, parent: QWidget | None, ctx, supervisor) -> None:
        super().__init__(parent)
        self.ctx, self.supervisor = ctx, supervisor
        self.saved_keys: list[str] = []
        self.setWindowTitle("Settings")
        self.setAccessibleName("Settings")
        self.resize(640, 520)
        self.fields: dict[str, QWidget] = {}
        self.tabs = QTabWidget()
        self.tabs.addTab(self._stripe_tab(), "Stripe")
        self.tabs.addTab(self._relay_tab(), "Relay")
        self.tabs.addTab(self._receipts_tab(), "Receipts")
        self.tabs.addTab(self._email_tab(), "Email")
        self.tabs.addTab(self._institution_tab(), "Institution")
        self.tabs.addTab(self._desk_tab(), "Desk")
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setProperty("primary", True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(20, 18, 20, 18)
        lay.addWidget(self.tabs, 1)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)
        self.buttons.accepted.connect(self.on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        self.setEnabled(False)
        ctx_ = ctx
        QueryOp(self, lambda _t: load_current(ctx_), kind="net").success(self._fill).run()

    @classmethod
    def ask(cls, parent: QWidget | None, ctx, supervisor) -> list[str]:
        """The settings saved (names as `save_settings` returns them); empty if none or cancelled."""
        dlg = cls(parent, ctx, supervisor)
        return dlg.saved_keys if dlg.exec() == QDialog.DialogCode.Accepted else []

    # -- tabs -----------------------------------------------------------------------------------
    def _line(self, key: str, label: str, form: QFormLayout, secret: bool = False) -> QLineEdit:
        w = QLineEdit()
        w.setAccessibleName(label)
        if secret:
            w.setEchoMode(QLineEdit.EchoMode.Password)
        self.fields[key] = w
        form.addRow(label, w)
        return w

    def _form(self) -> tuple[QWidget, QFormLayout]:
        page = QWidget()
        form = QFormLayout(page)
        form.setContentsMargins(16, 16, 16, 16)
        form.setVerticalSpacing(10)
        return page, form

    def _stripe_tab(self) -> QWidget:
        page, form = self._form()
        self.stripe_key = self._line("secret.stripe_secret_key", "Secret key", form, True)
        self.stripe_key_note = QLabel()
        self.stripe_key_note.setObjectName("muted")
        form.addRow("", self.stripe_key_note)
        self._line("stripe.api_base", "API base URL", form).setPlaceholderText(
            "https://api.stripe.com"
        )
        self.test_button = QPushButton("Test connection")
        self.test_button.setAccessibleName("Test the Stripe connection")
        self.test_result = QLabel()
        self.test_result.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.test_button)
        row.addWidget(self.test_result, 1)
        form.addRow("", row)
        self.test_button.clicked.connect(self.on_test_button_clicked)
        return page

    def _relay_tab(self) -> QWidget:
        page, form = self._form()
        self._line("relay.url", "Relay URL", form).setPlaceholderText("https://relay.example.edu")
        self.relay_token = self._line("secret.relay_token", "Desk token", form, True)
        self.relay_token_note = QLabel()
        self.relay_token_note.setObjectName("muted")
        form.addRow("", self.relay_token_note)
        return page

    def _receipts_tab(self) -> QWidget:
        page, form = self._form()
        self.printer = QComboBox()
        self.printer.setEditable(True)
        self.printer.setAccessibleName("Printer")
        form.addRow("Printer", self.printer)
        self.layout_box = QComboBox()
        self.layout_box.setAccessibleName("Receipt layout")
        for label, _ in LAYOUTS:
            self.layout_box.addItem(label)
        form.addRow("Layout", self.layout_box)
        self.auto_print = QCheckBox("Print a receipt after each payment")
        self.auto_email = QCheckBox("Email a receipt after each payment")
        form.addRow("", self.auto_print)
        form.addRow("", self.auto_email)
        return page

    def _email_tab(self) -> QWidget:
        """The mail server receipts are emailed through (off while the host is empty)."""
        page, form = self._form()
        self._line("smtp.host", "Mail server", form).setPlaceholderText(
            "smtp.example.edu (empty: email off)"
        )
        self.smtp_port = QSpinBox()
        self.smtp_port.setRange(1, 65535)
        self.smtp_port.setButtonSymbols(QSpinBox.ButtonSymbols.NoButtons)
        self.smtp_port.setAccessibleName("Mail server port")
        form.addRow("Port", self.smtp_port)
        self.smtp_security = QComboBox()
        for label, key in SECURITY:
            self.smtp_security.addItem(label, key)
        self.smtp_security.setAccessibleName("Mail server security")
        form.addRow("Security", self.smtp_security)
        self._line("smtp.user", "User name", form)
        self.smtp_password = self._line("secret.smtp_password", "Password", form, True)
        self.smtp_password_note = QLabel()
        self.smtp_password_note.setObjectName("muted")
        form.addRow("", self.smtp_password_note)
        self._line("smtp.sender", "From address", form)
        self.mail_test_button = QPushButton("Test mail server")
        self.mail_test_button.setAccessibleName("Test the mail server")
        self.mail_test_result = QLabel()
        self.mail_test_result.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.mail_test_button)
        row.addWidget(self.mail_test_result, 1)
        form.addRow("", row)
        self.mail_test_button.clicked.connect(self.on_mail_test_button_clicked)
        return page

    def _institution_tab(self) -> QWidget:
        page, form = self._form()
        self._line("institution.name", "Name", form)
        self._line("institution.address", "Address", form)
        logo = self._line("institution.logo", "Logo (PNG/JPEG)", form)
        browse = QPushButton("Choose…")
        browse.setAccessibleName("Choose a logo file")
        browse.clicked.connect(lambda: self._choose_logo(logo))
        form.addRow("", browse)
        return page

    def _desk_tab(self) -> QWidget:
        page, form = self._form()
        self._line("desk.name", "Desk name", form)
        self.locale_box = QComboBox()
        self.locale_box.setEditable(True)
        self.locale_box.addItems(LOCALES)
        self.locale_box.setAccessibleName("Locale")
        form.addRow("Locale", self.locale_box)
        self._line("desk.currency", "Currency", form)
        self.idle = QSpinBox()
        self.idle.setRange(1, 240)
        self.idle.setSuffix(" min")
        self.idle.setButtonSymbols(QSpinBox.ButtonSymbols.NoButtons)
        self.idle.setAccessibleName("Lock after idle minutes")
        form.addRow("Lock when idle for", self.idle)
        self.theme_box = QComboBox()
        self.theme_box.addItems(["light", "dark"])
        self.theme_box.setAccessibleName("Theme")
        form.addRow("Theme", self.theme_box)
        self.kiosk = QCheckBox("Full-screen kiosk mode with large touch targets")
        form.addRow("", self.kiosk)
        return page

    def _choose_logo(self, field: QLineEdit) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Logo", str(Path.home()), "Images (*.png *.jpg *.jpeg)"
        )
        if path:
            field.setText(path)

    # -- values ---------------------------------------------------------------------------------
    def _fill(self, values: dict[str, Any]) -> None:
        self.values = values
        for key, w in self.fields.items():
            if key.startswith("secret."):
                continue
            assert isinstance(w, QLineEdit)
            w.setText(str(values.get(key, "")))
        self.stripe_key.setPlaceholderText(values["secret.stripe_secret_key"])
        self.stripe_key_note.setText(
            f"Stored: {values['secret.stripe_secret_key']}. Leave blank to keep it."
        )
        self.smtp_password.setPlaceholderText(values["secret.smtp_password"])
        self.smtp_password_note.setText(
            f"Stored: {values['secret.smtp_password']}. Leave blank to keep it."
        )
        self.smtp_port.setValue(int(values["smtp.port"]))
        keys = [k for _, k in SECURITY]
        security = str(values["smtp.security"])
        self.smtp_security.setCurrentIndex(keys.index(security) if security in keys else 0)
        self.relay_token.setPlaceholderText(values["secret.relay_token"])
        self.relay_token_note.setText(
            f"Stored: {values['secret.relay_token']}. Leave blank to keep it."
        )
        self.printer.addItems(["", *list(values.get("printers", []))])
        self.printer.setCurrentText(str(values["receipts.printer"]))
        keys = [k for _, k in LAYOUTS]
        self.layout_box.setCurrentIndex(
            max(
                keys.index(values["receipts.layout"]) if values["receipts.layout"] in keys else 0, 0
            )
        )
        self.auto_print.setChecked(bool(values["receipts.auto_print"]))
        self.auto_email.setChecked(bool(values["receipts.auto_email"]))
        self.locale_box.setCurrentText(str(values["desk.locale"]))
        self.idle.setValue(int(values["ui.idle_lock_minutes"]))
        self.theme_box.setCurrentText(str(values["ui.theme"]))
        self.kiosk.setChecked(bool(values["ui.kiosk_mode"]))
        self.setEnabled(True)

    def changes(self) -> tuple[dict[str, Any], dict[str, str]]:
        """What differs from the stored settings, and the secrets typed in."""
        new: dict[str, Any] = {
            k: w.text().strip()
            for k, w in self.fields.items()
            if not k.startswith("secret.") and isinstance(w, QLineEdit)
        }
        new.update(
            {
                "receipts.printer": self.printer.currentText().strip(),
                "receipts.layout": LAYOUTS[self.layout_box.currentIndex()][1],
                "receipts.auto_print": self.auto_print.isChecked(),
                "receipts.auto_email": self.auto_email.isChecked(),
                "desk.locale": self.locale_box.currentText().strip(),
                "ui.idle_lock_minutes": self.idle.value(),
                "ui.theme": self.theme_box.currentText(),
                "ui.kiosk_mode": self.kiosk.isChecked(),
                "smtp.port": self.smtp_port.value(),
                "smtp.security": self.smtp_security.currentData(),
            }
        )
        old = getattr(self, "values", {})
        changed = {k: v for k, v in new.items() if str(old.get(k, "")) != str(v)}
        secrets = {
            name: w.text().strip()
            for name, w in (
                ("stripe_secret_key", self.stripe_key),
                ("relay_token", self.relay_token),
                ("smtp_password", self.smtp_password),
            )
            if w.text().strip()
        }
        return changed, secrets

    @Slot()
    def on_test_button_clicked(self) -> None:
        key = self.stripe_key.text().strip()
        field = self.fields["stripe.api_base"]
        assert isinstance(field, QLineEdit)
        base = field.text().strip()
        self.test_button.setEnabled(False)
        self.test_result.setText("Testing…")

        def failed(exc: BaseException) -> None:
            from ui.errors import describe

            self.test_result.setText("✗ " + describe(exc))

        QueryOp(self, lambda _t: test_connection(key, base), kind="net").success(
            lambda text: self.test_result.setText("✓ " + text)
        ).failure(failed).done(lambda: self.test_button.setEnabled(True)).run()

    @Slot()
    def on_mail_test_button_clicked(self) -> None:
        changed, secrets = self.changes()
        values = {**getattr(self, "values", {}), **changed}
        password = secrets.get("smtp_password", "")
        self.mail_test_button.setEnabled(False)
        self.mail_test_result.setText("Testing…")

        def failed(exc: BaseException) -> None:
            from ui.errors import describe

            self.mail_test_result.setText("✗ " + describe(exc))

        QueryOp(self, lambda _t: test_mail_server(values, password), kind="net").success(
            lambda text: self.mail_test_result.setText("✓ " + text)
        ).failure(failed).done(lambda: self.mail_test_button.setEnabled(True)).run()

    @Slot()
    def on_buttons_accepted(self) -> None:
        changed, secrets = self.changes()
        problem = stripe_key_problem(secrets.get("stripe_secret_key", ""))
        if problem:
            self.error.setText(problem)
            return
        if not changed and not secrets:
            self.accept()
            return
        ctx, sup = self.ctx, self.supervisor
        self.save_button.setEnabled(False)

        def failed(exc: BaseException) -> None:
            from ui.errors import describe

            self.error.setText(describe(exc))

        def saved(keys: list[str]) -> None:
            self.saved_keys = keys
            self.accept()

        QueryOp(self, lambda _t: save_settings(ctx, changed, secrets, sup), kind="net").success(
            saved
        ).failure(failed).done(lambda: self.save_button.setEnabled(True)).run()

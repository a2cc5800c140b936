"""Settings → Email: the mail server the Email button's tooltip points at. Its fields
save through the core (the password into the keyring, never the file), and "Test mail
server" answers off the GUI thread."""

from __future__ import annotations

import keyring

from kiosk.secrets import SERVICE
from tests.receipts.conftest import SmtpServer, free_port
from tests.ui.test_settings_apply import _save_through_dialog, _supervisor


def test_email_settings_save_and_test(qtbot, monkeypatch, window, cashier):
    window.sign_in_as(cashier)
    server = SmtpServer(free_port(), auth={"bursar": "mail-pass-123"}).start()
    try:
        tested: list[str] = []

        def fill(dlg) -> None:
            titles = [dlg.tabs.tabText(i) for i in range(dlg.tabs.count())]
            assert "Email" in titles
            dlg.fields["smtp.host"].setText("127.0.0.1")
            dlg.smtp_port.setValue(server.port)
            dlg.smtp_security.setCurrentIndex(dlg.smtp_security.findData("none"))
            dlg.fields["smtp.user"].setText("bursar")
            dlg.smtp_password.setText("mail-pass-123")
            dlg.fields["smtp.sender"].setText("fees@example.edu")
            dlg.mail_test_button.click()
            qtbot.waitUntil(
                lambda: dlg.mail_test_result.text().startswith(("✓", "✗")), timeout=10_000
            )
            tested.append(dlg.mail_test_result.text())

        _save_through_dialog(qtbot, monkeypatch, window, _supervisor(window.ctx), fill)
    finally:
        server.stop()
    assert tested == [
        f"✓ Connected to 127.0.0.1:{server.port} without encryption, signed in as bursar."
    ]
    s = window.ctx.settings
    assert s.get("smtp.host") == "127.0.0.1" and s.get("smtp.port") == server.port
    assert s.get("smtp.security") == "none" and s.get("smtp.sender") == "fees@example.edu"
    assert keyring.get_keyring().store[(SERVICE, "smtp_password")] == "mail-pass-123"
    assert "mail-pass-123" not in s.path.read_text()
    window.detail._update_buttons()
    assert "Settings → Email" not in window.detail.email_button.toolTip()

"""Settings → Email's "Test mail server": connect and sign in as receipts would, send
nothing, and say plainly what failed (never the password)."""

from __future__ import annotations

import pytest

from kiosk.receipts.mail import MailError, SmtpSettings, check_server
from kiosk.settings_store import test_mail_server as try_mail_server
from tests.receipts.conftest import free_port


def test_a_reachable_server_with_the_right_password(smtp_factory):
    server = smtp_factory(auth={"bursar": "s3cret-pass"})
    answer = check_server(
        SmtpSettings("127.0.0.1", server.port, "none", "bursar", "b@example.edu", "s3cret-pass")
    )
    assert (
        answer == f"Connected to 127.0.0.1:{server.port} without encryption, signed in as bursar."
    )
    assert server.inbox.messages == []  # nothing sent


def test_a_wrong_password_and_no_server_say_what_failed(smtp_factory):
    server = smtp_factory(auth={"bursar": "s3cret-pass"})
    with pytest.raises(MailError) as err:
        check_server(SmtpSettings("127.0.0.1", server.port, "none", "bursar", "", "wrong-pass"))
    assert "SMTP 535" in str(err.value) and "wrong-pass" not in str(err.value)
    with pytest.raises(MailError, match="ConnectionRefusedError"):
        check_server(SmtpSettings("127.0.0.1", free_port(), "none", "", ""))
    with pytest.raises(MailError, match="no mail server"):
        check_server(SmtpSettings("", 587, "starttls", "", ""))


def test_the_settings_values_as_typed(smtp_factory):
    server = smtp_factory()
    values = {"smtp.host": " 127.0.0.1 ", "smtp.port": server.port, "smtp.security": "none"}
    assert try_mail_server(values, "").startswith("Connected to 127.0.0.1")

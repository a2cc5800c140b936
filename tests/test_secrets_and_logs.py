"""Secrets come from the environment, then the keyring; they never reach a log or a display."""

from __future__ import annotations

import logging

import keyring
import pytest
from keyring.backends import fail

from kiosk import secrets
from kiosk.logs import RedactSecrets, redact


def test_environment_overrides_the_keyring(monkeypatch):
    secrets.set_secret("stripe_secret_key", "sk_test_from_keyring_0000")
    assert secrets.get_secret("stripe_secret_key") == "sk_test_from_keyring_0000"
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_from_environment_1111")
    assert secrets.get_secret("stripe_secret_key") == "sk_test_from_environment_1111"
    secrets.delete_secret("stripe_secret_key")
    monkeypatch.delenv("STRIPE_SECRET_KEY")
    assert secrets.get_secret("stripe_secret_key") is None


def test_no_keyring_backend_names_the_environment_variable():
    keyring.set_keyring(fail.Keyring())
    assert secrets.get_secret("smtp_password") is None
    with pytest.raises(secrets.SecretStoreError, match="FEE_KIOSK_SMTP_PASSWORD"):
        secrets.set_secret("smtp_password", "hunter22hunter22")


def test_unknown_secret_names_the_known_ones():
    with pytest.raises(KeyError, match="stripe_secret_key"):
        secrets.get_secret("stripe_key")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "(not set)"),
        ("", "(not set)"),
        ("sk_test_51Habcdefghijklmn4242", "sk_test_…4242"),
        ("rk_live_51Habcdefghijklmn9999", "rk_live_…9999"),
        ("whsec_abcdefghijklmnopqrstuv12", "whsec_…uv12"),
        ("whsec_from_the_environment_1234", "whsec_…1234"),
        ("my_secret_password_value_5678", "••••…5678"),
        ("short", "••••••••"),
    ],
)
def test_mask_shows_only_a_public_prefix_and_the_last_four(value, shown):
    assert secrets.mask(value) == shown


def test_mask_never_contains_the_middle_of_a_secret():
    value = "whsec_from_the_environment_1234"
    assert "from" not in secrets.mask(value) and "environment" not in secrets.mask(value)


def test_log_records_are_redacted(caplog):
    logger = logging.getLogger("kiosk.test.redact")
    handler_filter = RedactSecrets()
    record = logger.makeRecord(
        logger.name,
        logging.INFO,
        __file__,
        1,
        "calling Stripe with %s and %s",
        ("sk_live_51HsecretSECRET", "whsec_abcdEFGH1234"),
        None,
    )
    assert handler_filter.filter(record)
    message = record.getMessage()
    assert "secretSECRET" not in message and "abcdEFGH1234" not in message
    assert "sk_live_[redacted]" in message and "whsec_[redacted]" in message


def test_redact_leaves_ordinary_text_alone():
    assert redact("paid ₹61,000.00 for INV-DEMO-0002") == "paid ₹61,000.00 for INV-DEMO-0002"


def test_setting_up_logging_again_replaces_its_handlers(tmp_path):
    from kiosk.logs import setup_logging

    root = logging.getLogger()
    before = list(root.handlers)
    setup_logging(tmp_path / "a" / "logs")
    setup_logging(tmp_path / "b" / "logs")
    ours = [h for h in root.handlers if h not in before]
    files = [h for h in ours if isinstance(h, logging.FileHandler)]
    assert len(files) == 1 and files[0].baseFilename.startswith(str(tmp_path / "b"))
    logging.getLogger("kiosk.test").warning("sk_test_abcdefghijklmnop should be redacted")
    files[0].flush()
    text = (tmp_path / "b" / "logs" / "kiosk.log").read_text()
    assert "sk_test_[redacted]" in text and "abcdefghijklmnop" not in text


def test_secrets_from_the_environment_lose_padding(monkeypatch):
    monkeypatch.setenv("FEE_KIOSK_RELAY_TOKEN", "  fkr_pasted-with_spaces \n")
    assert secrets.get_secret("relay_token") == "fkr_pasted-with_spaces"


def test_relay_tokens_are_redacted_whole():
    token = "fkr_Ab-cd_EF" + "x" * 30
    line = redact(f"GET /v1/events?token={token}&a=Bearer%20{token} HTTP/1.1")
    assert "fkr_[redacted]" in line and "Ab-cd" not in line and "xxxx" not in line

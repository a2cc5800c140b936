"""Relay settings (pydantic-settings): environment names, one readable line per problem,
the keyring fallback for the signing secret, and no secret ever repeated."""

from __future__ import annotations

import pytest

from kiosk.relay.settings import RelaySettings, SettingsError, settings_from_env

BASE = {"FEE_KIOSK_RELAY_DB": "sqlite://", "STRIPE_WEBHOOK_SECRET": "whsec_a, whsec_b"}


def test_the_environment_names_fill_the_fields(monkeypatch):
    monkeypatch.setenv("FEE_KIOSK_RELAY_METRICS_INTERVAL", "0.5")
    s = settings_from_env({**BASE, "FEE_KIOSK_RELAY_RETENTION_DAYS": "35.0"})
    assert s.db_url == "sqlite://" and s.webhook_secrets == ("whsec_a", "whsec_b")
    assert s.retention_days == 35 and s.metrics_interval == 0.5


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"FEE_KIOSK_RELAY_RETENTION_DAYS": "0"}, "FEE_KIOSK_RELAY_RETENTION_DAYS: input should"),
        ({"FEE_KIOSK_RELAY_POLL_FALLBACK": "inf"}, "FEE_KIOSK_RELAY_POLL_FALLBACK: input should"),
        ({"FEE_KIOSK_RELAY_PRUNE_INTERVAL": "soon"}, "not 'soon'"),
        ({"STRIPE_WEBHOOK_SECRET": "whsec_..."}, "holds a placeholder"),
    ],
)
def test_one_line_says_what_to_fix(extra, message):
    with pytest.raises(SettingsError) as err:
        settings_from_env({**BASE, **extra})
    assert message in str(err.value) and "\n" not in str(err.value)


def test_no_database_and_no_secret(monkeypatch):
    monkeypatch.delenv("FEE_KIOSK_RELAY_DB", raising=False)
    monkeypatch.delenv("STRIPE_WEBHOOK_SECRET", raising=False)
    with pytest.raises(SettingsError, match="no relay database: set FEE_KIOSK_RELAY_DB"):
        settings_from_env({"STRIPE_WEBHOOK_SECRET": "whsec_a"})
    with pytest.raises(SettingsError, match="keyring"):
        settings_from_env({"FEE_KIOSK_RELAY_DB": "sqlite://"})


def test_the_secret_comes_from_the_keyring_when_the_environment_has_none(monkeypatch):
    monkeypatch.delenv("STRIPE_WEBHOOK_SECRET", raising=False)
    monkeypatch.setattr("kiosk.secrets.get_secret", lambda name: "whsec_from_keyring")
    assert settings_from_env({"FEE_KIOSK_RELAY_DB": "sqlite://"}).webhook_secrets == (
        "whsec_from_keyring",
    )


def test_a_bad_secret_is_never_repeated():
    with pytest.raises(ValueError) as err:
        RelaySettings(db_url="sqlite://", webhook_secrets=[{"x": "whsec_real_value"}])
    assert "whsec_real_value" not in str(err.value)

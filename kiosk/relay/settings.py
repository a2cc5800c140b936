"""Relay settings: one frozen object, built from the environment or by the caller.

Routes read it through the `get_settings` dependency (kiosk.relay.deps), which
tests may override, as in the FastAPI full-stack template.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

ENV_DB = "FEE_KIOSK_RELAY_DB"
ENV_RETENTION_DAYS = "FEE_KIOSK_RELAY_RETENTION_DAYS"
ENV_METRICS_INTERVAL = "FEE_KIOSK_RELAY_METRICS_INTERVAL"
ENV_PRUNE_INTERVAL = "FEE_KIOSK_RELAY_PRUNE_INTERVAL"
ENV_POLL_FALLBACK = "FEE_KIOSK_RELAY_POLL_FALLBACK"
SECRET_ENV = "STRIPE_WEBHOOK_SECRET"

MAX_BODY_BYTES = 1024 * 1024
PLACEHOLDER_SECRETS = frozenset({"whsec_", "whsec_...", "whsec_xxx", "changethis", "changeme"})


class SettingsError(ValueError):
    """A setting the relay cannot start with; the message says what to fix."""


@dataclass(frozen=True)
class RelaySettings:
    db_url: str
    webhook_secrets: tuple[str, ...]
    retention_days: int = 35
    prune_interval: float = 3600.0
    metrics_interval: float = 60.0
    max_body_bytes: int = MAX_BODY_BYTES
    signature_tolerance: int = 300
    poll_fallback: float = 1.0  # long-polls re-check this often even without a wake-up

    def __post_init__(self) -> None:
        if not self.webhook_secrets:
            raise SettingsError(
                f"no Stripe webhook signing secret: set {SECRET_ENV} (comma-separated during "
                "a rotation) or store 'webhook_secret' in the keyring (service 'fee-kiosk')"
            )
        if any(s.lower() in PLACEHOLDER_SECRETS for s in self.webhook_secrets):
            raise SettingsError(f"{SECRET_ENV} holds a placeholder, not a real signing secret")
        if self.retention_days < 1:
            raise SettingsError("retention must be at least 1 day")


def split_secrets(raw: str | None) -> tuple[str, ...]:
    """'whsec_a, whsec_b' -> ('whsec_a', 'whsec_b'); empty parts are dropped."""
    return tuple(part.strip() for part in (raw or "").split(",") if part.strip())


def settings_from_env(env: Mapping[str, str] | None = None) -> RelaySettings:
    """Settings for `relay serve --workers N`: each worker process rebuilds them from here."""
    from kiosk.secrets import get_secret

    env = os.environ if env is None else env
    db_url = env.get(ENV_DB)
    if not db_url:
        raise SettingsError(f"no relay database: set {ENV_DB}")
    secrets = split_secrets(env.get(SECRET_ENV)) or split_secrets(get_secret("webhook_secret"))
    return RelaySettings(
        db_url=db_url,
        webhook_secrets=secrets,
        retention_days=int(_number(env, ENV_RETENTION_DAYS, 35)),
        prune_interval=_number(env, ENV_PRUNE_INTERVAL, 3600),
        metrics_interval=_number(env, ENV_METRICS_INTERVAL, 60),
        poll_fallback=_number(env, ENV_POLL_FALLBACK, 1.0),
    )


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {raw!r}") from None
    if not 0 < value < float("inf"):
        raise SettingsError(f"{name} must be a positive number, not {raw!r}")
    return value

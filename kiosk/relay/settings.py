"""Relay settings: one frozen pydantic-settings object, from the environment or the caller.

    RelaySettings(db_url="sqlite:///relay.db", webhook_secrets=("whsec_…",))   # in code
    settings_from_env()            # `relay serve --workers N`: each worker rebuilds them

Fields read their environment variables (FEE_KIOSK_RELAY_DB, STRIPE_WEBHOOK_SECRET, …)
through pydantic-settings, as in the FastAPI full-stack template; a keyword given in code
wins over the environment. Routes read the object through the `get_settings` dependency
(kiosk.relay.deps), which tests may override.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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


def _env(field: str, name: str) -> Any:
    return Field(validation_alias=AliasChoices(field, name))


def _positive(field: str, name: str, default: float) -> Any:
    return Field(default, gt=0, allow_inf_nan=False, validation_alias=AliasChoices(field, name))


class RelaySettings(BaseSettings):
    # hide_input_in_errors: a validation error never repeats a value (secrets among them).
    model_config = SettingsConfigDict(
        frozen=True, extra="ignore", case_sensitive=True, hide_input_in_errors=True
    )

    db_url: str = _env("db_url", ENV_DB)
    # Comma-separated in the environment (several during a rotation), not JSON.
    webhook_secrets: Annotated[tuple[str, ...], NoDecode] = Field(
        (), validation_alias=AliasChoices("webhook_secrets", SECRET_ENV)
    )
    retention_days: int = Field(
        35, ge=1, validation_alias=AliasChoices("retention_days", ENV_RETENTION_DAYS)
    )
    prune_interval: float = _positive("prune_interval", ENV_PRUNE_INTERVAL, 3600.0)
    metrics_interval: float = _positive("metrics_interval", ENV_METRICS_INTERVAL, 60.0)
    max_body_bytes: int = MAX_BODY_BYTES
    signature_tolerance: int = 300
    # long-polls re-check this often even without a wake-up
    poll_fallback: float = _positive("poll_fallback", ENV_POLL_FALLBACK, 1.0)

    @field_validator("webhook_secrets", mode="before")
    @classmethod
    def _split(cls, raw: Any) -> tuple[str, ...]:
        return split_secrets(raw) if isinstance(raw, str) else tuple(raw or ())

    @field_validator("retention_days", mode="before")
    @classmethod
    def _whole_days(cls, raw: Any) -> Any:
        """`35.0` from the environment is 35 days (the CLI writes what it was given)."""
        if isinstance(raw, str):
            try:
                value = float(raw)
            except ValueError:
                return raw
            return int(value) if value.is_integer() else raw
        return raw

    @model_validator(mode="after")
    def _usable(self) -> RelaySettings:
        if not self.webhook_secrets:
            raise ValueError(
                f"no Stripe webhook signing secret: set {SECRET_ENV} (comma-separated during "
                "a rotation) or store 'webhook_secret' in the keyring (service 'fee-kiosk')"
            )
        if any(s.lower() in PLACEHOLDER_SECRETS for s in self.webhook_secrets):
            raise ValueError(f"{SECRET_ENV} holds a placeholder, not a real signing secret")
        return self


def split_secrets(raw: str | None) -> tuple[str, ...]:
    """'whsec_a, whsec_b' -> ('whsec_a', 'whsec_b'); empty parts are dropped."""
    return tuple(part.strip() for part in (raw or "").split(",") if part.strip())


ENV_OF = {
    "db_url": ENV_DB,
    "webhook_secrets": SECRET_ENV,
    "retention_days": ENV_RETENTION_DAYS,
    "prune_interval": ENV_PRUNE_INTERVAL,
    "metrics_interval": ENV_METRICS_INTERVAL,
    "poll_fallback": ENV_POLL_FALLBACK,
}


def settings_from_env(overrides: Mapping[str, str] | None = None) -> RelaySettings:
    """Settings from the environment, with `overrides` (environment names) winning; the
    signing secret falls back to the keyring. Raises SettingsError with one readable line."""
    from kiosk.secrets import get_secret

    given: dict[str, Any] = {k: v for k, v in (overrides or {}).items() if k in ENV_OF.values()}
    try:
        return RelaySettings(**given)
    except ValidationError as exc:
        if _only_missing_secret(exc):
            stored = split_secrets(get_secret("webhook_secret"))
            if stored:
                return settings_from_env({**given, SECRET_ENV: ",".join(stored)})
        raise SettingsError(_one_line(exc)) from None


def _only_missing_secret(exc: ValidationError) -> bool:
    return all("signing secret" in str(e.get("msg")) for e in exc.errors())


def _one_line(exc: ValidationError) -> str:
    """`FEE_KIOSK_RELAY_RETENTION_DAYS: ...` for the first problem, as the CLI prints it.
    A secret's value is never repeated."""
    first = exc.errors()[0]
    where = str(first["loc"][0]) if first.get("loc") else ""
    name = where if where in ENV_OF.values() else ENV_OF.get(where, "")
    if first["type"] == "missing" and name == ENV_DB:
        return f"no relay database: set {ENV_DB}"
    message = str(first["msg"]).removeprefix("Value error, ")
    if not name:
        return message
    shown = "" if name == SECRET_ENV else f", not {first.get('input')!r}"
    return f"{name}: {message[:1].lower()}{message[1:]}{shown}"

"""Secrets: the OS keyring (service "fee-kiosk"), overridden by environment variables.

A secret is never written to config.toml, the database, logs or a message.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from typing import Any

SERVICE = "fee-kiosk"


@dataclass(frozen=True)
class SecretSpec:
    name: str
    env: str
    label: str


SECRETS: dict[str, SecretSpec] = {
    s.name: s
    for s in (
        SecretSpec("stripe_secret_key", "STRIPE_SECRET_KEY", "Stripe secret or restricted key"),
        SecretSpec("webhook_secret", "STRIPE_WEBHOOK_SECRET", "Stripe webhook signing secret"),
        SecretSpec("relay_token", "FEE_KIOSK_RELAY_TOKEN", "relay desk token"),
        SecretSpec("smtp_password", "FEE_KIOSK_SMTP_PASSWORD", "SMTP password"),
        SecretSpec("receipt_key", "FEE_KIOSK_RECEIPT_KEY", "receipt verification key"),
    )
}


class SecretStoreError(RuntimeError):
    """The keyring cannot be used; the message names the environment variable to use."""


def spec(name: str) -> SecretSpec:
    try:
        return SECRETS[name]
    except KeyError:
        known = ", ".join(sorted(SECRETS))
        raise KeyError(f"unknown secret {name!r}; known secrets: {known}") from None


def _keyring() -> Any:
    import keyring
    from keyring.backends import fail

    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring):
        return None
    return keyring


def keyring_available() -> bool:
    """Whether this machine has a keyring backend that can store secrets."""
    return _keyring() is not None


def get_secret(name: str) -> str | None:
    """The secret from its environment variable, else the keyring, else None.

    Surrounding whitespace is dropped: no key or token contains any, and one pasted with a
    trailing newline or a leading space must still work."""
    s = spec(name)
    value = os.environ.get(s.env, "").strip()
    if value:
        return value
    kr = _keyring()
    if kr is None:
        return None
    try:
        return (kr.get_password(SERVICE, name) or "").strip() or None
    except Exception:  # a locked or broken backend is the same as no secret
        return None


def set_secret(name: str, value: str) -> None:
    s = spec(name)
    kr = _keyring()
    if kr is None:
        raise SecretStoreError(
            f"no keyring backend is available on this machine; set the {s.label} "
            f"in the environment variable {s.env} instead"
        )
    try:
        kr.set_password(SERVICE, name, value)
    except Exception as exc:
        raise SecretStoreError(
            f"the keyring refused to store the {s.label} ({type(exc).__name__}); "
            f"set the environment variable {s.env} instead"
        ) from None


def delete_secret(name: str) -> None:
    spec(name)
    kr = _keyring()
    if kr is None:
        return
    with contextlib.suppress(Exception):
        kr.delete_password(SERVICE, name)


KNOWN_PREFIXES = ("sk_test_", "sk_live_", "rk_test_", "rk_live_", "whsec_", "fk_")


def mask(value: str | None) -> str:
    """A display form that never reveals the secret: its kind and last four, 'sk_test_…4242'.

    Only a known, public prefix is shown; anything else shows dots and the last four, and a
    short value shows nothing of itself.
    """
    if not value:
        return "(not set)"
    if len(value) < 16:
        return "•" * 8
    head = next((p for p in KNOWN_PREFIXES if value.startswith(p)), "••••")
    return f"{head}…{value[-4:]}"

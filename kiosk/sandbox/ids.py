"""Stripe-style object ids (`cs_test_…`, `cus_…`, `pi_…`) and secrets."""

from __future__ import annotations

import secrets
import string

_ALPHABET = string.ascii_letters + string.digits


def token(length: int = 24) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def new_id(prefix: str, length: int = 24) -> str:
    """`new_id("cus")` -> `cus_Ab12…`; long ids for sessions like Stripe's."""
    return f"{prefix}_{token(length)}"


def session_id() -> str:
    return new_id("cs_test", 58)


def request_id() -> str:
    return new_id("req", 14)


def webhook_secret() -> str:
    return new_id("whsec", 32)

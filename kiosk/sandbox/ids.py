"""Stripe-style object ids (`cs_test_…`, `cus_…`, `pi_…`) and secrets."""

from __future__ import annotations

import secrets

_ALPHANUMERIC = str.maketrans("-_", "xQ")


def token(length: int = 24) -> str:
    """`length` random letters and digits."""
    return secrets.token_urlsafe(length)[:length].translate(_ALPHANUMERIC)


def new_id(prefix: str, length: int = 24) -> str:
    """`new_id("cus")` -> `cus_Ab12…`; long ids for sessions like Stripe's."""
    return f"{prefix}_{token(length)}"


def session_id() -> str:
    return new_id("cs_test", 58)


def request_id() -> str:
    return new_id("req", 14)


def webhook_secret() -> str:
    return new_id("whsec", 32)

"""The key's mode, decided from its prefix before any call; and its masked form.

A live key (`sk_live_…`, `rk_live_…`) is refused: the check creates customers, sessions,
links and payments, which must never happen on a live account.
"""

from __future__ import annotations

from dataclasses import dataclass

LIVE_PREFIXES = ("sk_live_", "rk_live_")
TEST_PREFIXES = {"sk_test_": "secret", "rk_test_": "restricted"}


class KeyRefused(ValueError):
    """The key must not or cannot be used; the message never contains the key."""


@dataclass(frozen=True)
class KeyInfo:
    mode: str  # "test"
    kind: str  # "secret" or "restricted"
    masked: str


def mask(key: str) -> str:
    """`sk_test_…abcd`: the prefix and the last four characters, never more."""
    prefix = next((p for p in (*LIVE_PREFIXES, *TEST_PREFIXES) if key.startswith(p)), "")
    tail = key[-4:] if len(key) >= len(prefix) + 8 else ""
    return f"{prefix or 'key '}…{tail}"


def classify(key: str | None) -> KeyInfo:
    """The test key's kind, or KeyRefused for a live, missing or unknown key."""
    if not key:
        raise KeyRefused(
            "no Stripe key: pass --key sk_test_…, or set STRIPE_SECRET_KEY, "
            "or run `secrets set stripe_secret_key`"
        )
    if key.startswith(LIVE_PREFIXES):
        raise KeyRefused(
            f"refusing the live key {mask(key)}: stripe-check creates and refunds test "
            "payments, so it runs only with a test-mode key (sk_test_… or rk_test_…)"
        )
    for prefix, kind in TEST_PREFIXES.items():
        if key.startswith(prefix):
            return KeyInfo("test", kind, mask(key))
    raise KeyRefused(
        f"{mask(key)} is not a Stripe secret or restricted test key "
        "(expected sk_test_… or rk_test_…)"
    )

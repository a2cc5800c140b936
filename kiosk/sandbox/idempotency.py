"""Idempotency-Key handling: replay stored responses, reject reuse with other params."""

from __future__ import annotations

import collections
import time
from dataclasses import dataclass

from kiosk.sandbox.errors import StripeError, idempotency_error, invalid

MAX_KEY_LENGTH = 255
RETENTION = 24 * 3600
MAX_ENTRIES = 20_000  # enough for client retries; bounds memory


def key_in_use(key: str) -> StripeError:
    """409 while the key's first request runs (code from stripe-go
    `ErrorCodeIdempotencyKeyInUse`; API-NOTES §5)."""
    return StripeError(
        "There is currently another in-progress request using this Idempotent Key (that "
        "probably means you submitted twice, and the other request is still going "
        f"through): {key}. Please try again later.",
        status=409,
        type="idempotency_error",
        code="idempotency_key_in_use",
    )


@dataclass
class Stored:
    endpoint: str
    fingerprint: str
    status: int
    body: bytes
    request_id: str
    created: float


class IdempotencyCache:
    def __init__(self) -> None:
        self._entries: collections.OrderedDict[str, Stored] = collections.OrderedDict()
        self._skew = 0.0  # seconds the cache's clock runs ahead (tests: `advance`)

    def advance(self, seconds: float) -> None:
        """Test helper: as if `seconds` had passed for stored keys. Stripe forgets a key
        24 h after its first use; advancing past that shows what a retry then does."""
        self._skew += seconds

    def lookup(self, key: str, endpoint: str, fingerprint: str) -> Stored | None:
        """The stored response for a replay, None for a new key; 400 on a mismatch."""
        if len(key) > MAX_KEY_LENGTH:
            raise invalid(f"Invalid Idempotency-Key: must be at most {MAX_KEY_LENGTH} characters")
        self._prune()
        stored = self._entries.get(key)
        if stored is None:
            return None
        if stored.endpoint != endpoint:
            raise idempotency_error(
                "Keys for idempotent requests can only be used for the same endpoint they "
                f"were first used for ('{stored.endpoint}' vs '{endpoint}'). Try using a key "
                f"other than '{key}' if you meant to execute a different request."
            )
        if stored.fingerprint != fingerprint:
            raise idempotency_error(
                "Keys for idempotent requests can only be used with the same parameters they "
                f"were first used with. Try using a key other than '{key}' if you meant to "
                "execute a different request."
            )
        return stored

    def save(self, key: str, stored: Stored) -> None:
        stored.created += self._skew
        self._entries[key] = stored
        if len(self._entries) > MAX_ENTRIES:
            self._entries.popitem(last=False)

    def _prune(self) -> None:
        cutoff = time.time() + self._skew - RETENTION
        while self._entries:
            first = next(iter(self._entries.values()))
            if first.created >= cutoff:
                return
            self._entries.popitem(last=False)

"""Checks on an incoming webhook, in order: size, Stripe signature, then the event shape.

Each failure is a `Rejected` carrying the HTTP status and a short reason for metrics.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import UTC, datetime

import stripe
from starlette.requests import Request

from kiosk.relay.storage.events import Incoming


class Rejected(Exception):
    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status, self.reason, self.message = status, reason, message


async def read_limited(request: Request, limit: int) -> bytes:
    """The raw body, refusing (413) anything over `limit` bytes, declared or streamed."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def check_signature(
    body: bytes, header: str | None, secrets: Sequence[str], tolerance: int
) -> None:
    """Pass if any configured secret verifies the header over the raw body, signed no more
    than `tolerance` seconds ago (the SDK's check) and no more than `tolerance` seconds in
    the future (ours: the SDK accepts any future time, so a captured request signed with a
    far-future timestamp by a leaked secret could be replayed for ever)."""
    if not header:
        raise Rejected(400, "missing_signature", "missing Stripe-Signature header")
    reasons = []
    for secret in secrets:
        try:
            stripe.WebhookSignature.verify_header(body, header, secret, tolerance=tolerance)
            _refuse_future(header, tolerance)
            return
        except stripe.SignatureVerificationError as exc:
            reasons.append(_reason(str(exc)))
        except (UnicodeDecodeError, TypeError, ValueError):  # non-UTF-8 body, odd header bytes
            reasons.append("bad_signature")
    reason = min(reasons, key=_PRIORITY.index)
    raise Rejected(400, reason, _MESSAGES[reason])


def _refuse_future(header: str, tolerance: int) -> None:
    """The header's t= (the SDK already parsed it as an int) is not ahead of our clock."""
    signed_at = next(
        int(v) for k, _, v in (i.partition("=") for i in header.split(",")) if k == "t"
    )
    if signed_at > time.time() + tolerance:
        raise Rejected(
            400,
            "future_timestamp",
            f"Stripe-Signature timestamp is more than {tolerance} s ahead of the relay's "
            "clock (replay protection; check the server's clock)",
        )


def parse_event(body: bytes) -> Incoming:
    """The stored form of a body that is a JSON Stripe event, else Rejected(400)."""
    try:
        event = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Rejected(400, "not_json", "the body is not JSON") from None
    if not (
        isinstance(event, dict)
        and event.get("object") == "event"
        and _short_str(event.get("id"))
        and event["id"].startswith("evt_")
        and _short_str(event.get("type"))
    ):
        raise Rejected(400, "not_event", "the body is not a Stripe event (id evt_…, type)")
    return Incoming(event["id"], event["type"], datetime.now(UTC), body)


def _short_str(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 255 and "\x00" not in value


def _reason(message: str) -> str:
    if message.startswith("Timestamp outside"):
        return "stale_timestamp"
    if message.startswith(("Unable to extract", "No signatures found with expected scheme")):
        return "malformed_signature"
    return "bad_signature"


def _too_large(limit: int) -> Rejected:
    return Rejected(413, "too_large", f"the body is over {limit} bytes")


# A stale-but-valid signature explains the failure better than a mismatch under another key.
_PRIORITY = ["stale_timestamp", "malformed_signature", "bad_signature"]
_MESSAGES = {
    "stale_timestamp": "Stripe-Signature timestamp is too old (replay protection)",
    "malformed_signature": "malformed Stripe-Signature header",
    "bad_signature": "no signature matches the body under any configured secret",
}

"""Helpers to sign and send events the way Stripe does, for tests, demo mode and the sandbox."""

from __future__ import annotations

import functools
import json
import secrets
import time
from collections.abc import Iterable
from typing import Any

import httpx
import stripe


def make_event(
    type: str = "checkout.session.completed", event_id: str | None = None, **data: Any
) -> bytes:
    """A minimal Stripe event body, with `data.object` from `data`."""
    event = {
        "id": event_id or "evt_" + secrets.token_hex(12),
        "object": "event",
        "api_version": "2025-03-31.basil",
        "created": int(time.time()),
        "type": type,
        "livemode": False,
        "data": {"object": data},
    }
    return json.dumps(event).encode()


def sign(body: bytes, secrets_: Iterable[str], timestamp: int | None = None) -> str:
    """A Stripe-Signature header with one v1 signature per secret (as during a rotation)."""
    t = int(time.time()) if timestamp is None else timestamp
    payload = body.decode("utf-8")
    sigs = [
        stripe.WebhookSignature.generate_signature_header(payload, s, t).split(",", 1)[1]
        for s in secrets_
    ]
    return ",".join([f"t={t}", *sigs])


@functools.cache
def _shared_client() -> httpx.Client:
    """One pooled client: a new httpx.Client per call costs ~20 ms (it loads the CA bundle)."""
    return httpx.Client(timeout=30)


def post(relay_url: str, body: bytes, header: str | bytes | None) -> httpx.Response:
    """POST `body` with the given Stripe-Signature header (or none), to test rejections."""
    headers: dict[bytes, bytes] = {b"Content-Type": b"application/json"}
    if header is not None:
        headers[b"Stripe-Signature"] = header.encode() if isinstance(header, str) else header
    url = relay_url.rstrip("/") + "/stripe/webhook"
    return _shared_client().post(url, content=body, headers=headers)


def post_event(
    relay_url: str, body: bytes, secret: str, client: httpx.Client | None = None
) -> httpx.Response:
    """POST `body` to the relay's webhook, signed with `secret`."""
    headers = {"Stripe-Signature": sign(body, [secret]), "Content-Type": "application/json"}
    url = relay_url.rstrip("/") + "/stripe/webhook"
    return (client or _shared_client()).post(url, content=body, headers=headers)

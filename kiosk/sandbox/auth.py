"""API keys: `sk_test_…` or `rk_test_…`, as Bearer or as the basic-auth user name."""

from __future__ import annotations

import base64
import binascii
import re

from kiosk.sandbox.errors import authentication_error

_KEY = re.compile(r"^(sk|rk)_test_[A-Za-z0-9_]{1,247}$")
NO_KEY = (
    "You did not provide an API key. You need to provide your API key in the Authorization "
    "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See "
    "https://stripe.com/docs/api#authentication for details, or we can help at "
    "https://support.stripe.com/."
)


def api_key(header: str | None) -> str:
    """The key in an Authorization header; a Stripe 401 if it is missing or not a test key."""
    key = _extract(header)
    if not key:
        raise authentication_error(NO_KEY)
    if not _KEY.match(key):
        raise authentication_error(f"Invalid API Key provided: {_redact(key)}")
    return key


def _extract(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() == "bearer":
        return value.strip() or None
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return "invalid"
        return decoded.partition(":")[0] or None
    return "invalid"


def _redact(key: str) -> str:
    if len(key) <= 12:
        return "*" * len(key)
    return key[:8] + "*" * 12 + key[-4:]

"""`Stripe-Version`: which API versions the sandbox accepts, and the answer to others.

Stripe answers an unknown version with HTTP 400 `invalid_request_error`
"Invalid Stripe API version: <version>" (e.g. https://github.com/stripe/stripe-java/issues/682,
https://github.com/beam-community/stripity-stripe/pull/613). The sandbox accepts any
well-formed version (`YYYY-MM-DD` or `YYYY-MM-DD.<release>`) that is not newer than its
own, and serves the one shape of its own version (shapes.API_VERSION) for all of them.
"""

from __future__ import annotations

import datetime
import re

from kiosk.sandbox import shapes
from kiosk.sandbox.errors import StripeError

_FORM = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:\.([a-z]+))?")


def _day(version: str) -> datetime.date | None:
    found = _FORM.fullmatch(version)
    if found is None:
        return None
    try:
        return datetime.date(*(int(found.group(n)) for n in (1, 2, 3)))
    except ValueError:
        return None


LATEST = _day(shapes.API_VERSION)


def check(version: str, param: str | None = None) -> str:
    """`version` if the sandbox accepts it, else Stripe's 400."""
    day = _day(version.strip())
    if day is None or LATEST is None or day > LATEST:
        raise StripeError(f"Invalid Stripe API version: {version}", param=param)
    return version.strip()

"""A configurable request rate limit (off by default), answered as Stripe answers it.

Stripe: "Exceeding a limit returns HTTP 429" with code `rate_limit`
(https://docs.stripe.com/rate-limits). No `Stripe-Should-Retry: true` header: Stripe's
libraries deliberately do not retry real rate limits, only lock timeouts
(https://github.com/stripe/stripe-dotnet/issues/1886), so the client must back off itself.
"""

from __future__ import annotations

import threading
import time

from kiosk.sandbox.errors import StripeError

MESSAGE = (
    "Request rate limit exceeded. Learn more about rate limits here "
    "https://stripe.com/docs/rate-limits."
)


class RateLimiter:
    """A token bucket: `rate` requests per second, bursts of up to `rate` requests."""

    def __init__(self, rate: float) -> None:
        if rate <= 0:
            raise ValueError("the rate limit must be a positive number of requests per second")
        self.rate = rate
        self.capacity = max(1.0, rate)
        self._tokens = self.capacity
        self._at = time.monotonic()
        self._lock = threading.Lock()
        self.refused = 0

    def check(self) -> None:
        """Take one token, or raise the 429 Stripe answers."""
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.capacity, self._tokens + (now - self._at) * self.rate)
            self._at = now
            if self._tokens >= 1:
                self._tokens -= 1
                return
            self.refused += 1
        raise StripeError(MESSAGE, status=429, code="rate_limit")

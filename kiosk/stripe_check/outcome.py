"""What one run of the checks produced: named checks, and the objects Stripe returned."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import stripe

from kiosk.payments.errors import PaymentError, scrub


class CheckFailed(Exception):
    """A step ran, but Stripe's answer is not what the desk assumes."""


class Unreachable(Exception):
    """The target cannot be used at all (key rejected, no connection): skip the rest."""


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


@dataclass
class Outcome:
    checks: list[Check] = field(default_factory=list)
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    stopped: str = ""  # why the remaining steps were skipped

    def step(self, name: str, action: Callable[[], str]) -> bool:
        """Run `action` (returns the detail) and record it as check `name`."""
        if self.stopped:
            self.checks.append(Check(name, False, f"skipped: {self.stopped}"))
            return False
        try:
            detail = action()
        except Unreachable as exc:
            self.stopped = f"{name} failed"
            self.checks.append(Check(name, False, str(exc)))
            return False
        except CheckFailed as exc:
            self.checks.append(Check(name, False, str(exc)))
            return False
        except PaymentError as exc:
            self.checks.append(Check(name, False, exc.message))
            return False
        except stripe.StripeError as exc:
            self.checks.append(Check(name, False, describe(exc)))
            return False
        self.checks.append(Check(name, True, detail))
        return True


def describe(exc: stripe.StripeError) -> str:
    """One line for a raw stripe exception, with anything key-shaped masked."""
    status = f"HTTP {exc.http_status}: " if exc.http_status else ""
    if isinstance(exc, stripe.APIConnectionError):
        message = "no connection (network error or wrong address)"
    else:
        message = " ".join(str(exc.user_message or exc.code or "no message").split())[:300]
    return scrub(f"{status}{type(exc).__name__}: {message}")


@dataclass(frozen=True)
class DeskParams:
    """The desk's own settings that shape what it asks Stripe for."""

    currency: str = "INR"
    desk: str = "stripe-check"
    success_url: str = "https://example.edu/fees/paid?session={CHECKOUT_SESSION_ID}"
    cancel_url: str = "https://example.edu/fees/cancelled"
    session_minutes: int = 30

    @classmethod
    def from_context(cls, ctx: Any) -> DeskParams:
        s = ctx.settings
        return cls(
            currency=str(s.get("desk.currency")),
            desk=str(ctx.desk),
            success_url=str(s.get("stripe.success_url")),
            cancel_url=str(s.get("stripe.cancel_url")),
            session_minutes=int(s.get("stripe.session_minutes")),
        )

    def expires_at(self, margin: timedelta) -> int:
        """As the desk sets it: now + the session's minutes + the margin over 30 min."""
        return int(time.time() + self.session_minutes * 60 + margin.total_seconds())

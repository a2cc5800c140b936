"""Probe a restricted key (rk_test_…) for each permission the README lists.

Each probe is a request that the permission allows but that creates nothing: a list of
one for Read, and for Write a create with a deliberately invalid parameter, which Stripe
answers 400 after the permission check. Stripe answers 403 (stripe.PermissionError)
when the key lacks the permission ("Having the 'rak_…' permission would allow this
request to continue"). That permissions are checked before parameters is what Stripe's
errors show but its docs do not state; were it otherwise, a missing Write permission
would still surface, as a 403, in the run's own creates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import stripe

if TYPE_CHECKING:
    from kiosk.payments.gateway import StripeGateway

INVALID = "stripe-check-probe"  # no enum, integer or boolean parameter accepts it


@dataclass(frozen=True)
class Probe:
    resource: str  # as the README's table names it
    permission: str  # "Read" or "Write"
    call: Callable[[Any, dict[str, Any]], Any]  # (gateway.v1, options) -> response

    @property
    def label(self) -> str:
        return f"{self.resource}: {self.permission}"


def _write(service: Callable[[Any], Any], params: dict[str, Any]) -> Callable[..., Any]:
    return lambda v1, options: service(v1).create(params, options=options)


def _read(service: Callable[[Any], Any]) -> Callable[..., Any]:
    return lambda v1, options: service(v1).list({"limit": 1})


PROBES: tuple[Probe, ...] = (
    Probe("Checkout Sessions", "Write", _write(lambda v1: v1.checkout.sessions, {"mode": INVALID})),
    Probe(
        "Payment Links",
        "Write",
        _write(lambda v1: v1.payment_links, {"customer_creation": INVALID}),
    ),
    Probe("Prices", "Write", _write(lambda v1: v1.prices, {"unit_amount": INVALID})),
    Probe(
        "Products",
        "Write",
        _write(lambda v1: v1.products, {"name": "stripe-check", "shippable": INVALID}),
    ),
    Probe("Customers", "Write", _write(lambda v1: v1.customers, {"balance": INVALID})),
    Probe("PaymentIntents", "Read", _read(lambda v1: v1.payment_intents)),
    Probe("Charges", "Read", _read(lambda v1: v1.charges)),
    Probe("Refunds", "Write", _write(lambda v1: v1.refunds, {"amount": INVALID})),
    Probe("Events", "Read", _read(lambda v1: v1.events)),
)


def has_permission(gateway: StripeGateway, probe: Probe, key_prefix: str) -> bool:
    """False only on Stripe's 403; a 400 (our invalid parameter) means the key may.
    AuthenticationError and connection errors propagate: they are not about permissions."""
    slug = probe.resource.lower().replace(" ", "-")
    options = {"idempotency_key": f"{key_prefix}:probe-{slug}"}
    try:
        probe.call(gateway.v1, options)
    except stripe.PermissionError:
        return False
    except (stripe.AuthenticationError, stripe.APIConnectionError):
        raise
    except stripe.StripeError:
        return True
    return True


def missing_permissions(gateway: StripeGateway, key_prefix: str) -> list[str]:
    """The README permissions the key lacks, as "Resource: Read|Write" labels."""
    return [p.label for p in PROBES if not has_permission(gateway, p, key_prefix)]

"""Reading from Stripe what an apply pass must verify, with no ledger transaction open.

An object that reached the desk in a relay payload, and that no attempt of ours vouches
for, is read back from Stripe before money is credited on its word. That read must not
hold the ledger's write lock (SQLite) or its invoice and receipt-counter row locks
(PostgreSQL), so applying goes in rounds:

    results = apply_in_ledger(ctx, gateway, lambda s, v: [apply_event(s, e, ..., verifier=v)])

`work` runs in one short transaction. When it asks the `Verifier` for an object not read
yet, the round is rolled back, the objects are read from Stripe with no transaction open,
and `work` runs again with them. Most pages need no read and commit in the first round.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar, cast

from sqlalchemy.orm import Session

from kiosk.payments import stripe_shapes as shapes
from kiosk.payments.errors import NotFound

if TYPE_CHECKING:
    from kiosk.context import Context
    from kiosk.payments.gateway import StripeGateway

T = TypeVar("T")
ROUNDS = 3  # a verified object can name another (a charge's refunds): two reads at most


class Verifier:
    """Stripe objects read for an apply pass, by id; `{}` when Stripe has no such object."""

    def __init__(self) -> None:
        self.found: dict[str, shapes.StripeObject] = {}
        self.missing: dict[str, str] = {}  # id -> kind

    def session(self, obj_id: str) -> shapes.CheckoutSession | None:
        return cast("shapes.CheckoutSession | None", self.get("session", obj_id))

    def payment_intent(self, obj_id: str) -> shapes.PaymentIntent | None:
        return cast("shapes.PaymentIntent | None", self.get("payment_intent", obj_id))

    def refund(self, obj_id: str) -> shapes.Refund | None:
        return cast("shapes.Refund | None", self.get("refund", obj_id))

    def get(self, kind: str, obj_id: str) -> shapes.StripeObject | None:
        """The object as Stripe has it now, or None when it has not been read yet (the
        round then ends in a rollback, the read, and a new round)."""
        if obj_id in self.found:
            return self.found[obj_id]
        self.missing[obj_id] = kind
        return None

    def fetch(self, gateway: StripeGateway) -> None:
        """Read every missing object. Call with no transaction open."""
        readers: dict[str, Callable[[str], shapes.StripeObject]] = {
            "session": gateway.retrieve_session,
            "payment_intent": gateway.retrieve_payment_intent,
            "refund": gateway.retrieve_refund,
        }
        for obj_id, kind in list(self.missing.items()):
            try:
                self.found[obj_id] = readers[kind](obj_id)
            except NotFound:
                self.found[obj_id] = {}
        self.missing.clear()


class _Reread(Exception):
    """Roll the round back: the verifier has objects to read first."""


def apply_in_ledger(
    ctx: Context, gateway: StripeGateway | None, work: Callable[[Session, Verifier | None], T]
) -> T:
    """Run `work` in a short ledger transaction, reading what it must verify from Stripe
    between rounds, never inside one. Without a gateway nothing is verified (such objects
    come back `deferred`, for reconcile). Raises StripeUnavailable from a read."""
    verifier = Verifier() if gateway is not None else None
    for last in [False] * (ROUNDS - 1) + [True]:
        try:
            with ctx.ledger.begin() as s:
                done = work(s, verifier)
                if verifier is not None and verifier.missing and not last:
                    raise _Reread
            return done
        except _Reread:
            assert gateway is not None and verifier is not None
            verifier.fetch(gateway)
    raise AssertionError("unreachable")  # pragma: no cover

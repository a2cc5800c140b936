"""Undo what a run created, as far as Stripe allows: expire the session, deactivate the
payment link and its price, delete the test customer. Payments and refunds cannot be
deleted on Stripe; the test payment was refunded in full."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kiosk.payments.errors import PaymentError
from kiosk.payments.gateway import translated
from kiosk.stripe_check.outcome import CheckFailed

if TYPE_CHECKING:
    from kiosk.stripe_check.checks import Run


def _tasks(run: Run) -> list[tuple[str, str, Callable[[str], Any]]]:
    gw, key = run.gw, run.key
    return [
        ("session", "expired the session", lambda i: gw.expire_session(i, key("clean-expire"))),
        (
            "link",
            "deactivated the payment link",
            lambda i: gw.deactivate_payment_link(i, key("clean-deactivate")),
        ),
        (
            "price",
            "deactivated its price",
            lambda i: gw.v1.prices.update(i, {"active": False}, {"idempotency_key": key("price")}),
        ),
        ("customer", "deleted the test customer", lambda i: gw.v1.customers.delete(i)),
    ]


def clean_up(run: Run) -> str:
    done: list[str] = []
    problems: list[str] = []
    for kind, what, action in _tasks(run):
        object_id = run.ids.get(kind)
        if object_id is None:
            continue
        if kind in run.done:
            done.append(what)
            continue
        try:
            with translated(f"clean up {object_id}"):
                action(object_id)
        except PaymentError as exc:
            problems.append(f"could not clean up {object_id}: {exc.message}")
            continue
        done.append(what)
    if problems:
        raise CheckFailed("; ".join(problems))
    if not done:
        return "nothing to clean up"
    return ", ".join(done) + "; the refunded test payment stays (Stripe keeps payments)"

"""Every field our Stripe shapes (kiosk.payments.stripe_shapes) declare is a field of
stripe-python's own resource class, so the type checker's view of Stripe's objects is
Stripe's. A field renamed or misspelt here fails this test; one read in the code but not
declared fails mypy."""

from __future__ import annotations

import types
import typing

import pytest
import stripe

from kiosk.payments import stripe_shapes as shapes

PAIRS = [
    (shapes.CheckoutSession, stripe.checkout.Session),
    (shapes.PaymentIntent, stripe.PaymentIntent),
    (shapes.Charge, stripe.Charge),
    (shapes.Refund, stripe.Refund),
    (shapes.PaymentLink, stripe.PaymentLink),
    (shapes.Price, stripe.Price),
    (shapes.Event, stripe.Event),
    (shapes.EventData, stripe.Event.Data),
    (shapes.PaymentMethodDetails, stripe.Charge.PaymentMethodDetails),
    (shapes.CardDetails, stripe.Charge.PaymentMethodDetails.Card),
    (shapes.UpiDetails, stripe.Charge.PaymentMethodDetails.Upi),
    (shapes.LastPaymentError, stripe.PaymentIntent.LastPaymentError),
    (shapes.PaymentMethodRef, stripe.PaymentMethod),
    (shapes.NextAction, stripe.PaymentIntent.NextAction),
    (shapes.RefundList, stripe.ListObject),
]


def stripe_fields(cls: type) -> set[str]:
    found: set[str] = set()
    for klass in cls.__mro__:
        found |= set(getattr(klass, "__annotations__", {}))
    return found


@pytest.mark.parametrize("ours, theirs", PAIRS, ids=lambda p: getattr(p, "__name__", "?"))
def test_each_field_is_one_stripe_has(ours, theirs):
    unknown = sorted(set(ours.__annotations__) - stripe_fields(theirs))
    assert unknown == [], f"{ours.__name__} declares fields {theirs.__name__} does not have"


def test_every_shape_is_checked_and_resolves():
    declared = {
        obj for obj in vars(shapes).values() if isinstance(obj, type) and typing.is_typeddict(obj)
    }
    assert declared == {ours for ours, _ in PAIRS}
    for ours in declared:
        typing.get_type_hints(ours)  # forward references all resolve


def test_the_fixtures_fit_the_shapes():
    """Stripe's own example objects (tests/sandbox/fixtures/stripe_fixtures.json, MIT) carry every field the
    shapes declare for them, with the declared kind of value."""
    import json
    from pathlib import Path

    fixtures = json.loads(
        (Path(__file__).parents[1] / "sandbox" / "fixtures" / "stripe_fixtures.json").read_text()
    )
    by_object = {
        "checkout.session": shapes.CheckoutSession,
        "payment_intent": shapes.PaymentIntent,
        "charge": shapes.Charge,
        "refund": shapes.Refund,
        "payment_link": shapes.PaymentLink,
    }
    seen = 0
    for example in _objects(fixtures):
        shape = by_object.get(str(example.get("object")))
        if shape is None:
            continue
        seen += 1
        hints = typing.get_type_hints(shape)
        for name in set(shape.__annotations__) & set(example):
            assert _fits(example[name], hints[name]), (example["object"], name, example[name])
    assert seen >= 3


def _objects(node):
    if isinstance(node, dict):
        if "object" in node and "id" in node:
            yield node
        for value in node.values():
            yield from _objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from _objects(value)


def _fits(value, hint) -> bool:
    if value is None:
        return type(None) in typing.get_args(hint) or hint is typing.Any
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, h) for h in typing.get_args(hint) if h is not type(None))
    if typing.is_typeddict(hint) or origin is dict:
        return isinstance(value, dict)
    if origin is list:
        return isinstance(value, list)
    if hint is typing.Any:
        return True
    return isinstance(value, hint) and not (hint is int and isinstance(value, bool))

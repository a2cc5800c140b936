"""Shapes compared field by field: presence, type and nullability everywhere; values only
of enum fields, which the stripe package's annotations name (nested classes too)."""

from __future__ import annotations

from kiosk.stripe_check.compare import compare, compare_all


def session(**fields: object) -> dict[str, object]:
    return {"object": "checkout.session", "id": "cs_test_a", "created": 1, **fields}


def test_ids_timestamps_and_free_values_are_not_differences() -> None:
    a = session(amount_total=500, customer_email="a@example.edu", metadata={"invoice": "1"})
    b = session(amount_total=9, customer_email="b@example.edu", metadata={"invoice": "2"})
    b.update(id="cs_test_b", created=2)
    assert compare("s", a, b) == []


def test_enums_are_compared_by_value_even_in_nested_objects() -> None:
    a = session(status="open", customer_details={"tax_exempt": "none", "email": "x"})
    b = session(status="open", customer_details={"tax_exempt": "exempt", "email": "y"})
    assert compare("s", a, b) == [
        {
            "object": "s",
            "field": "customer_details.tax_exempt",
            "sandbox": "'none'",
            "stripe": "'exempt'",
        }
    ]


def test_enum_lists_compare_as_sets_other_lists_by_their_first_element() -> None:
    a = {
        "object": "payment_link",
        "payment_method_types": ["card"],
        "custom_fields": [{"key": "k"}],
    }
    b = {"object": "payment_link", "payment_method_types": ["link", "card"], "custom_fields": [{}]}
    assert compare("l", a, b) == [
        {"object": "l", "field": "custom_fields[].key", "sandbox": "string", "stripe": "absent"},
        {
            "object": "l",
            "field": "payment_method_types",
            "sandbox": "['card']",
            "stripe": "['card', 'link']",
        },
    ]


def test_expanded_objects_take_their_own_class() -> None:
    a = session(payment_intent={"object": "payment_intent", "status": "succeeded", "amount": 1})
    b = session(payment_intent={"object": "payment_intent", "status": "processing", "amount": None})
    assert compare("s", a, b) == [
        {"object": "s", "field": "payment_intent.amount", "sandbox": "integer", "stripe": "null"},
        {
            "object": "s",
            "field": "payment_intent.status",
            "sandbox": "'succeeded'",
            "stripe": "'processing'",
        },
    ]


def test_an_object_only_one_side_has() -> None:
    assert compare_all({"x": {}}, {}) == [
        {"object": "x", "field": "(object)", "sandbox": "present", "stripe": "absent"}
    ]

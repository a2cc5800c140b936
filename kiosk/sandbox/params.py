"""Parameter validation the way Stripe reports it: unknown, missing and invalid params
each get a 400 naming the `param` (`line_items[0][price_data][currency]`).

A spec is a dict of name -> validator; a validator is `fn(value, param) -> value`.
Form values arrive as strings, dicts and lists (see forms.py); validators convert them.

Error codes are Stripe's (https://docs.stripe.com/error-codes; the same list is in
stripe-rust's `ErrorCode`): `parameter_unknown`, `parameter_missing`,
`parameter_invalid_integer`, `parameter_invalid_boolean`, `parameter_invalid_empty`,
`parameter_invalid_string_empty`, `parameters_exclusive`. `""` means "unset": a param that
names an object or takes a number or flag cannot be unset, so `customer=` is a 400;
`metadata[key]=` removes the key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from kiosk.sandbox.errors import (
    StripeError,
    invalid,
    missing_param,
    only_one_of,
    unknown_param,
)

Validator = Callable[[Any, str], Any]
# params that name an object: "" cannot unset them (Stripe's "You passed an empty string")
ID_PARAMS = frozenset(
    {
        "customer",
        "price",
        "product",
        "payment_intent",
        "charge",
        "payment_method",
        "payment_link",
        "starting_after",
        "ending_before",
        "currency",
    }
)
Spec = dict[str, Validator]

MAX_STRING = 5000
_DIGITS = re.compile(r"-?[0-9]+")
INT_LIMIT = 2**53


def validate(
    spec: Spec, params: dict[str, Any], required: Iterable[str] = (), prefix: str = ""
) -> dict[str, Any]:
    """Check `params` against `spec`; return converted values (unknown names are a 400)."""
    out: dict[str, Any] = {}
    for name, value in params.items():
        param = f"{prefix}[{name}]" if prefix else name
        check = spec.get(name)
        if check is None:
            raise unknown_param(param)
        if value == "" and name in ID_PARAMS:
            raise empty_string(param)
        out[name] = check(value, param)
    for name in required:
        if out.get(name) in (None, "", [], {}):
            raise missing_param(f"{prefix}[{name}]" if prefix else name)
    return out


def string(max_length: int = MAX_STRING) -> Validator:
    def check(value: Any, param: str) -> str | None:
        if not isinstance(value, str):
            raise invalid(f"Invalid string: {_show(value)}", param, code="parameter_invalid_string")
        if len(value) > max_length:
            raise invalid(
                f"Invalid {param}: must be at most {max_length} characters",
                param,
                code="string_too_long",
            )
        return value or None

    return check


EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def email(max_length: int = 512) -> Validator:
    """An email address (Stripe: `Invalid email address: …`)."""
    text = string(max_length)

    def check(value: Any, param: str) -> str | None:
        found = text(value, param)
        if found is not None and not EMAIL.fullmatch(found):
            raise invalid(f"Invalid email address: {_show(found)}", param, code="email_invalid")
        return None if found is None else str(found)

    return check


def enum(*choices: str) -> Validator:
    def check(value: Any, param: str) -> str | None:
        if value == "":
            return None
        if value not in choices:
            raise invalid(f"Invalid {param}: must be one of {_or_list(choices)}", param)
        return str(value)

    return check


def empty_string(param: str) -> StripeError:
    return invalid(
        f"You passed an empty string for '{param}'. We assume empty values are an attempt "
        f"to unset a parameter; however '{param}' cannot be unset. You should remove "
        f"'{param}' from your request or supply a non-empty value.",
        param,
        code="parameter_invalid_empty",
    )


def integer(
    minimum: int | None = None, maximum: int = INT_LIMIT, *, unset: bool = False
) -> Validator:
    """An integer; `""` is a 400 unless `unset` (then it means None)."""

    def check(value: Any, param: str) -> int | None:
        if value == "":
            if not unset:
                raise empty_string(param)
            return None
        number = _to_int(value, param)
        if minimum is not None and number < minimum:
            raise invalid(
                f"Invalid {param}: must be greater than or equal to {minimum}",
                param,
                code="parameter_invalid_integer",
            )
        if number > maximum:
            raise invalid(
                f"Invalid {param}: must be less than or equal to {maximum}",
                param,
                code="parameter_invalid_integer",
            )
        return number

    return check


def boolean(value: Any, param: str) -> bool | None:
    if value == "":
        raise empty_string(param)
    if value in ("true", True):
        return True
    if value in ("false", False):
        return False
    raise invalid(f"Invalid boolean: {_show(value)}", param, code="parameter_invalid_boolean")


def obj(spec: Spec, required: Iterable[str] = ()) -> Validator:
    required = tuple(required)

    def check(value: Any, param: str) -> dict[str, Any] | None:
        if value == "":
            return None
        if not isinstance(value, dict):
            raise invalid(f"Invalid object: {param} must be a hash", param)
        return validate(spec, value, required, prefix=param)

    return check


def list_of(item: Validator, max_items: int = 100) -> Validator:
    def check(value: Any, param: str) -> list[Any] | None:
        if value == "":
            return []
        if not isinstance(value, list):
            raise invalid(f"Invalid array: {param} must be an array", param)
        if len(value) > max_items:
            raise invalid(f"Invalid {param}: must have at most {max_items} items", param)
        return [item(v, f"{param}[{i}]") for i, v in enumerate(value)]

    return check


def range_filter(value: Any, param: str) -> dict[str, int] | None:
    """`created=123` or `created[gte]=…&created[lt]=…` -> {"gte": 123, ...}."""
    if value == "":
        return None
    if isinstance(value, str):
        return {"eq": _to_int(value, param)}
    spec = {op: integer() for op in ("gt", "gte", "lt", "lte")}
    bounds: dict[str, int] | None = obj(spec)(value, param)
    return bounds


def expand_list(value: Any, param: str) -> list[str]:
    return list_of(string(), max_items=30)(value, param) or []


def metadata(value: Any, param: str) -> dict[str, str | None]:
    """Stripe metadata: ≤ 50 keys, key ≤ 40 chars, value ≤ 500 chars; "" unsets."""
    if value == "":
        return {}
    if not isinstance(value, dict):
        raise invalid("Invalid metadata: metadata must be a hash of string keys and values", param)
    if len(value) > 50:
        raise invalid("Invalid metadata: metadata can have at most 50 keys", param)
    return {k: _metadata_value(k, v, param) for k, v in value.items()}


def _metadata_value(key: str, value: Any, param: str) -> str | None:
    if len(key) > 40:
        raise invalid(
            f"Metadata keys must be at most 40 characters long (got {key[:60]!r})",
            f"{param}[{key[:60]}]",
        )
    if not isinstance(value, str):
        raise invalid(f"Invalid string: {_show(value)}", f"{param}[{key}]")
    if len(value) > 500:
        raise invalid(
            f"Metadata values must be at most 500 characters long (key {key!r})",
            f"{param}[{key}]",
        )
    return value or None


def apply_metadata(
    current: dict[str, str], changes: dict[str, str | None] | None
) -> dict[str, str]:
    """Merge an update into existing metadata (`None` deletes; `{}` from "" clears)."""
    if changes is None:
        return current
    if changes == {}:
        return {}
    merged = dict(current)
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    if len(merged) > 50:
        raise invalid("Invalid metadata: metadata can have at most 50 keys", "metadata")
    return merged


def fresh_metadata(changes: dict[str, str | None] | None) -> dict[str, str]:
    return apply_metadata({}, changes or {})


def _to_int(value: Any, param: str) -> int:
    if not isinstance(value, str) or not _DIGITS.fullmatch(value) or len(value) > 20:
        raise invalid(f"Invalid integer: {_show(value)}", param, code="parameter_invalid_integer")
    number = int(value)
    if abs(number) > INT_LIMIT:
        raise invalid(f"Invalid integer: {_show(value)}", param, code="parameter_invalid_integer")
    return number


def _show(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _or_list(choices: Iterable[str]) -> str:
    items = list(choices)
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + f", or {items[-1]}"


def one_of_required(values: dict[str, Any], *names: str) -> str:
    """Exactly one of `names` must be present; return it."""
    given = [n for n in names if values.get(n) is not None]
    if len(given) > 1:
        raise only_one_of(*given)
    if not given:
        raise StripeError(
            f"You must provide one of these parameters: {', '.join(names)}.",
            param=names[0],
            code="parameter_missing",
        )
    return given[0]

"""Compare the shapes of two answers to the same request: the sandbox's and Stripe's.

Recursively, field by field: presence, JSON type (so also nullability), and the value of
enum fields. Ids, timestamps, amounts and other values are not compared. Which string
fields are enums is read from the installed stripe package's resource classes (their
`Literal[...]` annotations), so it follows the API version the desk pins.
"""

from __future__ import annotations

import inspect
import typing
from typing import Any

from stripe import StripeObject
from stripe._object_classes import OBJECT_CLASSES, get_object_class

Difference = dict[str, str]


def kind(value: Any) -> str:
    """The JSON type of a value, as a difference shows it."""
    if value is None:
        return "null"
    for python_type, name in (
        (bool, "boolean"),
        (int, "integer"),
        (float, "number"),
        (str, "string"),
        (dict, "object"),
        (list, "list"),
    ):
        if isinstance(value, python_type):
            return name
    return type(value).__name__


def compare_all(
    sandbox: dict[str, dict[str, Any]], stripe: dict[str, dict[str, Any]]
) -> list[Difference]:
    """Every difference between two runs' objects, keyed by the same labels."""
    out: list[Difference] = []
    for label in sorted(set(sandbox) | set(stripe)):
        if label not in sandbox or label not in stripe:
            present = ("present", "absent") if label in sandbox else ("absent", "present")
            out.append(_diff(label, "(object)", *present))
            continue
        out.extend(compare(label, sandbox[label], stripe[label]))
    return out


def compare(label: str, sandbox: Any, stripe: Any) -> list[Difference]:
    """The differences between two objects of one kind, e.g. two checkout sessions."""
    out: list[Difference] = []
    _walk(label, "", sandbox, stripe, None, out)
    return out


def _diff(label: str, path: str, sandbox: str, stripe: str) -> Difference:
    return {"object": label, "field": path or "(object)", "sandbox": sandbox, "stripe": stripe}


def _walk(label: str, path: str, a: Any, b: Any, ann: Any, out: list[Difference]) -> None:
    ka, kb = kind(a), kind(b)
    if ka != kb:
        out.append(_diff(label, path, ka, kb))
    elif ka == "object":
        cls = _object_class(a, ann)
        for name in sorted(set(a) | set(b)):
            sub = f"{path}.{name}" if path else name
            if name not in a or name not in b:
                shown = (kind(a[name]), "absent") if name in a else ("absent", kind(b[name]))
                out.append(_diff(label, sub, *shown))
            else:
                _walk(label, sub, a[name], b[name], _field(cls, name), out)
    elif ka == "list":
        _walk_list(label, path, a, b, _element(ann), out)
    elif ka == "string" and a != b and _enum(ann):
        out.append(_diff(label, path, repr(a), repr(b)))


def _walk_list(
    label: str, path: str, a: list[Any], b: list[Any], ann: Any, out: list[Difference]
) -> None:
    """An enum list compares its values as sets; other lists compare first elements."""
    if _enum(ann) and all(isinstance(v, str) for v in (*a, *b)):
        if set(a) != set(b):
            out.append(_diff(label, path, repr(sorted(a)), repr(sorted(b))))
    elif a and b:
        _walk(label, f"{path}[]", a[0], b[0], ann, out)


# -- what the stripe package says about a field -------------------------------------------


def _flatten(ann: Any) -> list[Any]:
    """The alternatives of Optional/Union annotations (`Literal[...]` kept whole)."""
    if typing.get_origin(ann) is typing.Union:
        return [alt for arg in typing.get_args(ann) for alt in _flatten(arg)]
    return [ann]


def _enum(ann: Any) -> bool:
    return any(typing.get_origin(alt) is typing.Literal for alt in _flatten(ann))


def _element(ann: Any) -> Any:
    for alt in _flatten(ann):
        if typing.get_origin(alt) is list and typing.get_args(alt):
            return typing.get_args(alt)[0]
    return None


def _object_class(value: dict[str, Any], ann: Any) -> type | None:
    """The resource class for a dict: by its `object` name, else from the annotation."""
    name = value.get("object")
    if isinstance(name, str) and name in OBJECT_CLASSES:
        return get_object_class("V1", name)
    for alt in _flatten(ann):
        if isinstance(alt, type) and issubclass(alt, StripeObject):
            return alt
    return None


def _field(cls: type | None, name: str) -> Any:
    for klass in cls.__mro__ if cls else ():
        found = inspect.get_annotations(klass).get(name)
        if found is not None:
            return found
    return None

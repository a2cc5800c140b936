"""The contract: what the installed stripe package says each object looks like.

Derived at test time from the resource classes' annotations (field names, `Optional`,
`Literal` enums, nested classes, `ExpandableField`, `ListObject[...]`), so a new stripe
release that adds a field or renames an enum value fails the suite instead of slipping by.

Rules, for every object the suite receives from the sandbox:
- a field the class does not annotate is an error (extra or misspelt field);
- a field annotated without `Optional` must be present and not null;
- a present value must have the annotated type; a string where the annotation holds a
  `Literal` must be one of its values (stripe-python adds `str` to every enum only for
  forward compatibility, so it is not taken as "any string");
- expandable fields may be an id or the object; objects are checked by their `object`.

stripe-python annotates "nullable" and "sometimes omitted" alike (`Optional`), so an
`Optional` field may be absent; `ALWAYS_PRESENT` names the ones Stripe always returns.
"""

from __future__ import annotations

import functools
import importlib
import types
import typing
from typing import Any, ForwardRef, Literal, Union

from stripe._list_object import ListObject
from stripe._object_classes import OBJECT_CLASSES
from stripe._search_result_object import SearchResultObject
from stripe._stripe_object import StripeObject, UntypedStripeObject

# Optional in the SDK but always in Stripe's answer (null when there is no value). The
# SDK cannot tell these from fields Stripe omits, so they are named here: those issue 13
# lists, and the ones the PaymentIntent and PaymentMethod examples in Stripe's API
# reference show (https://docs.stripe.com/api/payment_intents/object).
ALWAYS_PRESENT: dict[str, frozenset[str]] = {
    "payment_intent": frozenset(
        {"allowed_payment_method_types", "payment_record", "last_payment_error", "latest_charge"}
    ),
    "payment_method": frozenset({"allow_redisplay", "customer"}),
    "product": frozenset({"tax_details"}),
}
MAX_PROBLEMS_PER_OBJECT = 20


def _load(object_name: str) -> type | None:
    found = OBJECT_CLASSES.get(object_name)
    if found is None:
        return None
    module, name = found
    return getattr(importlib.import_module(module), name)


@functools.cache
def _by_class_name() -> dict[str, type]:
    names: dict[str, type] = {}
    for object_name in OBJECT_CLASSES:
        cls = _load(object_name)
        if cls is not None:
            names.setdefault(cls.__name__, cls)
    return names


@functools.cache
def fields_of(cls: type) -> dict[str, Any]:
    """Annotated public fields of a StripeObject class (its own and inherited)."""
    found: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        if klass in (object, StripeObject, dict) or not issubclass(klass, StripeObject):
            continue
        for name, hint in vars(klass).get("__annotations__", {}).items():
            if name.startswith("_") or name == "OBJECT_NAME" or _is_classvar(hint):
                continue
            found[name] = hint
    return found


def _is_classvar(hint: Any) -> bool:
    return typing.get_origin(hint) is typing.ClassVar or str(hint).startswith("ClassVar")


def check(obj: Any, where: str = "") -> list[str]:
    """Problems with one top-level API object (empty when it honours the contract)."""
    problems: list[str] = []
    _check_value(obj, Any, where or _label(obj), problems)
    return problems[:MAX_PROBLEMS_PER_OBJECT]


def _label(obj: Any) -> str:
    if isinstance(obj, dict):
        return str(obj.get("object") or "?")
    return type(obj).__name__


def _check_object(value: dict[str, Any], cls: type, where: str, out: list[str]) -> None:
    if value.get("object") not in (None, getattr(cls, "OBJECT_NAME", None)):
        named = _load(str(value["object"]))
        if named is not None and named is not cls and value["object"] not in ("list",):
            cls = named
    fields = fields_of(cls)
    if not fields:  # an untyped container (metadata and the like)
        return
    if value.get("deleted") is True and "deleted" in fields:
        fields = {k: fields[k] for k in ("id", "object", "deleted") if k in fields}
    for name in value:
        if name not in fields:
            out.append(f"{where}.{name}: not a field of {cls.__name__} in this stripe package")
    always = ALWAYS_PRESENT.get(getattr(cls, "OBJECT_NAME", ""), frozenset())
    for name, hint in fields.items():
        if name not in value:
            if not _nullable(hint) or name in always:
                out.append(f"{where}.{name}: missing (Stripe always returns it)")
            continue
        _check_value(value[name], hint, f"{where}.{name}", out)


def _nullable(hint: Any) -> bool:
    return typing.get_origin(hint) is Union and type(None) in typing.get_args(hint)


def _check_value(value: Any, hint: Any, where: str, out: list[str]) -> None:
    if hint is Any or isinstance(hint, typing.TypeVar):
        if isinstance(value, dict) and isinstance(value.get("object"), str):
            cls = _load(value["object"])
            if cls is not None:
                _check_container_or_object(value, cls, None, where, out)
        elif isinstance(value, list):
            for n, item in enumerate(value):
                _check_value(item, Any, f"{where}[{n}]", out)
        return
    if value is None:
        if not _nullable(hint):
            out.append(f"{where}: null, but the field is not Optional")
        return
    origin = typing.get_origin(hint)
    if origin is Union:
        _check_union(value, typing.get_args(hint), where, out)
    elif origin is Literal:
        if value not in typing.get_args(hint):
            out.append(f"{where}: {value!r} is not one of {typing.get_args(hint)}")
    elif origin in (list, list):
        _check_list(value, typing.get_args(hint), where, out)
    elif origin in (dict, dict):
        if not isinstance(value, dict):
            out.append(f"{where}: expected an object, got {type(value).__name__}")
    elif isinstance(hint, ForwardRef):
        _check_named(value, hint.__forward_arg__, where, out)
    elif isinstance(hint, str):
        _check_named(value, hint, where, out)
    else:
        _check_plain(value, hint, where, out)


def _check_union(value: Any, args: tuple[Any, ...], where: str, out: list[str]) -> None:
    args = tuple(a for a in args if a is not type(None))
    literals = [a for a in args if typing.get_origin(a) is Literal]
    allowed = {v for lit in literals for v in typing.get_args(lit)}
    if isinstance(value, (str, bool, int)) and value in allowed:
        return
    if literals and isinstance(value, str):
        if value not in allowed:
            out.append(f"{where}: {value!r} is not one of the enum {sorted(allowed)}")
        return
    if isinstance(value, str) and str in args:  # an expandable id, or a plain string
        return
    candidates = [a for a in args if a is not str and typing.get_origin(a) is not Literal]
    if not candidates:
        out.append(f"{where}: expected a string, got {type(value).__name__}")
        return
    attempts = []
    for candidate in candidates:
        found: list[str] = []
        _check_value(value, candidate, where, found)
        if not found:
            return
        attempts.append(found)
    out.extend(min(attempts, key=len))


def _check_list(value: Any, args: tuple[Any, ...], where: str, out: list[str]) -> None:
    if not isinstance(value, list):
        out.append(f"{where}: expected a list, got {type(value).__name__}")
        return
    item = args[0] if args else Any
    for n, element in enumerate(value):
        _check_value(element, item, f"{where}[{n}]", out)


def _check_named(value: Any, name: str, where: str, out: list[str]) -> None:
    cls = _by_class_name().get(name.strip("'\""))
    if cls is None:  # a class the SDK names only for type checkers: check what we can
        if not isinstance(value, dict):
            out.append(f"{where}: expected a {name} object, got {type(value).__name__}")
        return
    _check_plain(value, cls, where, out)


def _check_plain(value: Any, hint: Any, where: str, out: list[str]) -> None:
    origin = typing.get_origin(hint) or hint
    if isinstance(origin, type) and issubclass(origin, (ListObject, SearchResultObject)):
        item = (typing.get_args(hint) or (Any,))[0]
        _check_container_or_object(value, origin, item, where, out)
    elif isinstance(origin, type) and issubclass(origin, UntypedStripeObject):
        if not isinstance(value, dict):
            out.append(f"{where}: expected an object, got {type(value).__name__}")
    elif isinstance(origin, type) and issubclass(origin, StripeObject):
        _check_container_or_object(value, origin, None, where, out)
    elif hint is bool:
        if not isinstance(value, bool):
            out.append(f"{where}: expected a boolean, got {value!r}")
    elif hint is int:
        if not isinstance(value, int) or isinstance(value, bool):
            out.append(f"{where}: expected an integer, got {value!r}")
    elif hint is float:
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            out.append(f"{where}: expected a number, got {value!r}")
    elif hint is str:
        if not isinstance(value, str):
            out.append(f"{where}: expected a string, got {value!r}")
    elif not isinstance(hint, (type, types.GenericAlias)):
        return  # an annotation this checker does not model (e.g. a TypedDict alias)


def _check_container_or_object(
    value: Any, cls: type, item: Any, where: str, out: list[str]
) -> None:
    if not isinstance(value, dict):
        out.append(f"{where}: expected a {cls.__name__} object, got {type(value).__name__}")
        return
    if issubclass(cls, (ListObject, SearchResultObject)):
        data = value.get("data")
        if not isinstance(data, list):
            out.append(f"{where}.data: a list object without a data list")
            return
        for n, element in enumerate(data):
            _check_value(element, item if item is not None else Any, f"{where}.data[{n}]", out)
        rest = {k: v for k, v in value.items() if k != "data"}
        for name in rest:
            if name not in ("object", "has_more", "url", "next_page", "total_count"):
                out.append(f"{where}.{name}: not a field of a list object")
        return
    if getattr(cls, "OBJECT_NAME", None) == "event":
        _check_event(value, cls, where, out)
        return
    _check_object(value, cls, where, out)


def _check_event(value: dict[str, Any], cls: type, where: str, out: list[str]) -> None:
    data = value.get("data") or {}
    _check_object({**value, "data": {"object": {}}}, cls, where, out)
    inner = data.get("object")
    if isinstance(inner, dict):
        _check_value(inner, Any, f"{where}.data.object", out)


def check_error(error: Any) -> list[str]:
    """Problems with an error body's `error` (its payment_intent and payment_method
    are whole objects)."""
    from stripe._error_object import ErrorObject

    problems: list[str] = []
    _check_object(error, ErrorObject, "error", problems)
    return problems[:MAX_PROBLEMS_PER_OBJECT]

"""Decode Stripe's bracket form encoding (`a[b][0][c]=v`) from a body or a query string.

Lists are sent indexed (`line_items[0][price]=…`) or appended (`expand[]=…`); both
decode to Python lists. Limits on size, pair count, depth and index keep hostile
input to a clean 400.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from kiosk.sandbox.errors import StripeError, invalid

MAX_PAIRS = 2000
MAX_DEPTH = 6
MAX_KEY_LENGTH = 300
MAX_INDEX = 9999


def decode(raw: bytes | str) -> dict[str, Any]:
    """`b"a[b]=1&c[]=x"` -> `{"a": {"b": "1"}, "c": ["x"]}`; raises a Stripe 400."""
    text = _to_text(raw)
    try:
        pairs = parse_qsl(
            text, keep_blank_values=True, strict_parsing=False, max_num_fields=MAX_PAIRS
        )
    except ValueError:
        raise invalid(f"Too many parameters (more than {MAX_PAIRS}).") from None
    root: dict[str, Any] = {}
    for key, value in pairs:
        _insert(root, _split(key), value, key)
    return {name: _lists(value) for name, value in root.items()}  # the root stays a hash


def merge(query: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """Query-string params overlaid by body params (the body wins on a clash)."""
    return {**query, **body} if query else body


def _to_text(raw: bytes | str) -> str:
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise invalid("Invalid request body: it is not valid UTF-8.") from None


def _split(key: str) -> list[str]:
    """`a[b][0]` -> ["a", "b", "0"] (fast path: no brackets)."""
    if len(key) > MAX_KEY_LENGTH:
        raise invalid(f"Invalid parameter name (longer than {MAX_KEY_LENGTH} characters).")
    if "[" not in key and "]" not in key and key:
        return [key]
    head, _, rest = key.partition("[")
    parts = [head, *rest[:-1].split("][")]
    if not head or not rest.endswith("]") or any("[" in p or "]" in p for p in parts):
        raise invalid(f"Invalid parameter name: {key[:100]}", param=key[:100])
    if len(parts) > MAX_DEPTH:
        raise invalid(
            f"Invalid parameter name: {key[:100]} is nested more than {MAX_DEPTH - 1} levels deep.",
            param=key[:100],
        )
    return parts


def _insert(node: dict[str, Any], parts: list[str], value: str, key: str) -> None:
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        name = _index_name(part, node, key)
        if last:
            _put_leaf(node, name, value, key)
            return
        child = node.get(name)
        if child is None:
            child = node[name] = {}
        elif not isinstance(child, dict):
            raise _conflict(key)
        node = child


def _index_name(part: str, node: dict[str, Any], key: str) -> str:
    if part == "":
        return f"\0{len(node)}"  # `a[]=` appends
    if _digits(part) and int(part) > MAX_INDEX:
        raise invalid(f"Invalid array index in {key[:100]}: more than {MAX_INDEX}.")
    return part


def _put_leaf(node: dict[str, Any], name: str, value: str, key: str) -> None:
    if isinstance(node.get(name), dict):
        raise _conflict(key)
    node[name] = value


def _conflict(key: str) -> StripeError:
    return invalid(
        f"Invalid parameter: {key[:100]} is given both as a value and as a hash.",
        param=key[:100],
    )


def _lists(node: Any) -> Any:
    """Dicts whose keys are all indices (`0`, `1`, or appended) become lists."""
    if not isinstance(node, dict):
        return node
    if all(_is_index(k) for k in node):
        return [_lists(node[k]) for k in sorted(node, key=_index_value)]
    return {k.lstrip("\0"): _lists(v) for k, v in node.items()}


def _is_index(key: str) -> bool:
    return _digits(key) or key.startswith("\0")


def _index_value(key: str) -> int:
    return int(key.lstrip("\0"))


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()

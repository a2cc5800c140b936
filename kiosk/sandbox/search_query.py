"""A small subset of Stripe's Search Query Language, for `/v1/customers/search`.

Clauses `field:'value'` (exact) and `field~'value'` (substring), with
`metadata['key']:'value'`, joined by all-AND or all-OR (as Stripe requires).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from kiosk.sandbox.errors import invalid

_CLAUSE = re.compile(
    r"""\s*(?:(?P<meta>metadata\[(?P<q>['"])(?P<key>[^'"]+)(?P=q)\])|(?P<field>[a-z_]+))"""
    r"""\s*(?P<op>[:~])\s*(?P<vq>['"])(?P<value>(?:\\.|(?!(?P=vq)).)*)(?P=vq)\s*"""
)
Matcher = Callable[[dict[str, Any]], bool]


def compile_query(query: str, fields: frozenset[str]) -> Matcher:
    """A predicate for objects matching `query`; a 400 naming `query` otherwise."""
    joiner = " OR " if " OR " in query else " AND "
    if " OR " in query and " AND " in query:
        raise _bad(query, "AND and OR cannot be combined")
    clauses = [_clause(part, fields, query) for part in query.split(joiner)]
    combine = any if joiner == " OR " else all
    return lambda obj: combine(c(obj) for c in clauses)


def _clause(text: str, fields: frozenset[str], query: str) -> Matcher:
    m = _CLAUSE.fullmatch(text)
    if not m:
        raise _bad(query, f"could not parse {text.strip()!r}")
    value = re.sub(r"\\(.)", r"\1", m.group("value"))
    substring = m.group("op") == "~"
    if m.group("meta"):
        key = m.group("key")
        return lambda o: _test((o.get("metadata") or {}).get(key), value, substring)
    field = m.group("field")
    if field not in fields:
        raise _bad(query, f"{field} is not a searchable field")
    return lambda o: _test(o.get(field), value, substring)


def _test(actual: Any, wanted: str, substring: bool) -> bool:
    if not isinstance(actual, str):
        return False
    return wanted.lower() in actual.lower() if substring else actual == wanted


def _bad(query: str, why: str) -> Exception:
    return invalid(f"Invalid search query: {why}.", "query", code="parameter_invalid_string")

"""The bracket-form decoder against the stripe package's own encoder (property-based)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from hypothesis import given, settings
from hypothesis import strategies as st
from stripe._encode import _api_encode

from kiosk.sandbox import forms

_name = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8)
_leaf = st.text(max_size=12) | st.integers(-(10**9), 10**9)  # no bools: lists write "False"
_tree = st.recursive(
    _leaf,
    lambda inner: (
        st.lists(inner, min_size=1, max_size=3)
        | st.dictionaries(_name, inner, min_size=1, max_size=3)
    ),
    max_leaves=12,
)


def _as_form_values(value: Any) -> Any:
    """What the decoder should give back: strings at the leaves, like Stripe receives."""
    if isinstance(value, dict):
        return {k: _as_form_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_form_values(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(_depth(v) for v in value.values())
    if isinstance(value, list):
        return 1 + max(_depth(v) for v in value)
    return 0


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_name, _tree, min_size=1, max_size=4))
def test_decode_inverts_stripe_encoding(params):
    if max(_depth(v) for v in params.values()) >= forms.MAX_DEPTH:
        return
    body = urlencode(list(_api_encode(params))).replace("%5B", "[").replace("%5D", "]")
    assert forms.decode(body) == _as_form_values(params)
    assert forms.decode(urlencode(list(_api_encode(params)))) == _as_form_values(params)


def test_booleans_arrive_as_stripe_writes_them():
    body = urlencode(list(_api_encode({"enabled": True, "off": False})))
    assert forms.decode(body) == {"enabled": "true", "off": "false"}


def test_appended_and_indexed_lists():
    assert forms.decode("expand[]=a&expand[]=b") == {"expand": ["a", "b"]}
    assert forms.decode("x[1]=b&x[0]=a") == {"x": ["a", "b"]}
    assert forms.decode("x[0]=a&x[k]=b") == {"x": {"0": "a", "k": "b"}}


def test_body_overrides_query():
    merged = forms.merge(forms.decode("a=1&b=2"), forms.decode("b=3"))
    assert merged == {"a": "1", "b": "3"}

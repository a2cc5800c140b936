"""Object skeletons: every top-level field of Stripe's example object, with defaults.

shapes.json was derived once from Stripe's OpenAPI fixtures (see its `_source`);
it ships inside the package so nothing outside it is read at run time.
"""

from __future__ import annotations

import json
import pickle
from importlib import resources
from typing import Any

_DATA = json.loads(resources.files(__package__).joinpath("shapes.json").read_text("utf-8"))
API_VERSION: str = _DATA["api_version"]
# pickled once; unpickling is the cheapest deep copy of plain JSON-like data
_TEMPLATES = {name: pickle.dumps(shape, 5) for name, shape in _DATA["resources"].items()}


def fields(resource: str) -> list[str]:
    """The top-level field names of `resource` (e.g. "checkout.session")."""
    return list(_DATA["resources"][resource])


def new(resource: str, **values: Any) -> dict[str, Any]:
    """A fresh object of `resource` with defaults, overlaid by `values`."""
    obj: dict[str, Any] = pickle.loads(_TEMPLATES[resource])
    obj.update(values)
    return obj


def snapshot(obj: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of a stored object (for event payloads)."""
    copy: dict[str, Any] = pickle.loads(pickle.dumps(obj, 5))
    return copy


def list_object(url: str, data: list[dict[str, Any]], has_more: bool) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": has_more, "url": url}

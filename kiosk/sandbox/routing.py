"""Map (method, path) to a handler; path templates like `/v1/customers/{id}`."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from kiosk.sandbox.errors import unrecognized_url

Handler = Callable[..., Any]
Route = tuple[str, str, Handler]


class Router:
    def __init__(self, routes: Iterable[Route]) -> None:
        self._static: dict[tuple[str, str], Handler] = {}
        self._dynamic: list[tuple[str, re.Pattern[str], Handler]] = []
        for method, template, handler in routes:
            if "{" in template:
                self._dynamic.append((method, _compile(template), handler))
            else:
                self._static[(method, template)] = handler

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str]]:
        handler = self._static.get((method, path))
        if handler is not None:
            return handler, {}
        for route_method, pattern, handler in self._dynamic:
            if route_method == method:
                found = pattern.fullmatch(path)
                if found:
                    return handler, found.groupdict()
        raise unrecognized_url(method, path)


def _compile(template: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template))

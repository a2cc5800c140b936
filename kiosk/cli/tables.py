"""Plain-text tables for the terminal: aligned columns, amounts right-aligned. Every cell
passes through kiosk.cli.terminal.safe: no raw control characters reach the terminal."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from kiosk.cli.terminal import safe


def width(text: str) -> int:
    """Columns a string takes in a terminal (wide East Asian characters count twice)."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


def _pad(text: str, size: int, right: bool) -> str:
    gap = " " * (size - width(text))
    return gap + text if right else text + gap


def render(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> str:
    """Columns separated by two spaces; the column indexes in `right` align right."""
    lines = [[safe(cell) for cell in line] for line in [headers, *rows]]
    sizes = [max(width(line[i]) for line in lines) for i in range(len(headers))]
    out = []
    for line in lines:
        cells = [_pad(cell, sizes[i], i in right) for i, cell in enumerate(line)]
        out.append("  ".join(cells).rstrip())
    out.insert(1, "  ".join("-" * s for s in sizes))
    return "\n".join(out)


def pairs(items: Sequence[tuple[str, str]]) -> str:
    """`label: value` lines with the values lined up."""
    size = max((width(k) for k, _ in items), default=0)
    return "\n".join(f"{_pad(k + ':', size + 1, False)} {safe(v)}" for k, v in items)

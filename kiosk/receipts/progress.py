"""A terminal progress bar with no dependencies: `[██████······] 412/1000 INV-0412`."""

from __future__ import annotations

from typing import Any


class ProgressBar:
    """Redrawn in place on a terminal; one line per 10% when the output is a file or pipe."""

    def __init__(self, stream: Any, width: int = 30) -> None:
        self.stream, self.width = stream, width
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.last_decile = -1

    def __call__(self, done: int, total: int, label: str) -> None:
        if self.tty:
            filled = self.width * done // max(total, 1)
            bar = "█" * filled + "·" * (self.width - filled)
            self.stream.write(f"\r[{bar}] {done}/{total} {label[:24]:24}")
        elif (decile := 10 * done // max(total, 1)) > self.last_decile:
            self.last_decile = decile
            self.stream.write(f"fee slips: {done}/{total}\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()

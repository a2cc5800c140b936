"""Text from the ledger, made safe for a terminal.

A student's name or a fee component is whatever a CSV or a desk once stored. Printed raw,
`Evil\\x1b[2J` would clear the screen, and other escape sequences can retitle the window,
hide text or fake output. Control characters (C0, DEL, C1, ESC) and the bidirectional
overrides used to disguise text are shown as visible escapes (`\\x1b`, `\\u202e`) instead.
"""

from __future__ import annotations

import re
import sys
from typing import TextIO

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_IN_LINES = re.compile(
    r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe(text: str) -> str:
    """One field for one line: every control character becomes a visible escape."""
    return _UNSAFE.sub(_escape, text)


def safe_lines(text: str) -> str:
    """Text of several lines: newlines stay, every other control character is escaped."""
    return _UNSAFE_IN_LINES.sub(_escape, text)


class SafeTerminal:
    """A stdout for a terminal: whatever a command prints passes through safe_lines."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(safe_lines(text))
        return len(text)

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


def guard_stdout() -> None:
    """On a terminal, print nothing raw (pipes and files get the bytes as they are:
    JSON output escapes control characters itself)."""
    if sys.stdout.isatty() and not isinstance(sys.stdout, SafeTerminal):
        sys.stdout = SafeTerminal(sys.stdout)

"""Errors a command reports as one line on stderr (exit 1), or as a usage error (exit 2).

They live at the bottom layer so that the relay, the sandbox and the desk's packages can
raise them without importing the desk's CLI; `kiosk.cli.errors` re-exports them.
"""

from __future__ import annotations


class CommandError(Exception):
    """A failure the user can understand; printed without a traceback."""

    exit_code = 1


class UsageError(CommandError):
    exit_code = 2

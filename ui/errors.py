"""Errors in plain words: what the cashier reads, never a traceback. The app keeps working."""

from __future__ import annotations

import logging
import re
import sys
from types import TracebackType

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

log = logging.getLogger("ui.errors")

# Messages shown so far in this process (tests read it; the panel never blocks).
shown: list[str] = []


def describe(exc: BaseException) -> str:
    """One or two plain sentences for `exc`. The full detail goes to the log file."""
    message = getattr(exc, "message", None)
    if isinstance(message, str) and message and _is_ours(exc):
        return sentence(without_cli_hints(message))
    name = type(exc).__name__
    if _is_ours(exc) or name in {
        "AuthError",
        "MoneyError",
        "ConfigError",
        "SecretStoreError",
        "InvoiceNotFound",
        "CommandError",
    }:
        return sentence(without_cli_hints(str(exc)))
    if isinstance(exc, PermissionError):
        return sentence(f"Not allowed: {exc.strerror or exc}")
    if isinstance(exc, FileNotFoundError):
        return sentence(f"File not found: {exc.filename or exc}")
    if isinstance(exc, OSError):
        return sentence(f"Could not read or write a file: {exc.strerror or exc}")
    if name in {"ConnectionError", "ConnectTimeout", "ReadTimeout", "Timeout", "ConnectError"}:
        return "The server could not be reached. Check the network and try again."
    if name == "OperationalError":
        return "The ledger database is not answering. Try again in a moment."
    return f"Something went wrong ({name}). The details are in the desk's log."


def install_excepthook() -> None:
    """An exception raised in a slot (or a QueryOp callback) goes to the desk's log, and
    the desk keeps running: Qt's event loop carries on after PySide6 reports it."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        log.error("unhandled exception in the GUI", exc_info=(kind, exc, tb))

    sys.excepthook = hook


def _is_ours(exc: BaseException) -> bool:
    return type(exc).__module__.startswith("kiosk.")


_CLI_HINT = re.compile(r"\s*\(--[^)]*\)|, or `[^`]*`")


def without_cli_hints(text: str) -> str:
    """A core message without the command line's options: "give a reason (--reason)"
    reads "give a reason" at the desk."""
    return _CLI_HINT.sub("", text).replace("--paid-on ", "paid on ")


def sentence(text: str) -> str:
    text = text.strip() or "Something went wrong."
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


class ErrorPanel:
    """The default error panel of every operation: a message box that never blocks."""

    @classmethod
    def show(cls, parent: QWidget | None, exc: BaseException | str, title: str = "") -> None:
        text = exc if isinstance(exc, str) else describe(exc)
        if not isinstance(exc, str):
            log.error("shown to staff: %s", text, exc_info=exc)
        shown.append(text)
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            title or "Fee Kiosk",
            text,
            QMessageBox.StandardButton.Ok,
            parent,
        )
        box.setAccessibleName("Error message")
        box.setObjectName("errorPanel")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

"""Light and dark themes: base.qss with the @tokens of light.qss or dark.qss, plus a palette."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from ui.paths import ICONS, STYLESHEETS

THEMES = ("light", "dark")
_TOKEN = re.compile(r"^\s*@([\w-]+)\s*:\s*([^;]+);", re.M)
_current = "light"
_on_applied: list[Callable[[], None]] = []


@cache
def colours(theme: str) -> dict[str, str]:
    name = theme if theme in THEMES else "light"
    return dict(_TOKEN.findall((STYLESHEETS / f"{name}.qss").read_text(encoding="utf-8")))


@cache
def stylesheet(theme: str) -> str:
    base = (STYLESHEETS / "base.qss").read_text(encoding="utf-8")
    base = base.replace("@icons/", ICONS.as_posix() + "/")  # arrows and check marks
    tokens = colours(theme)
    # longest first, so @surface-alt is not read as @surface followed by "-alt"
    for name in sorted(tokens, key=len, reverse=True):
        base = base.replace(f"@{name}", tokens[name])
    return base


def colour(name: str) -> QColor:
    return QColor(colours(_current)[name])


def current() -> str:
    return _current


def apply(app: QApplication, theme: str) -> None:
    global _current
    _current = theme if theme in THEMES else "light"
    c = colours(_current)
    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: "bg",
        QPalette.ColorRole.WindowText: "fg",
        QPalette.ColorRole.Base: "input",
        QPalette.ColorRole.AlternateBase: "surface-alt",
        QPalette.ColorRole.Text: "fg",
        QPalette.ColorRole.Button: "surface",
        QPalette.ColorRole.ButtonText: "fg",
        QPalette.ColorRole.Highlight: "selection",
        QPalette.ColorRole.HighlightedText: "selection-fg",
        QPalette.ColorRole.ToolTipBase: "surface",
        QPalette.ColorRole.ToolTipText: "fg",
        QPalette.ColorRole.PlaceholderText: "muted",
        QPalette.ColorRole.Link: "accent",
    }
    for role, token in roles.items():
        pal.setColor(role, QColor(c[token]))
    app.setPalette(pal)
    app.setStyleSheet(stylesheet(_current))
    for callback in _on_applied:
        callback()


def on_applied(callback: Callable[[], None]) -> None:
    """Call `callback` after each `apply` (ui.icons drops its cache: icons take the theme's
    colours), so that the theme needs to import nothing that uses it."""
    _on_applied.append(callback)

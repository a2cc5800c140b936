"""Where the desk's packaged resources live (stylesheets, icons)."""

from __future__ import annotations

from pathlib import Path

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
STYLESHEETS = RESOURCES / "stylesheets"
ICONS = RESOURCES / "icons"
SCREENSHOTS = RESOURCES / "screenshots"

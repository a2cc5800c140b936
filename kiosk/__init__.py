"""Fee Kiosk core: everything that is not Qt. Importable without PySide6."""

from __future__ import annotations

__version__ = "0.1.0"

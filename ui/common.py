"""Small Qt helpers the main window, its actions and its dialogs share: `menu_action` and
the file dialogs (`FilePicker`). A module of its own so that none of them imports another
for these."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QWidget

from ui import icons


def menu_action(
    parent: QWidget, text: str, slot, shortcut: str | None = None, icon: str | None = None
) -> QAction:
    a = QAction(text, parent)
    if shortcut:
        a.setShortcut(QKeySequence(shortcut))
    if icon:
        a.setIcon(icons.icon(icon))
    a.triggered.connect(slot)
    return a


class FilePicker:
    """The file dialogs, as classmethods tests can monkeypatch."""

    @classmethod
    def open_csv(cls, parent: QWidget | None) -> Path | None:
        path, _ = QFileDialog.getOpenFileName(
            parent, "Import invoices", _documents(), "CSV files (*.csv);;All files (*)"
        )
        return Path(path) if path else None

    @classmethod
    def save(cls, parent: QWidget | None, title: str, name: str, filt: str) -> Path | None:
        path, _ = QFileDialog.getSaveFileName(parent, title, str(Path(_documents()) / name), filt)
        return Path(path) if path else None

    @classmethod
    def folder(cls, parent: QWidget | None, title: str) -> Path | None:
        path = QFileDialog.getExistingDirectory(parent, title, _documents())
        return Path(path) if path else None


def _documents() -> str:
    loc = QStandardPaths.StandardLocation.DocumentsLocation
    return QStandardPaths.writableLocation(loc)

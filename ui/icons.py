"""SVG icons from resources/icons, drawn crisply at any device pixel ratio.

Icons that use `currentColor` take the theme's text colour.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt
from PySide6.QtGui import QIcon, QIconEngine, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from ui.paths import ICONS

_cache: dict[tuple[str, str], QIcon] = {}


class _SvgEngine(QIconEngine):
    def __init__(self, data: bytes) -> None:
        super().__init__()
        self._data = data

    def paint(self, painter: QPainter, rect, mode, state) -> None:
        renderer = QSvgRenderer(QByteArray(self._data))
        if mode == QIcon.Mode.Disabled:
            painter.setOpacity(0.4)
        renderer.render(painter, QRectF(rect))

    def pixmap(self, size: QSize, mode, state) -> QPixmap:
        pm = QPixmap(size)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        self.paint(p, pm.rect(), mode, state)
        p.end()
        return pm

    def scaledPixmap(self, size: QSize, mode, state, scale: float) -> QPixmap:
        pm = self.pixmap(size * scale, mode, state)
        pm.setDevicePixelRatio(scale)
        return pm

    def clone(self) -> QIconEngine:
        return _SvgEngine(self._data)


def icon(name: str) -> QIcon:
    from ui import theme

    key = (name, theme.current())
    if key not in _cache:
        path = ICONS / f"{name}.svg"
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        text = text.replace("currentColor", theme.colours(theme.current())["fg"])
        _cache[key] = QIcon(_SvgEngine(text.encode())) if text else QIcon()
    return _cache[key]


def clear_cache() -> None:
    _cache.clear()

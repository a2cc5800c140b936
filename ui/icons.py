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
    """Renders the SVG once per size, pixel ratio and mode; paints from that cache."""

    def __init__(self, data: bytes) -> None:
        super().__init__()
        self._data = data
        self._renderer: QSvgRenderer | None = None
        self._pixmaps: dict[tuple[int, int, float, int], QPixmap] = {}

    def _render(self, size: QSize, mode, scale: float) -> QPixmap:
        key = (size.width(), size.height(), scale, int(mode.value))
        pm = self._pixmaps.get(key)
        if pm is None:
            if self._renderer is None:
                self._renderer = QSvgRenderer(QByteArray(self._data))
            pm = QPixmap(size * scale)
            pm.fill(Qt.GlobalColor.transparent)
            p = QPainter(pm)
            if mode == QIcon.Mode.Disabled:
                p.setOpacity(0.4)
            self._renderer.render(p, QRectF(pm.rect()))
            p.end()
            pm.setDevicePixelRatio(scale)
            self._pixmaps[key] = pm
        return pm

    def paint(self, painter: QPainter, rect, mode, state) -> None:
        scale = painter.device().devicePixelRatioF() if painter.device() else 1.0
        painter.drawPixmap(rect, self._render(rect.size(), mode, scale))

    def pixmap(self, size: QSize, mode, state) -> QPixmap:
        return self._render(size, mode, 1.0)

    def scaledPixmap(self, size: QSize, mode, state, scale: float) -> QPixmap:
        return self._render(size, mode, scale)

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

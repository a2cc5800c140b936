"""SVG icons from resources/icons, drawn crisply at any device pixel ratio.

Icons that use `currentColor` take the theme's text colour when they are painted (so an
icon made before a theme switch follows it), and its muted colour when disabled, as
disabled text does: visible in both themes.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt
from PySide6.QtGui import QIcon, QIconEngine, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from ui import theme
from ui.paths import ICONS

_cache: dict[str, QIcon] = {}


class _SvgEngine(QIconEngine):
    """Renders the SVG once per size, pixel ratio and mode; paints from that cache."""

    def __init__(self, data: str) -> None:
        super().__init__()
        self._data = data
        self._renderers: dict[str, QSvgRenderer] = {}  # by colour
        self._pixmaps: dict[tuple[int, int, float, int, str], QPixmap] = {}

    def _renderer(self, mode) -> tuple[QSvgRenderer, str]:
        token = "muted" if mode == QIcon.Mode.Disabled else "fg"
        colour = theme.colours(theme.current())[token]
        r = self._renderers.get(colour)
        if r is None:
            svg = self._data.replace("currentColor", colour).encode()
            r = self._renderers[colour] = QSvgRenderer(QByteArray(svg))
        return r, colour

    def _render(self, size: QSize, mode, scale: float) -> QPixmap:
        renderer, colour = self._renderer(mode)
        key = (size.width(), size.height(), scale, int(mode.value), colour)
        pm = self._pixmaps.get(key)
        if pm is None:
            pm = QPixmap(size * scale)
            pm.fill(Qt.GlobalColor.transparent)
            p = QPainter(pm)
            if mode == QIcon.Mode.Disabled and "currentColor" not in self._data:
                p.setOpacity(0.4)  # a coloured icon: fade it
            renderer.render(p, QRectF(pm.rect()))
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
    if name not in _cache:
        path = ICONS / f"{name}.svg"
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        _cache[name] = QIcon(_SvgEngine(text)) if text else QIcon()
    return _cache[name]


def clear_cache() -> None:
    _cache.clear()


theme.on_applied(clear_cache)

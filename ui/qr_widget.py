"""A QR code drawn as vector squares: crisp at any size and device pixel ratio.

The dark modules become one QPainterPath in module units, built once per code; a repaint
is then a single scaled fill in C++ (drawing each run of modules from Python cost ~20 ms
of GUI thread per paint for a Checkout URL's code).
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

QUIET = 4  # modules of white border the standard asks for


def qr_matrix(data: str) -> list[list[bool]]:
    """The QR modules for `data` (segno, error level M). Safe to call on a worker."""
    import segno

    qr = segno.make(data, error="m", micro=False)
    return [[bool(v) for v in row] for row in qr.matrix]


class QrWidget(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._matrix: list[list[bool]] = []
        self._path: QPainterPath | None = None  # the dark modules, in module units
        self.data = ""
        self.placeholder = ""
        self.setMinimumSize(260, 260)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Payment QR code")

    def set_data(self, data: str, matrix: list[list[bool]] | None = None) -> None:
        """Show `data`; pass `matrix` when it was computed on a worker (qr_matrix)."""
        self.data = data
        self._matrix = matrix if matrix is not None else qr_matrix(data)
        self._path = None
        self.setAccessibleDescription(f"QR code for {data}")
        self.update()

    def clear(self) -> None:
        self.data = ""
        self._matrix = []
        self._path = None
        self.update()

    def set_placeholder(self, text: str) -> None:
        """What the empty square says (an expired or cancelled payment's QR is withdrawn)."""
        self.placeholder = text
        self.update()

    @property
    def matrix(self) -> list[list[bool]]:
        """The modules on show (another QrWidget can show the same code without segno)."""
        return self._matrix

    @property
    def modules(self) -> int:
        return len(self._matrix)

    def sizeHint(self) -> QSize:
        return QSize(360, 360)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, w: int) -> int:
        return w

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        side = min(self.width(), self.height())
        x0, y0 = (self.width() - side) / 2, (self.height() - side) / 2
        p.fillRect(QRectF(x0, y0, side, side), QColor("white"))
        if self._matrix:
            self._paint(p, QRectF(x0, y0, side, side))
        elif self.placeholder:
            p.setPen(QColor("#5f6b7a"))
            p.drawText(
                QRectF(x0, y0, side, side).adjusted(24, 24, -24, -24),
                int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                self.placeholder,
            )
        p.end()

    def _paint(self, p: QPainter, rect: QRectF) -> None:
        n = len(self._matrix) + 2 * QUIET
        if self._path is None:
            self._path = modules_path(self._matrix)
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.translate(rect.left(), rect.top())
        p.scale(rect.width() / n, rect.width() / n)
        p.fillPath(self._path, QColor("black"))
        p.restore()

    def image(self, side: int) -> QImage:
        """The QR as an image of `side` pixels (for printing or saving)."""
        img = QImage(side, side, QImage.Format.Format_RGB32)
        img.fill(QColor("white"))
        p = QPainter(img)
        if self._matrix:
            self._paint(p, QRectF(0, 0, side, side))
        p.end()
        return img


def modules_path(matrix: list[list[bool]]) -> QPainterPath:
    """One rectangle per run of dark modules, offset by the quiet zone, in module units."""
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.WindingFill)  # overlapping runs stay filled, no seams
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            path.addRect(QRectF(start + QUIET, r + QUIET, c - start, 1))
    return path

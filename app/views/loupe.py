"""A detail loupe: the area under the cursor at a chosen magnification, pixel-exact. It asks a
``source(rect) -> QImage | None`` for the photo pixels of ``rect`` = (x, y, w, h) (at most a few
hundred pixels square, drawn at full resolution by the display pipeline)."""
from __future__ import annotations

import math
from typing import Callable

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QWidget

from .canvas import checker_brush


class Loupe(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMinimumSize(200, 200)
        self.magnification = 4
        self.source: Callable[[tuple[int, int, int, int]], QImage | None] | None = None
        self.center = QPointF()
        self._checker = checker_brush()

    def set_source(self, source: Callable[[tuple[int, int, int, int]], QImage | None] | None) -> None:
        self.source = source
        self.update()

    def follow(self, pos: QPointF) -> None:
        self.center = pos
        self.update()

    def set_magnification(self, m: int) -> None:
        self.magnification = max(1, m)
        self.update()

    def source_rect(self) -> QRectF:
        w, h = self.width() / self.magnification, self.height() / self.magnification
        return QRectF(self.center.x() - w / 2, self.center.y() - h / 2, w, h)

    def current_image(self) -> tuple[QImage | None, QRectF]:
        """The pixels under the loupe and the photo area they cover."""
        r = self.source_rect()
        x0, y0 = math.floor(r.left()), math.floor(r.top())
        cell = (x0, y0, math.ceil(r.right()) - x0 + 1, math.ceil(r.bottom()) - y0 + 1)
        image = self.source(cell) if self.source is not None else None
        return image, QRectF(*cell)

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), Qt.GlobalColor.black)
        image, cell = self.current_image()
        if image is not None:
            r, m = self.source_rect(), self.magnification
            off = image.offset()
            target = QRectF((cell.left() + off.x() - r.left()) * m, (cell.top() + off.y() - r.top()) * m,
                            image.width() * m, image.height() * m)
            if image.hasAlphaChannel():
                p.fillRect(target, self._checker)
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
            p.drawImage(target, image, QRectF(image.rect()))
        else:
            p.fillRect(self.rect(), QColor(58, 58, 61))
            p.setPen(QColor(170, 170, 170))
            p.drawText(self.rect().adjusted(10, 0, -10, 0), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                       "The loupe shows the pixels under the cursor")
            p.end()
            return
        p.setPen(QPen(Qt.GlobalColor.white, 1))
        c = self.rect().center()
        p.drawLine(c.x() - 8, c.y(), c.x() + 8, c.y())
        p.drawLine(c.x(), c.y() - 8, c.x(), c.y() + 8)
        p.drawText(QRect(4, 4, 120, 18), Qt.AlignmentFlag.AlignLeft, f"{self.magnification}x")
        p.end()

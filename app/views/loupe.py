"""A detail loupe: the area under the cursor at a chosen magnification, pixel-exact."""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QPen
from PySide6.QtWidgets import QWidget


class Loupe(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMinimumSize(200, 200)
        self.magnification = 4
        self.image: QImage | None = None
        self.center = QPointF()

    def set_image(self, image: QImage | None) -> None:
        self.image = image
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

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), Qt.GlobalColor.black)
        if self.image is not None:
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
            p.drawImage(QRectF(self.rect()), self.image, self.source_rect())
        p.setPen(QPen(Qt.GlobalColor.white, 1))
        c = self.rect().center()
        p.drawLine(c.x() - 8, c.y(), c.x() + 8, c.y())
        p.drawLine(c.x(), c.y() - 8, c.x(), c.y() + 8)
        p.drawText(QRect(4, 4, 120, 18), Qt.AlignmentFlag.AlignLeft, f"{self.magnification}x")
        p.end()

"""An image viewer: smooth zoom (wheel, pinch, +/-, fit, 100 %), pan (drag, or space + drag
while painting), pixel-exact display past 100 % (no smoothing), a brush for strokes, and a
``viewChanged`` signal that lets several canvases stay in step."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPixmap, QWheelEvent
from PySide6.QtWidgets import QGraphicsPixmapItem, QGraphicsScene, QGraphicsView

MIN_ZOOM, MAX_ZOOM = 0.02, 64.0


class ImageCanvas(QGraphicsView):
    viewChanged = Signal(float, QPointF)  # zoom, scene point at the viewport centre
    cursorMoved = Signal(QPointF)  # scene position under the mouse
    strokeFinished = Signal(list)  # list[QPointF] in image pixels

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.pixmap_item = QGraphicsPixmapItem()
        self.overlay_item = QGraphicsPixmapItem()
        self.overlay_item.setZValue(1)
        self.scene().addItem(self.pixmap_item)
        self.scene().addItem(self.overlay_item)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setBackgroundBrush(Qt.GlobalColor.darkGray)
        self.setMouseTracking(True)
        self.grabGesture(Qt.GestureType.PinchGesture)
        self.zoom = 1.0
        self.brush_radius: float | None = None  # painting when set
        self._stroke: list[QPointF] | None = None
        self._space = False
        self._syncing = False
        self.horizontalScrollBar().valueChanged.connect(self._emit_view)
        self.verticalScrollBar().valueChanged.connect(self._emit_view)

    # ---- content
    def set_image(self, image: QImage) -> None:
        first = self.pixmap_item.pixmap().isNull()
        old = self.pixmap_item.pixmap().size()
        self.pixmap_item.setPixmap(QPixmap.fromImage(image))
        self.scene().setSceneRect(QRectF(0, 0, image.width(), image.height()))
        self._update_smoothing()
        if first or old != image.size():
            self.fit()

    def set_overlay(self, image: QImage | None) -> None:
        self.overlay_item.setPixmap(QPixmap.fromImage(image) if image is not None else QPixmap())

    # ---- zoom
    def set_zoom(self, zoom: float, center: QPointF | None = None) -> None:
        zoom = max(MIN_ZOOM, min(MAX_ZOOM, zoom))
        self.setTransform(self.transform().fromScale(zoom, zoom))
        self.zoom = zoom
        if center is not None:
            self.centerOn(center)
        self._update_smoothing()
        self._emit_view()

    def zoom_by(self, factor: float) -> None:
        self.set_zoom(self.zoom * factor)

    def fit(self) -> None:
        rect = self.scene().sceneRect()
        if rect.isEmpty():
            return
        vp = self.viewport().rect()
        zoom = min(vp.width() / rect.width(), vp.height() / rect.height()) * 0.98
        self.set_zoom(zoom, rect.center())

    def actual_size(self) -> None:
        self.set_zoom(1.0, self.center())

    def center(self) -> QPointF:
        return self.mapToScene(self.viewport().rect().center())

    def sync_to(self, zoom: float, center: QPointF) -> None:
        """Follow another canvas without echoing back."""
        if self._syncing:
            return
        self._syncing = True
        try:
            self.set_zoom(zoom, center)
        finally:
            self._syncing = False

    def _emit_view(self, *_args) -> None:
        if not self._syncing:
            self.viewChanged.emit(self.zoom, self.center())

    def _update_smoothing(self) -> None:
        """Smooth when zoomed out, pixel-exact (nearest neighbour) at and past 100 %."""
        mode = Qt.TransformationMode.FastTransformation if self.zoom >= 1.0 else Qt.TransformationMode.SmoothTransformation
        self.pixmap_item.setTransformationMode(mode)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.zoom < 1.0)

    # ---- input
    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_by(1.25 ** steps)

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.Gesture:
            pinch = event.gesture(Qt.GestureType.PinchGesture)
            if pinch is not None:
                self.zoom_by(pinch.scaleFactor())
                return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self._update_drag_mode()
        super().keyReleaseEvent(event)

    def set_brush(self, radius: float | None) -> None:
        self.brush_radius = radius
        self._update_drag_mode()

    def _update_drag_mode(self) -> None:
        painting = self.brush_radius is not None and not self._space
        self.setDragMode(QGraphicsView.DragMode.NoDrag if painting else QGraphicsView.DragMode.ScrollHandDrag)
        self.viewport().setCursor(Qt.CursorShape.CrossCursor if painting else Qt.CursorShape.OpenHandCursor)

    def mousePressEvent(self, event) -> None:
        if self.brush_radius is not None and not self._space and event.button() == Qt.MouseButton.LeftButton:
            self._stroke = [self.mapToScene(event.position().toPoint())]
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        pos = self.mapToScene(event.position().toPoint())
        self.cursorMoved.emit(pos)
        if self._stroke is not None:
            self._stroke.append(pos)
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._stroke is not None:
            points, self._stroke = self._stroke, None
            self.strokeFinished.emit(points)
            return
        super().mouseReleaseEvent(event)

"""An image viewer: smooth zoom (wheel, pinch, +/-, fit, 100 %), pan (drag, or space + drag
while painting), pixel-exact display past 100 % (no smoothing), a brush with a cursor of the
brush's size, strokes drawn as vector paths, and a ``viewChanged`` signal that lets several
canvases stay in step.

Scene coordinates are the photo's pixels whatever is drawn: the picture is a screen-resolution
proxy scaled up to the photo's size, with a detail tile of the visible area on top once zoomed in
(see app/display.py). Transparent pictures are drawn over a checkerboard of fixed screen size."""
from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPainterPath, QPen, QPixmap, QWheelEvent
from PySide6.QtWidgets import QGraphicsEllipseItem, QGraphicsPathItem, QGraphicsPixmapItem, QGraphicsScene, QGraphicsView

from .strokes import STROKE_COLOURS

MIN_ZOOM, MAX_ZOOM = 0.02, 64.0
CHECKER_SQUARE = 8  # screen pixels, at any zoom


def checker_brush(square: int = CHECKER_SQUARE) -> QBrush:
    tile = QPixmap(2 * square, 2 * square)
    tile.fill(QColor(204, 204, 204))
    p = QPainter(tile)
    dark = QColor(242, 242, 242)
    p.fillRect(0, 0, square, square, dark)
    p.fillRect(square, square, square, square, dark)
    p.end()
    return QBrush(tile)


class ImageCanvas(QGraphicsView):
    viewChanged = Signal(float, QPointF)  # zoom, scene point at the viewport centre
    cursorMoved = Signal(QPointF)  # scene position under the mouse
    strokeFinished = Signal(list)  # list[QPointF] in image pixels
    strokeMoved = Signal(list)  # the stroke so far, while painting (edge-aware brushes preview it)
    resized = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.pixmap_item = QGraphicsPixmapItem()  # the proxy picture, scaled to the photo's size
        self.detail_item = QGraphicsPixmapItem()  # the visible area at screen resolution
        self.detail_item.setZValue(0.5)
        self.patch_items: list[QGraphicsPixmapItem] = []  # brush results drawn over the picture until it has them
        self.cursor_item = QGraphicsEllipseItem()
        self.cursor_item.setZValue(10)
        pen = QPen(QColor(255, 255, 255, 220), 0, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        self.cursor_item.setPen(pen)
        self.cursor_item.hide()
        for item in (self.pixmap_item, self.detail_item, self.cursor_item):
            self.scene().addItem(item)
        self.stroke_items: list[QGraphicsPathItem] = []
        self.live_item = QGraphicsPathItem()  # the stroke being painted
        self.live_item.setZValue(2)
        self.scene().addItem(self.live_item)
        self.live_colour = QColor(255, 255, 255, 110)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setMouseTracking(True)
        self.grabGesture(Qt.GestureType.PinchGesture)
        self.zoom = 1.0
        self.fit_mode = False  # refit when the pane is resized
        self.content_key: tuple | None = None  # what the picture shows (app/display.py)
        self.has_alpha = False
        self.detail: tuple | None = None  # (rect, step, key) of the detail tile
        self._levels: list[QImage] = []  # the picture's pyramid, largest first
        self._level_pixmaps: dict[int, QPixmap] = {}
        self._level = -1
        self.brush_radius: float | None = None  # painting when set
        self._checker = checker_brush()
        self._stroke: list[QPointF] | None = None
        self._space = False
        self._syncing = False
        self.hint = ""  # a line drawn over the pane ("Open or drop a photo"), empty: none
        self.horizontalScrollBar().valueChanged.connect(self._emit_view)
        self.verticalScrollBar().valueChanged.connect(self._emit_view)

    def set_hint(self, text: str) -> None:
        if text != self.hint:
            self.hint = text
            self.viewport().update()

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        if not self.hint:
            return
        painter.save()
        painter.resetTransform()  # viewport coordinates: centred in the pane at any zoom
        area = self.viewport().rect()
        box = painter.fontMetrics().boundingRect(area.adjusted(20, 0, -20, 0), Qt.TextFlag.TextWordWrap, self.hint)
        box.moveCenter(area.center())
        painter.fillRect(box.adjusted(-14, -10, 14, 10), QColor(30, 30, 32, 210))
        painter.setPen(QColor(225, 225, 225))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.hint)
        painter.restore()

    # ---- content
    def set_content_size(self, width: int, height: int) -> None:
        """A new photo: the scene is its pixels; the old pictures go."""
        self.scene().setSceneRect(QRectF(0, 0, width, height))
        self.pixmap_item.setPixmap(QPixmap())
        self._levels, self._level_pixmaps, self._level = [], {}, -1
        self.content_key = None
        self.clear_detail()
        self.clear_patches()

    def set_picture(self, image: QImage | list[QImage], key: tuple | None = None, has_alpha: bool = False) -> None:
        """Show ``image`` (any resolution, or a pyramid of it, largest first) stretched over the
        whole photo; the level drawn is the smallest at least as large as the photo on screen."""
        self._levels = list(image) if isinstance(image, (list, tuple)) else [image]
        self._level_pixmaps: dict[int, QPixmap] = {}
        self._level = -1
        if self.scene().sceneRect().isEmpty():
            self.scene().setSceneRect(QRectF(0, 0, self._levels[0].width(), self._levels[0].height()))
        self.content_key, self.has_alpha = key, has_alpha
        if self.detail is not None and self.detail[2] != key:
            self.clear_detail()
        self._choose_level()
        self.viewport().update()

    def _choose_level(self) -> None:
        if not self._levels:
            return
        shown = self.zoom * self.scene().sceneRect().width() * self.devicePixelRatioF()
        index = 0
        for i, level in enumerate(self._levels):
            if level.width() >= shown:
                index = i
        if index == self._level:
            return
        if index not in self._level_pixmaps:
            self._level_pixmaps[index] = QPixmap.fromImage(self._levels[index])
        self._level = index
        self.pixmap_item.setPixmap(self._level_pixmaps[index])
        self.pixmap_item.setScale(self.scene().sceneRect().width() / max(1, self._levels[index].width()))
        self._update_smoothing()

    def add_patch(self, image: QImage, rect: tuple[float, float, float, float], tag: object = None) -> None:
        """Draw ``image`` over photo area ``rect`` = (x, y, w, h), above earlier patches: a brush's
        dirty rectangle, shown at once while the whole picture is made again (app/display.py
        decides when a patch goes, by its ``tag``)."""
        item = QGraphicsPixmapItem(QPixmap.fromImage(image))
        item.setPos(rect[0], rect[1])
        item.setScale(rect[2] / max(1, image.width()))
        item.setZValue(0.4 + 1e-5 * len(self.patch_items))
        item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        item.setData(0, tag)
        self.scene().addItem(item)
        self.patch_items.append(item)

    def clear_patches(self, drop=lambda _tag: True) -> None:
        """Remove the patches whose tag ``drop`` accepts (default: all)."""
        keep = []
        for item in self.patch_items:
            if drop(item.data(0)):
                self.scene().removeItem(item)
            else:
                keep.append(item)
        self.patch_items = keep

    def set_detail(self, image: QImage, rect: tuple[int, int, int, int], step: float, key: tuple) -> None:
        """Show ``image``, the picture of photo area ``rect`` at ``step`` photo pixels per pixel."""
        self.detail_item.setPixmap(QPixmap.fromImage(image))
        self.detail_item.setPos(rect[0], rect[1])
        self.detail_item.setScale(rect[2] / max(1, image.width()))
        self.detail_item.show()
        self.detail = (rect, step, key)
        self._update_smoothing()

    def clear_detail(self) -> None:
        if self.detail is not None:
            self.detail_item.hide()
            self.detail_item.setPixmap(QPixmap())
            self.detail = None

    def detail_covers(self, rect: tuple[int, int, int, int], step: float, key: tuple) -> bool:
        if self.detail is None or self.detail[2] != key or self.detail[1] > step * 1.01:
            return False
        (x, y, w, h), (rx, ry, rw, rh) = self.detail[0], rect
        return x <= rx and y <= ry and x + w >= rx + rw and y + h >= ry + rh

    def visible_image_rect(self, margin: float = 0.1) -> tuple[int, int, int, int] | None:
        """The photo area in view (plus ``margin`` of it on each side), clipped: (x, y, w, h)."""
        scene = self.scene().sceneRect()
        seen = self.mapToScene(self.viewport().rect()).boundingRect()
        seen.adjust(-margin * seen.width(), -margin * seen.height(), margin * seen.width(), margin * seen.height())
        r = seen.intersected(scene)
        if r.isEmpty():
            return None
        x0, y0 = max(0, math.floor(r.left())), max(0, math.floor(r.top()))
        x1, y1 = min(int(scene.width()), math.ceil(r.right())), min(int(scene.height()), math.ceil(r.bottom()))
        return (x0, y0, x1 - x0, y1 - y0) if x1 > x0 and y1 > y0 else None

    def set_strokes(self, strokes) -> None:
        """The painted strokes as vector paths in their kind's colour (any zoom, no raster)."""
        for item in self.stroke_items:
            self.scene().removeItem(item)
        self.stroke_items = []
        for s in strokes:
            path = QPainterPath(s.points[0])
            for p in s.points[1:] or s.points[:1]:
                path.lineTo(p)
            item = QGraphicsPathItem(path)
            pen = QPen(QColor(*STROKE_COLOURS[s.kind], 140), 2 * s.radius, Qt.PenStyle.SolidLine,
                       Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
            item.setPen(pen)
            item.setZValue(1)
            self.scene().addItem(item)
            self.stroke_items.append(item)

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        painter.fillRect(rect, QColor(70, 70, 72))
        if self.has_alpha and not self.scene().sceneRect().isEmpty():
            painter.save()
            painter.resetTransform()  # device coordinates: the squares keep their screen size
            area = self.mapFromScene(self.scene().sceneRect()).boundingRect()
            painter.setBrushOrigin(0, 0)
            painter.fillRect(area, self._checker)
            painter.restore()

    # ---- zoom
    def set_zoom(self, zoom: float, center: QPointF | None = None) -> None:
        self.fit_mode = False
        self._apply_zoom(zoom, center)

    def _apply_zoom(self, zoom: float, center: QPointF | None) -> None:
        zoom = max(MIN_ZOOM, min(MAX_ZOOM, zoom))
        self.setTransform(self.transform().fromScale(zoom, zoom))
        self.zoom = zoom
        if center is not None:
            self.centerOn(center)
        self._choose_level()
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
        self.fit_mode = True
        self._apply_zoom(zoom, rect.center())

    def actual_size(self) -> None:
        self.set_zoom(1.0, self.center())

    def center(self) -> QPointF:
        return self.mapToScene(self.viewport().rect().center())

    def sync_to(self, zoom: float, center: QPointF, fit_mode: bool = False) -> None:
        """Follow another canvas without echoing back."""
        if self._syncing:
            return
        self._syncing = True
        try:
            self._apply_zoom(zoom, center)
            self.fit_mode = fit_mode
        finally:
            self._syncing = False

    def _emit_view(self, *_args) -> None:
        if not self._syncing:
            self.viewChanged.emit(self.zoom, self.center())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.resized.emit()

    def _update_smoothing(self) -> None:
        """Smooth when photo pixels are reduced or a proxy is enlarged; pixel-exact (nearest
        neighbour) where photo pixels are shown at or past 100 %."""
        exact = Qt.TransformationMode.FastTransformation
        smooth = Qt.TransformationMode.SmoothTransformation
        proxy_is_photo = self.pixmap_item.scale() <= 1.0001
        self.pixmap_item.setTransformationMode(exact if self.zoom >= 1.0 and proxy_is_photo else smooth)
        self.detail_item.setTransformationMode(exact if self.zoom >= 1.0 else smooth)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.zoom < 1.0 or not proxy_is_photo)

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
            self._update_drag_mode()
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self._update_drag_mode()
        super().keyReleaseEvent(event)

    def set_brush(self, radius: float | None) -> None:
        self.brush_radius = radius
        if radius is not None:
            self.cursor_item.setRect(QRectF(-radius, -radius, 2 * radius, 2 * radius))
        self._update_drag_mode()

    @property
    def painting(self) -> bool:
        return self.brush_radius is not None and not self._space

    def _update_drag_mode(self) -> None:
        painting = self.painting
        self.setDragMode(QGraphicsView.DragMode.NoDrag if painting else QGraphicsView.DragMode.ScrollHandDrag)
        self.viewport().setCursor(Qt.CursorShape.CrossCursor if painting else Qt.CursorShape.OpenHandCursor)
        self.cursor_item.setVisible(painting and self.underMouse())

    def mousePressEvent(self, event) -> None:
        if self.painting and event.button() == Qt.MouseButton.LeftButton:
            self._stroke = [self.mapToScene(event.position().toPoint())]
            self._draw_live()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        pos = self.mapToScene(event.position().toPoint())
        self.cursorMoved.emit(pos)
        if self.painting:
            self.cursor_item.setPos(pos)
            self.cursor_item.show()
        if self._stroke is not None:
            self._stroke.append(pos)
            self._draw_live()
            self.strokeMoved.emit(list(self._stroke))
            return
        super().mouseMoveEvent(event)

    def _draw_live(self) -> None:
        """The stroke being painted, as a path of the brush's width."""
        path = QPainterPath(self._stroke[0])
        for p in self._stroke[1:] or self._stroke[:1]:
            path.lineTo(p)
        self.live_item.setPath(path)
        self.live_item.setPen(QPen(self.live_colour, 2 * (self.brush_radius or 1), Qt.PenStyle.SolidLine,
                                   Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
        self.live_item.show()

    def leaveEvent(self, event) -> None:
        self.cursor_item.hide()
        super().leaveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._stroke is not None:
            points, self._stroke = self._stroke, None
            self.live_item.hide()
            self.strokeFinished.emit(points)
            return
        super().mouseReleaseEvent(event)

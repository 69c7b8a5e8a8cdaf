"""The main window: menus, toolbar, shortcuts, panels and the wiring between the document, the
views and the workers. File -> Document -> worker asks the engine -> document changes -> views
redraw. Nothing here computes a matte."""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import qtawesome as qta
from PySide6.QtCore import QPointF, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QColor, QKeySequence
from PySide6.QtWidgets import (QColorDialog, QDockWidget, QFileDialog, QInputDialog, QLabel, QMainWindow,
                               QMessageBox, QProgressBar, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from matting.compose import Background, composite_on, cutout, estimate_foreground
from matting.files import IMAGE_SUFFIXES
from matting.imageio import load_image, quantize, save_image
from matting.refine import refine_auto, refine_with_trimap, trimap_from_strokes

from .dialogs.batch import BatchDialog
from .dialogs.export import ExportDialog, ExportOptions
from .document import Document, Stroke
from .panels.background import BackgroundPanel
from .panels.brush import BrushPanel
from .views.compare import CompareView
from .views.loupe import Loupe
from .views.render import VIEW_MODES, render, to_qimage
from .views.strokes import overlay_image
from .workers import Workers

MAX_RECENT = 8
LAYOUTS = {"single": ("cutout",), "side-by-side": ("original", "cutout"), "three": ("original", "cutout", "alpha")}


class EngineHolder:
    """One engine per settings, created on first use (in a worker) and used by one task at a time."""

    def __init__(self, model: str | None, device: str, max_side: int | None, flip: bool | None = None):
        self.model, self.device, self.max_side, self.flip = model, device, max_side, flip
        self.lock = threading.Lock()
        self._engine = None

    def get(self):
        with self.lock:
            if self._engine is None:
                self._engine = self.fresh()
            return self._engine

    def fresh(self):
        """A separate engine (for batch export running beside interactive work)."""
        from matting.engine import MattingEngine

        return MattingEngine(self.model, device=self.device, max_side=self.max_side, flip=self.flip)

    def with_changes(self, **changes) -> "EngineHolder":
        """A new holder with some settings changed (device, max_side, flip)."""
        kw = {"model": self.model, "device": self.device, "max_side": self.max_side, "flip": self.flip, **changes}
        return EngineHolder(**kw)


class MainWindow(QMainWindow):
    matteReady = Signal()
    foregroundReady = Signal()
    refined = Signal()
    exported = Signal(str)
    failed = Signal(str)

    def __init__(self, settings: QSettings | None = None, model: str | None = None, device: str | None = None,
                 max_side: int | None = None):
        super().__init__()
        self.settings = settings or QSettings("MSIA Matte", "MSIA Matte")
        self.setWindowTitle("MSIA Matte")
        self.setWindowIcon(qta.icon("mdi.content-cut", color="#4aa3ff"))
        self.resize(1400, 860)
        self.setAcceptDrops(True)
        self.workers = Workers(self)
        self.doc: Document | None = None
        self.matte_task = None
        self.edge_color = QColor(self.settings.value("view/edge_color", "#ff00ff"))
        device = device or self.settings.value("engine/device", "auto")
        max_side = max_side or (int(self.settings.value("engine/max_side", 0)) or None)
        flip = {"true": True, "false": False}.get(str(self.settings.value("engine/flip", "")).lower())
        self.engine = EngineHolder(model, device, max_side, flip)
        self._build_views()
        self._build_panels()
        self._build_actions()
        self._build_status()
        self.set_layout(self.settings.value("view/layout", "side-by-side"))

    # ------------------------------------------------------------------ construction
    def _build_views(self) -> None:
        self.compare = CompareView()
        self.compare.modesChanged.connect(self.redraw)
        for pane in self.compare.panes:
            pane.canvas.viewChanged.connect(lambda *_: self._update_zoom_label())
            pane.canvas.cursorMoved.connect(self._cursor_moved)
            pane.canvas.strokeFinished.connect(self._stroke_finished)
        self.setCentralWidget(self.compare)

    def _build_panels(self) -> None:
        side = QWidget()
        layout = QVBoxLayout(side)
        self.background_panel = BackgroundPanel()
        self.background_panel.changed.connect(lambda _b: self.redraw())
        self.brush_panel = BrushPanel()
        self.brush_panel.brushChanged.connect(self._brush_changed)
        self.brush_panel.applyRequested.connect(self.apply_refinement)
        self.brush_panel.resetRequested.connect(self.reset_matte)
        self.loupe = Loupe()
        self.loupe_zoom = QSpinBox()
        self.loupe_zoom.setRange(1, 32)
        self.loupe_zoom.setValue(int(self.settings.value("view/loupe", 4)))
        self.loupe_zoom.setPrefix("Loupe ")
        self.loupe_zoom.setSuffix("x")
        self.loupe_zoom.valueChanged.connect(self.loupe.set_magnification)
        self.loupe.set_magnification(self.loupe_zoom.value())
        for w in (self.background_panel, self.brush_panel, self.loupe_zoom, self.loupe):
            layout.addWidget(w)
        layout.addStretch(1)
        dock = QDockWidget("Tools", self)
        dock.setObjectName("tools")
        dock.setWidget(side)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)

    def _action(self, text: str, slot, shortcut=None, icon: str | None = None, tip: str | None = None) -> QAction:
        act = QAction(qta.icon(icon) if icon else qta.icon("mdi.circle-small"), text, self)
        if shortcut:
            act.setShortcut(QKeySequence(shortcut))
        keys = act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        act.setToolTip(f"{tip or text} ({keys})" if keys else (tip or text))
        act.setStatusTip(tip or text)
        act.triggered.connect(slot)
        return act

    def _build_actions(self) -> None:
        a = self._action
        self.act_open = a("&Open…", self.open_dialog, QKeySequence.StandardKey.Open, "mdi.folder-open")
        self.act_export = a("&Export…", self.export_dialog, "Ctrl+E", "mdi.export", "Export cutout, alpha or composite")
        self.act_batch = a("&Batch export…", self.batch_dialog, "Ctrl+B", "mdi.folder-multiple-image")
        self.act_quit = a("&Quit", self.close, QKeySequence.StandardKey.Quit, "mdi.exit-to-app")
        self.act_cancel = a("Cancel", self.cancel_work, "Esc", "mdi.close-circle", "Cancel the running computation")
        self.act_refine = a("&Refine painted areas", self.apply_refinement, "Ctrl+R", "mdi.auto-fix")
        self.act_refine_edges = a("Refine &edges", self.refine_edges, "Ctrl+Shift+R", "mdi.auto-fix",
                                  "Re-solve a narrow band around the whole soft edge with closed-form matting")
        self.act_reset = a("Reset to &network matte", self.reset_matte, None, "mdi.restore")
        self.act_zoom_in = a("Zoom &in", lambda: self._zoom(1.25), QKeySequence.StandardKey.ZoomIn, "mdi.magnify-plus")
        self.act_zoom_out = a("Zoom &out", lambda: self._zoom(0.8), QKeySequence.StandardKey.ZoomOut, "mdi.magnify-minus")
        self.act_fit = a("&Fit", lambda: self.compare.panes[0].canvas.fit(), "Ctrl+0", "mdi.fit-to-page-outline")
        self.act_100 = a("&Actual pixels (100 %)", lambda: self.compare.panes[0].canvas.actual_size(), "Ctrl+1", "mdi.numeric-1-box")
        self.act_edge_color = a("Edge-check &colour…", self.pick_edge_color, None, "mdi.palette")
        self.act_resolution = a("&Working resolution…", self.choose_resolution, None, "mdi.image-size-select-large")
        self.act_about = a("&About", self.about, None, "mdi.information")
        self.act_bigger = a("Bigger brush", lambda: self.brush_panel.grow(1.25), "]")
        self.act_smaller = a("Smaller brush", lambda: self.brush_panel.grow(0.8), "[")
        undo = self._undo_stack_action(True)
        redo = self._undo_stack_action(False)
        mb = self.menuBar()
        file_menu = mb.addMenu("&File")
        file_menu.addAction(self.act_open)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self._refresh_recent()
        file_menu.addSeparator()
        for act in (self.act_export, self.act_batch, self.act_quit):
            file_menu.addAction(act)
        edit = mb.addMenu("&Edit")
        for act in (undo, redo, self.act_refine, self.act_refine_edges, self.act_reset, self.act_bigger, self.act_smaller, self.act_cancel):
            edit.addAction(act)
        view = mb.addMenu("&View")
        self.layout_group = QActionGroup(self)
        self.layout_actions = {}
        for key, label, sc in (("single", "&Single view", "Ctrl+Shift+1"), ("side-by-side", "&Side by side", "Ctrl+Shift+2"),
                               ("three", "&Three panes", "Ctrl+Shift+3")):
            act = a(label, lambda _c=False, k=key: self.set_layout(k), sc, "mdi.view-column")
            act.setCheckable(True)
            self.layout_group.addAction(act)
            self.layout_actions[key] = act
            view.addAction(act)
        view.addSeparator()
        self.mode_actions = {}
        for i, (key, label) in enumerate(VIEW_MODES.items(), start=1):
            act = a(label, lambda _c=False, k=key: self.set_view(k), str(i), None, f"Show {label.lower()} in the first pane")
            view.addAction(act)
            self.mode_actions[key] = act
        view.addSeparator()
        for act in (self.act_zoom_in, self.act_zoom_out, self.act_fit, self.act_100, self.act_edge_color):
            view.addAction(act)
        settings = mb.addMenu("&Settings")
        self.device_group = QActionGroup(self)
        for dev in self._devices():
            act = a(f"Run on {dev.upper()}", lambda _c=False, d=dev: self.set_device(d), None, "mdi.chip")
            act.setCheckable(True)
            act.setChecked(dev == self.engine.device or (dev == "cpu" and self.engine.device == "auto" and len(self._devices()) == 1))
            self.device_group.addAction(act)
            settings.addAction(act)
        settings.addAction(self.act_resolution)
        self.act_flip = a("&Flip averaging (better edges, ~2x time)", self.set_flip, None, "mdi.flip-horizontal",
                          "Also run the network on the mirrored photo and average the two mattes")
        self.act_flip.setCheckable(True)  # checked from the loaded engine (_model_loaded)
        settings.addAction(self.act_flip)
        mb.addMenu("&Help").addAction(self.act_about)
        tb = self.addToolBar("Main")
        tb.setObjectName("main-toolbar")
        for act in (self.act_open, self.act_export, self.act_batch, None, undo, redo, self.act_refine, None,
                    self.act_zoom_out, self.act_zoom_in, self.act_fit, self.act_100):
            tb.addSeparator() if act is None else tb.addAction(act)
        self.undo_action, self.redo_action = undo, redo

    def _undo_stack_action(self, undo: bool) -> QAction:
        act = self._action("&Undo" if undo else "&Redo", lambda: self._undo(undo),
                           QKeySequence.StandardKey.Undo if undo else QKeySequence.StandardKey.Redo,
                           "mdi.undo" if undo else "mdi.redo")
        return act

    def _build_status(self) -> None:
        sb = self.statusBar()
        self.size_label, self.zoom_label, self.model_label = QLabel(), QLabel(), QLabel()
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setMaximumWidth(200)
        self.progress.hide()
        self.cancel_button = QPushButton(qta.icon("mdi.close-circle"), "Cancel")
        self.cancel_button.clicked.connect(self.cancel_work)
        self.cancel_button.hide()
        for w in (self.size_label, self.zoom_label, self.model_label):
            sb.addPermanentWidget(w)
        sb.addWidget(self.progress)
        sb.addWidget(self.cancel_button)
        self.model_label.setText("model: loading…")
        self.model_task = self.workers.start(lambda _p, _c: self.engine.get().model_info,
                                             on_done=self._model_loaded, on_failed=self._model_failed)

    # ------------------------------------------------------------------ opening
    def open_dialog(self) -> None:
        folder = self.settings.value("open/folder", "")
        pattern = "Images (" + " ".join(f"*{s}" for s in sorted(IMAGE_SUFFIXES)) + ")"
        path, _ = QFileDialog.getOpenFileName(self, "Open photo", folder, pattern)
        if path:
            self.open_path(path)

    def open_path(self, path: str | Path) -> None:
        path = Path(path)
        self.settings.setValue("open/folder", str(path.parent))
        if self.matte_task is not None:
            self.matte_task.cancel()
        self._busy("Opening…")
        self.workers.start(lambda _p, _c: load_image(path), on_done=self._loaded, on_failed=self.show_error)

    def _loaded(self, image) -> None:
        self.doc = Document(image, self)
        self.doc.alphaChanged.connect(self._alpha_changed)
        self.doc.foregroundChanged.connect(self.redraw)
        self.doc.strokesChanged.connect(self._strokes_changed)
        self.doc.undo_stack.canUndoChanged.connect(self.undo_action.setEnabled)
        self.doc.undo_stack.canRedoChanged.connect(self.redo_action.setEnabled)
        self.undo_action.setEnabled(False)
        self.redo_action.setEnabled(False)
        w, h = image.size
        self.size_label.setText(f"{w} x {h} px, {image.bit_depth}-bit")
        self.setWindowTitle(f"{image.path.name} — MSIA Matte")
        self._add_recent(str(image.path))
        for pane in self.compare.panes:
            pane.canvas.pixmap_item.setPixmap(pane.canvas.pixmap_item.pixmap().__class__())
        self.loupe.follow(QPointF(w / 2, h / 2))
        self.redraw()
        self.compute_matte()

    def compute_matte(self) -> None:
        doc = self.doc
        self._busy("Computing matte…")
        self.matte_task = self.workers.start(
            lambda progress, cancel: self.engine.get().predict(doc.image.rgb, progress, cancel),
            on_done=lambda alpha: self._matte_done(doc, alpha), on_failed=self.show_error,
            on_progress=self._progress, on_cancelled=self._idle)

    def _matte_done(self, doc: Document, alpha: np.ndarray) -> None:
        if doc is not self.doc:
            return
        self._idle()
        doc.set_network_alpha(alpha)
        self.matteReady.emit()

    def _alpha_changed(self) -> None:
        self.redraw()
        doc, alpha = self.doc, self.doc.alpha
        self.workers.start(lambda _p, _c: estimate_foreground(doc.image.rgb, alpha),
                           on_done=lambda fg: self._foreground_done(doc, fg, alpha), on_failed=self.show_error)

    def _foreground_done(self, doc: Document, fg, alpha) -> None:
        if doc is self.doc:
            doc.set_foreground(fg, alpha)
            if doc.foreground is fg:
                self.foregroundReady.emit()

    # ------------------------------------------------------------------ views
    def set_layout(self, key: str) -> None:
        key = key if key in LAYOUTS else "side-by-side"
        self.compare.set_pane_count(len(LAYOUTS[key]))
        self.layout_actions[key].setChecked(True)
        self.settings.setValue("view/layout", key)
        self.redraw()

    def set_view(self, mode: str) -> None:
        box = self.compare.panes[0].mode_box
        box.setCurrentIndex(box.findData(mode))

    def set_pane_modes(self, *modes: str) -> None:
        for pane, mode in zip(self.compare.panes, modes):
            pane.mode_box.setCurrentIndex(pane.mode_box.findData(mode))

    def redraw(self) -> None:
        if self.doc is None:
            return
        background = self.background_panel.background()
        colour = (self.edge_color.red(), self.edge_color.green(), self.edge_color.blue())
        cache: dict[str, object] = {}
        for pane in self.compare.visible_panes:
            if pane.mode not in cache:
                cache[pane.mode] = to_qimage(render(self.doc, pane.mode, background, colour))
            pane.canvas.set_image(cache[pane.mode])
        first = self.compare.panes[0]
        self.loupe.set_image(cache.get(first.mode))
        self._update_zoom_label()

    def _strokes_changed(self) -> None:
        w, h = self.doc.size
        overlay = overlay_image(self.doc.strokes, w, h) if self.doc.strokes else None
        for pane in self.compare.panes:
            pane.canvas.set_overlay(overlay)

    def _zoom(self, factor: float) -> None:
        self.compare.panes[0].canvas.zoom_by(factor)

    def _update_zoom_label(self) -> None:
        c = self.compare.panes[0].canvas
        centre = c.center()
        self.zoom_label.setText(f"{c.zoom * 100:.0f} %  at ({centre.x():.0f}, {centre.y():.0f})")

    def _cursor_moved(self, pos: QPointF) -> None:
        self.loupe.follow(pos)

    def pick_edge_color(self) -> None:
        c = QColorDialog.getColor(self.edge_color, self, "Edge-check colour")
        if c.isValid():
            self.edge_color = c
            self.settings.setValue("view/edge_color", c.name())
            self.redraw()

    # ------------------------------------------------------------------ refinement
    def _brush_changed(self, kind, radius: float) -> None:
        for pane in self.compare.panes:
            pane.canvas.set_brush(radius if kind else None)

    def _stroke_finished(self, points: list) -> None:
        kind = self.brush_panel.kind
        if self.doc is None or not self.doc.has_matte or kind is None or not points:
            return
        self.doc.add_stroke(Stroke(kind, float(self.brush_panel.size.value()), points))

    def apply_refinement(self) -> None:
        doc = self.doc
        if doc is None or not doc.has_matte or not doc.strokes:
            self.statusBar().showMessage("Paint foreground, background or unknown areas first", 4000)
            return
        masks = doc.stroke_masks()
        trimap = trimap_from_strokes(doc.alpha, masks["foreground"], masks["background"], masks["unknown"])
        region = masks["foreground"] | masks["background"] | masks["unknown"]
        alpha, rgb = doc.alpha, doc.image.rgb
        self._refine_in_worker(doc, lambda progress, cancel: refine_with_trimap(rgb, trimap, alpha, region, progress, cancel))

    def refine_edges(self) -> None:
        """Closed-form matting on a narrow band around the network's soft edge, everywhere
        (``matting.refine.refine_auto``; it lowered SAD and MSE on every held-out photo measured
        by bench/refine_auto.py). Undoable like a painted refinement."""
        doc = self.doc
        if doc is None or not doc.has_matte:
            return
        alpha, rgb = doc.alpha, doc.image.rgb
        self._refine_in_worker(doc, lambda progress, cancel: refine_auto(rgb, alpha, None, progress, cancel))

    def _refine_in_worker(self, doc: Document, job) -> None:
        self._busy("Refining…")
        self.workers.start(job, on_done=lambda a: self._refined(doc, a), on_failed=self.show_error,
                           on_progress=self._progress, on_cancelled=self._idle)

    def _refined(self, doc: Document, alpha) -> None:
        self._idle()
        if doc is self.doc:
            doc.apply_refinement(alpha)
            self.refined.emit()

    def reset_matte(self) -> None:
        if self.doc is not None:
            self.doc.reset_to_network()

    def _undo(self, undo: bool) -> None:
        if self.doc is not None:
            (self.doc.undo_stack.undo if undo else self.doc.undo_stack.redo)()

    # ------------------------------------------------------------------ export
    def export_dialog(self) -> None:
        if self.doc is None or not self.doc.has_matte:
            self.show_error("Open a photo and wait for its matte before exporting.")
            return
        dlg = ExportDialog(self.doc.path, self.doc.image.bit_depth, self.settings, self)
        if dlg.exec():
            self.export_to(dlg.target(), dlg.options())

    def export_to(self, path: str | Path, options: ExportOptions) -> None:
        """Write the current matte as ``options`` says, in a worker (foreground estimation can take
        a second on large photos). Overwrites: the dialog has already asked."""
        doc, background = self.doc, self.background_panel.background()
        if options.what == "composite" and background.kind == "transparent":
            background = Background("color", (255, 255, 255))  # a composite is flat: white behind
        path = Path(path)
        info = self.engine.get().model_info if self.engine._engine else {}
        metadata = {k: str(v) for k, v in info.items() if k != "path"}

        def job(_progress, _cancel):
            rgb, alpha = doc.image.rgb, doc.alpha
            if options.bit_depth == 8 and rgb.dtype == np.uint16:
                rgb = (rgb >> 8).astype(np.uint8)
            fg = doc.foreground if doc.foreground is not None and options.what != "alpha" else None
            if options.what == "alpha":
                arr = quantize(alpha, options.bit_depth)
            elif options.what == "cutout":
                arr = cutout(rgb, alpha, fg, options.premultiplied)
            else:
                arr = composite_on(rgb, alpha, background, fg)
            return save_image(path, arr, icc_profile=doc.image.icc_profile, metadata=metadata,
                              on_exists="overwrite", protected={doc.path})

        self._busy("Exporting…")
        self.workers.start(job, on_done=lambda p: self._exported(p), on_failed=self.show_error)

    def _exported(self, path) -> None:
        self._idle()
        self.statusBar().showMessage(f"Exported {path}", 6000)
        self.exported.emit(str(path))

    def batch_dialog(self) -> BatchDialog:
        dlg = BatchDialog(self.engine.fresh, self.background_panel.background(), self.settings, self.workers, self)
        dlg.show()
        return dlg

    # ------------------------------------------------------------------ settings
    def _devices(self) -> list[str]:
        import torch

        return ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]

    def set_device(self, device: str) -> None:
        self.settings.setValue("engine/device", device)
        self._reload_engine(self.engine.with_changes(device=device))

    def set_flip(self, on: bool) -> None:
        """Settings > Flip averaging: better edges for about twice the time (bench/flip_average.py)."""
        self.settings.setValue("engine/flip", on)
        self._reload_engine(self.engine.with_changes(flip=on))

    def _reload_engine(self, holder: EngineHolder) -> None:
        self.engine = holder
        self.model_label.setText("model: loading…")
        self.model_task = self.workers.start(lambda _p, _c: holder.get().model_info,
                                             on_done=self._model_loaded, on_failed=self._model_failed)
        if self.doc is not None:
            self.compute_matte()

    def choose_resolution(self) -> None:
        current = self.engine.max_side or 512
        value, ok = QInputDialog.getInt(self, "Working resolution", "Long side the network sees (px):", current, 128, 4096, 32)
        if ok:
            self.settings.setValue("engine/max_side", value)
            self._reload_engine(self.engine.with_changes(max_side=value))

    def _model_loaded(self, info: dict) -> None:
        self.act_flip.setChecked(bool(info.get("flip_average")))
        self.model_label.setText(f"model: {info['model']} ({info['backbone']}, {info['max_side']} px, {info['device']})")

    def _model_failed(self, message: str) -> None:
        self.model_label.setText("model: none")
        self.show_error(message)

    # ------------------------------------------------------------------ recent files, drag and drop
    def _recent(self) -> list[str]:
        value = self.settings.value("open/recent", [])
        return [value] if isinstance(value, str) else list(value or [])

    def _add_recent(self, path: str) -> None:
        items = [path] + [p for p in self._recent() if p != path]
        self.settings.setValue("open/recent", items[:MAX_RECENT])
        self._refresh_recent()

    def _refresh_recent(self) -> None:
        self.recent_menu.clear()
        for p in self._recent():
            self.recent_menu.addAction(Path(p).name, lambda p=p: self.open_path(p)).setToolTip(p)
        self.recent_menu.setEnabled(bool(self._recent()))

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        urls = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            self.open_path(urls[0])

    # ------------------------------------------------------------------ busy state and errors
    def _busy(self, text: str) -> None:
        self.statusBar().showMessage(text)
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.show()

    def _progress(self, fraction: float) -> None:
        self.progress.setValue(int(fraction * 100))

    def _idle(self) -> None:
        self.progress.hide()
        self.cancel_button.hide()
        self.statusBar().clearMessage()

    def cancel_work(self) -> None:
        """Esc / Cancel: stop the matte or refinement in progress."""
        for task in list(self.workers.running):
            if task is not self.model_task:
                task.cancel()

    def show_error(self, message: str) -> None:
        self._idle()
        self.failed.emit(message)
        if self.property("quiet_errors"):
            self.statusBar().showMessage(message, 10000)
            return
        QMessageBox.warning(self, "MSIA Matte", message)

    def about(self) -> None:
        QMessageBox.about(self, "About MSIA Matte",
                          "MSIA Matte: trimap-free matting with the MSIA-matte network "
                          "(Multi-scale Information Assembly for Image Matting).")

    def closeEvent(self, event) -> None:
        self.workers.cancel_all()
        self.workers.wait(5000)
        super().closeEvent(event)

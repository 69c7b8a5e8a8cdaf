"""The main window: panels, status bar and the wiring between the document, the display pipeline
and the workers. File -> worker loads it (and its screen proxy) -> Document -> worker asks the
engine -> document changes -> the display pipeline renders in workers -> panes swap pictures in.
Nothing here computes a matte or touches full-resolution pixels on the GUI thread.

Split out: the engine and its settings (engine_holder.py), actions and menus (actions.py), export
(export_controller.py), what is kept between runs (ui_state.py), the display (display.py)."""
from __future__ import annotations

import gc
from dataclasses import replace
from pathlib import Path

import numpy as np
import qtawesome as qta
from PySide6.QtCore import QPointF, QSettings, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QColorDialog, QDockWidget, QFileDialog, QFrame, QHBoxLayout, QInputDialog, QLabel,
                               QMainWindow, QMessageBox, QProgressBar, QPushButton, QScrollArea, QSpinBox, QVBoxLayout,
                               QWidget)

from matting.colour import network_rgb
from matting.compose import estimate_foreground
from matting.errors import MattingError
from matting.files import IMAGE_SUFFIXES
from matting.imageio import load_image
from matting.progress import check

from .actions import LAYOUTS, build_actions
from .dialogs.batch import BatchDialog
from .dialogs.export import ExportOptions
from .dialogs.review_grid import BatchReturn
from .display import DisplayPipeline, make_proxy_rgb
from .document import Document, Stroke, offered_alpha
from .edits import GUIDING_KINDS, REFINE_EDGES, STROKES, Edit, apply_edit, guidance_of, replay
from .engine_holder import EngineHolder, warm_up_solvers
from .export_controller import ExportController
from .project import SUFFIX as PROJECT_SUFFIX
from .project import Project, is_project, load_project, project_path, save_project
from .panels.background import BackgroundPanel
from .panels.brush import BrushPanel
from .panels.edge_panel import EdgePanel
from .tools.edge_brushes import EDGE_KINDS, EdgeBrushes
from .ui_state import restore_ui_state, save_ui_state
from .views.compare import CompareView
from .views.loupe import Loupe
from .workers import Workers

MAX_RECENT = 8
USER_TASKS = ("open", "matte", "refine", "export")  # what Esc cancels
NO_PHOTO_HINT = "Open a photo (Ctrl+O) or drop one here"
NO_MATTE_HINT = "No matte: its computation was cancelled. Recompute (F5) to make one."


class OfferBar(QFrame):
    """A one-line offer above the panes (a file with transparency: start from its alpha)."""

    def __init__(self, text: str, accept_text: str, parent=None):
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        self.label = QLabel(text)
        self.accept_button = QPushButton(accept_text)
        dismiss = QPushButton("Dismiss")
        dismiss.clicked.connect(self.hide)
        row.addWidget(self.label, 1)
        row.addWidget(self.accept_button)
        row.addWidget(dismiss)
        self.hide()


class StatusField(QLabel):
    """A status-bar field: told apart from its neighbours by a rule, hidden while empty."""

    def __init__(self) -> None:
        super().__init__()
        self.setStyleSheet("QLabel { border-left: 1px solid #5a5a5e; padding: 0 8px; }")
        self.hide()

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setVisible(bool(text))


class MainWindow(QMainWindow):
    matteReady = Signal()
    foregroundReady = Signal()
    refined = Signal()
    exported = Signal(str)
    projectSaved = Signal(str)
    batchOutputSaved = Signal(str)  # the input photo whose batch outputs were written again
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
        self.unsaved_box: QMessageBox | None = None
        self._solvers_warm = False
        self.takes_strokes = False  # the loaded model listens to strokes (Recompute with strokes)
        self.edge_color = QColor(self.settings.value("view/edge_color", "#ff00ff"))
        self.engine = EngineHolder.from_settings(self.settings, model, device, max_side)
        self._build_views()
        self._build_panels()
        self.actions = build_actions(self, self._devices())
        self.undo_action, self.redo_action = self.actions.undo, self.actions.redo
        self.exporter = ExportController(self.workers, self.settings, self.background_panel.background, self)
        self.exporter.started.connect(self._busy)
        self.exporter.exported.connect(self._exported)
        self.exporter.failed.connect(self.show_error)
        self.exporter.cancelled.connect(self._export_cancelled)
        self.exporter.progress.connect(self._progress)
        self._build_status()
        self._refresh_recent()
        self.set_layout(self.settings.value("view/layout", "side-by-side"))
        restore_ui_state(self, self.settings)
        self._update_actions()
        self._load_model()

    # ------------------------------------------------------------------ construction
    def _build_views(self) -> None:
        self.compare = CompareView()
        self.display = DisplayPipeline(self.workers, self.compare, self)
        self._foreground_wanted = False
        self.display.updated.connect(self._estimate_foreground)
        self.display.set_edge_color(self._edge_rgb())
        self.compare.modesChanged.connect(self._modes_changed)
        for pane in self.compare.panes:
            pane.canvas.viewChanged.connect(lambda *_: self._update_zoom_label())
            pane.canvas.cursorMoved.connect(self._cursor_moved)
            pane.canvas.strokeFinished.connect(self._stroke_finished)
            pane.canvas.strokeMoved.connect(self._stroke_moved)
        self.edge_brushes = EdgeBrushes(self)
        self.edge_brushes.failed.connect(self.show_error)
        self.offer = OfferBar("This file already has transparency.", "Use its alpha as the matte")
        self.offer.accept_button.clicked.connect(self.use_file_alpha)
        self.project_bar = OfferBar("", "Reopen the project")
        self.project_bar.accept_button.clicked.connect(self._reopen_project)
        self.batch_bar = OfferBar("", "Save to the batch's outputs")
        self.batch_bar.accept_button.clicked.connect(self.save_to_batch)
        self.batch_return: BatchReturn | None = None  # the open photo came from a batch review
        self._batch_saving: str | None = None  # the photo whose batch outputs are being written
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.offer)
        layout.addWidget(self.batch_bar)
        layout.addWidget(self.project_bar)
        layout.addWidget(self.compare, 1)
        self.setCentralWidget(central)

    def _build_panels(self) -> None:
        side = QWidget()
        layout = QVBoxLayout(side)
        self.background_panel = BackgroundPanel()
        self.background_panel.changed.connect(self.display.set_background)
        self.brush_panel = BrushPanel()
        self.brush_panel.brushChanged.connect(self._brush_changed)
        self.brush_panel.applyRequested.connect(self.apply_refinement)
        self.brush_panel.resetRequested.connect(self.reset_matte)
        self.edge_panel = EdgePanel()
        self.edge_panel.previewed.connect(lambda edge: self.display.set_edge(edge, draft=True))
        self.edge_panel.committed.connect(self._edge_committed)
        self.edge_panel.opacityChanged.connect(self.display.set_opacity)
        self.loupe = Loupe()
        self.loupe.set_source(lambda rect: self.display.region_image(self.compare.panes[0].mode, rect))
        self.display.updated.connect(self.loupe.update)
        self.loupe_zoom = QSpinBox()
        self.loupe_zoom.setRange(1, 32)
        self.loupe_zoom.setValue(4)
        self.loupe_zoom.setPrefix("Loupe ")
        self.loupe_zoom.setSuffix("x")
        self.loupe_zoom.valueChanged.connect(self.loupe.set_magnification)
        self.loupe.set_magnification(self.loupe_zoom.value())
        for w in (self.background_panel, self.brush_panel, self.edge_panel):
            layout.addWidget(w)
        layout.addStretch(1)
        # The panels scroll, the loupe stays in view below them: the window fits a 1366 x 768
        # screen (the Tools dock used to need 1012 px of height).
        scroll = QScrollArea()
        scroll.setWidget(side)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(side.sizeHint().width() + scroll.verticalScrollBar().sizeHint().width())
        self.tools_scroll = scroll
        tools = QWidget()
        column = QVBoxLayout(tools)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(scroll, 1)
        column.addWidget(self.loupe_zoom)
        column.addWidget(self.loupe)
        dock = QDockWidget("Tools", self)
        dock.setObjectName("tools")
        dock.setWidget(tools)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)

    def _build_status(self) -> None:
        sb = self.statusBar()
        self.size_label, self.zoom_label, self.matte_label, self.model_label = (StatusField() for _ in range(4))
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setMaximumWidth(200)
        self.progress.hide()
        self.cancel_button = QPushButton(qta.icon("mdi.close-circle"), "Cancel")
        self.cancel_button.clicked.connect(self.cancel_work)
        self.cancel_button.hide()
        for w in (self.size_label, self.zoom_label, self.matte_label, self.model_label):
            sb.addPermanentWidget(w)
        sb.addWidget(self.progress)
        sb.addWidget(self.cancel_button)

    def display_busy(self) -> bool:
        """Display work is queued or running (tests and bench/app_responsiveness.py wait on it)."""
        return self.display.busy()

    # ------------------------------------------------------------------ opening
    def open_dialog(self) -> None:
        folder = self.settings.value("open/folder", "")
        pattern = ("Photos and projects (" + " ".join(f"*{s}" for s in sorted(IMAGE_SUFFIXES)) + f" *{PROJECT_SUFFIX})"
                   + f";;MSIA Matte projects (*{PROJECT_SUFFIX})")
        path, _ = QFileDialog.getOpenFileName(self, "Open photo or project", folder, pattern)
        if path:
            self.open_path(path)

    def open_path(self, path: str | Path) -> None:
        """Load in a worker (the photo and its screen proxy; a project file: its photo and its
        saved state); a later open supersedes this one. Unsaved work is asked about first."""
        path = Path(path).expanduser().resolve()
        if not self.confirm_discard():
            return
        self.settings.setValue("open/folder", str(path.parent))
        self.workers.cancel("matte")
        self._busy("Opening…")

        def job(_progress, cancel):
            project = load_project(path) if is_project(path) else None
            image = load_image(project.photo if project else path)
            if project is not None and project.alpha.shape != image.rgb.shape[:2]:
                raise MattingError(f"{path}: saved for a photo of another size than {image.path.name}")
            check(cancel)
            return image, make_proxy_rgb(image.rgb), offered_alpha(image), project

        self.workers.start(job, on_done=lambda r: self._loaded(*r), on_failed=self.show_error, on_cancelled=self._idle,
                           key="open")

    def _loaded(self, image, proxy_rgb: np.ndarray, file_alpha: np.ndarray | None, project: Project | None = None) -> None:
        self._idle()
        if self.doc is not None:
            self.doc.dispose()
        # no Qt parent: the window would keep every replaced document (photo, mattes, history) alive
        self.doc = doc = Document(image, None, file_alpha, project.edge if project else self.edge_panel.settings())
        doc.undo_stack.cleanChanged.connect(self._clean_changed)
        doc.edgeChanged.connect(self._edge_changed)
        doc.alphaChanged.connect(self._alpha_changed)
        doc.alphaChanged.connect(self._update_matte_label)
        doc.alphaChanged.connect(self.edge_brushes.matte_replaced)
        doc.foregroundChanged.connect(self.display.foreground_changed)
        doc.strokesChanged.connect(self._strokes_changed)
        doc.undo_stack.canUndoChanged.connect(self.undo_action.setEnabled)
        doc.undo_stack.canRedoChanged.connect(self.redo_action.setEnabled)
        self.undo_action.setEnabled(False)
        self.redo_action.setEnabled(False)
        w, h = image.size
        self.size_label.setText(f"{w} x {h} px, {image.bit_depth}-bit")
        self.setWindowTitle(f"{image.path.name}[*] — MSIA Matte")
        self.setWindowModified(False)
        self._add_recent(str(project_path(image.path) if project else image.path))
        self.display.set_document(doc, proxy_rgb)
        self._strokes_changed()
        self.loupe.follow(QPointF(w / 2, h / 2))
        self._offer_batch_return(image.path)
        saved = project_path(image.path)
        self.project_bar.label.setText(f"This photo has saved work: {saved.name}.")
        self.project_bar.setVisible(project is None and saved.is_file())
        has_file_alpha = doc.file_alpha is not None
        self.actions.use_file_alpha.setEnabled(has_file_alpha)
        self.offer.setVisible(has_file_alpha)
        self._update_matte_label()
        self._update_actions()
        if project is None:
            self.compute_matte()
            return
        doc.restore(project.network_alpha, project.alpha, project.edits, [Stroke.from_data(s) for s in project.strokes],
                    project.edge, project.matte_info)
        self.statusBar().showMessage(f"Reopened {project_path(image.path).name}", 6000)
        self.matteReady.emit()

    # ------------------------------------------------------------------ saving work
    def _reopen_project(self) -> None:
        if self.doc is not None:
            self.open_path(project_path(self.doc.path))

    def _clean_changed(self, clean: bool) -> None:
        self.setWindowModified(not clean)

    def save_project(self, wait: bool = False) -> bool:
        """File > Save project (Ctrl+S): the work in progress beside the photo (``app.project``),
        written in a worker (two 16-bit PNGs of a 24 MP photo take about a second to encode);
        ``wait``: on this thread (the window is about to close or move on). The document is
        marked saved at the step it was saved at, if nothing was done meanwhile."""
        doc = self.doc
        if doc is None or not doc.has_matte:
            self.statusBar().showMessage("Open a photo and wait for its matte before saving", 4000)
            return False
        path, step = project_path(doc.path), doc.undo_stack.index()
        state = Project(doc.path, doc.network_alpha, doc.alpha, list(doc.edits), [s.data() for s in doc.strokes],
                        doc.edge, doc.matte_info)

        def saved(_written=None) -> None:
            self._idle()
            if doc.undo_stack.index() == step:
                doc.undo_stack.setClean()
            self.statusBar().showMessage(f"Saved {path}", 6000)
            self.projectSaved.emit(str(path))

        if not wait:
            self._busy(f"Saving {path.name}…")
            self.workers.start(lambda _p, _c: save_project(path, state), on_done=saved, on_failed=self.show_error,
                               key="project")
            return True
        try:
            save_project(path, state)
        except MattingError as exc:
            self.show_error(str(exc))
            return False
        saved()
        return True

    def confirm_discard(self) -> bool:
        """Unsaved work (the history is not at its saved step): Save, Discard or Cancel. True when
        the caller may go on. The question box is ``self.unsaved_box`` while it is open. A window
        run without dialogs (the ``quiet_errors`` property: screenshots, tests) does not ask."""
        doc = self.doc
        if doc is None or doc.undo_stack.isClean() or self.property("quiet_errors"):
            return True
        box = QMessageBox(QMessageBox.Icon.Question, "MSIA Matte",
                          f"Save your work on {doc.path.name} before going on?",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self)
        box.setInformativeText(f"The strokes, edits and edge settings go to {project_path(doc.path).name} "
                               "beside the photo; File > Open reopens them.")
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        self.unsaved_box = box
        try:
            answer = box.exec()
        finally:
            self.unsaved_box = None
        if answer == QMessageBox.StandardButton.Save:
            return self.save_project(wait=True)
        return answer == QMessageBox.StandardButton.Discard

    def compute_matte(self, guided: bool = False) -> None:
        """Run the network on the open photo (Recompute, F5); replaces a running computation.
        ``guided``: with the painted foreground / background strokes as the network's guidance
        (Recompute with strokes); the strokes stay for more strokes and another run."""
        doc, holder = self.doc, self.engine
        if doc is None:
            return
        strokes = [s.data() for s in doc.strokes] if guided else []
        self._busy("Recomputing with your strokes (Shift+F5)…" if strokes else "Computing matte…")

        def job(progress, cancel):
            engine = holder.get()
            guidance = guidance_of(strokes, *doc.size) if strokes else None
            info = {**engine.model_info, "strokes": len(strokes)} if strokes else engine.model_info
            rgb = network_rgb(doc.image.rgb, doc.image.icc_profile)
            return engine.predict(rgb, progress, cancel, guidance=guidance), info

        self.workers.start(job, on_done=lambda r: self._matte_done(doc, holder, *r), on_failed=self.show_error,
                           on_progress=self._progress, on_cancelled=self._matte_cancelled, key="matte")
        self._update_actions()

    def _matte_done(self, doc: Document, holder: EngineHolder, alpha: np.ndarray, info: dict) -> None:
        """The first matte starts the history; a later one (Recompute, a Settings change) is an
        undoable step with the document's edits replayed on it (``_replayed``)."""
        if doc is not self.doc:
            return
        if doc.alpha is None or not doc.edits:
            self._matte_in(doc, holder, alpha, info, alpha)
            return
        self._busy("Re-applying your edits to the new matte…")
        edits, version, rgb = list(doc.edits), doc.version, doc.image.rgb
        self.workers.start(lambda progress, cancel: replay(rgb, alpha, edits, progress, cancel),
                           on_done=lambda edited: self._replayed(doc, holder, alpha, info, version, edited),
                           on_failed=self.show_error, on_progress=self._progress, on_cancelled=self._matte_cancelled,
                           key="matte")

    def _replayed(self, doc: Document, holder: EngineHolder, network: np.ndarray, info: dict, version: int,
                  edited: np.ndarray) -> None:
        """The edits replayed on a new network matte; if the document changed meanwhile (a brush
        stroke landed), replay its edits as they are now instead."""
        if doc is not self.doc:
            return
        if doc.version != version:
            self._matte_done(doc, holder, network, info)
            return
        self._matte_in(doc, holder, network, info, edited)

    def _matte_in(self, doc: Document, holder: EngineHolder, network: np.ndarray, info: dict,
                  alpha: np.ndarray) -> None:
        self._idle()
        doc.recompute(network, alpha, info, holder)
        self._update_matte_label()
        if info.get("strokes"):
            self.statusBar().showMessage(f"Matte recomputed with your {info['strokes']} strokes: paint more and "
                                         "Recompute with strokes (Shift+F5) again, or undo (Ctrl+Z)", 8000)
        self.matteReady.emit()

    def _matte_cancelled(self) -> None:
        if not self.workers.is_running("open"):
            self._idle()
            self.statusBar().showMessage("Matte computation cancelled", 4000)
        # the task is off the books here (Workers._settle): the panes and the status bar say that
        # there is no matte and how to make one
        self._update_matte_label()
        self._update_actions()

    def _alpha_changed(self) -> None:
        """A new matte: the views first, then (once they are drawn) the edge colours, so that the
        foreground estimate does not compete with showing the matte."""
        self._update_actions()
        self.display.matte_changed()
        self._foreground_wanted = True
        if not self.display.busy():
            self._estimate_foreground()

    def _estimate_foreground(self) -> None:
        if not self._foreground_wanted or self.doc is None or self.doc.alpha is None:
            return
        self._foreground_wanted = False
        doc, alpha = self.doc, self.doc.alpha
        self.workers.start(lambda _p, _c: estimate_foreground(doc.image.rgb, alpha),
                           on_done=lambda fg: self._foreground_done(doc, fg, alpha), on_failed=self.show_error,
                           key="foreground")

    def _foreground_done(self, doc: Document, fg, alpha) -> None:
        if doc is self.doc:
            doc.set_foreground(fg, alpha)
            if doc.foreground is fg:
                self.foregroundReady.emit()

    def use_file_alpha(self) -> None:
        """Edit > Use the file's transparency: its alpha becomes the matte (undoable once a
        matte exists); a network matte still running is cancelled."""
        if self.doc is None or self.doc.file_alpha is None:
            return
        if not self.doc.has_matte:
            self.workers.cancel("matte")
        self.doc.use_file_alpha()
        self.offer.hide()
        self._update_matte_label()

    def _update_matte_label(self) -> None:
        """Which settings the matte on screen came from, and whether they are still the current ones."""
        doc = self.doc
        if doc is None or not doc.has_matte:
            cancelled = doc is not None and not self.workers.is_running("matte") and not self.workers.is_running("open")
            self.matte_label.setText("no matte: Recompute (F5)" if cancelled else "")
            return
        info = doc.matte_info
        if doc.alpha is doc.file_alpha:
            self.matte_label.setText("matte: the file's transparency")
            return
        text = f"matte: {info.get('max_side', '?')} px" + (", flip" if info.get("flip_average") else "")
        text += f", {info['strokes']} strokes" if info.get("strokes") else ""
        if doc.matte_holder is not None and doc.matte_holder is not self.engine:
            text += " (settings changed since: Recompute, F5)"
        self.matte_label.setText(text)

    # ------------------------------------------------------------------ views
    def set_layout(self, key: str) -> None:
        key = key if key in LAYOUTS else "side-by-side"
        self.compare.set_pane_count(len(LAYOUTS[key]))
        self.actions.layouts[key].setChecked(True)
        self.settings.setValue("view/layout", key)
        self.display.refresh()

    def set_view(self, mode: str) -> None:
        box = self.compare.panes[0].mode_box
        box.setCurrentIndex(box.findData(mode))

    def set_pane_modes(self, *modes: str) -> None:
        for pane, mode in zip(self.compare.panes, modes):
            pane.mode_box.setCurrentIndex(pane.mode_box.findData(mode))

    def _modes_changed(self) -> None:
        self.display.refresh(draft_first=True)
        self.loupe.update()
        self._update_actions()

    def _update_actions(self) -> None:
        """What needs a photo or a matte is enabled only with one (issue 29, item 11); the panes
        say what to do when there is nothing to show."""
        doc = self.doc
        has_doc, has_matte = doc is not None, doc is not None and doc.has_matte
        for act in (self.actions.export, self.actions.save, self.actions.refine, self.actions.refine_edges,
                    self.actions.reset):
            act.setEnabled(has_matte)
        self.actions.recompute.setEnabled(has_doc)
        self.actions.recompute_strokes.setEnabled(has_matte and self.takes_strokes)
        self.brush_panel.apply_button.setEnabled(has_matte)
        self.brush_panel.reset_button.setEnabled(has_matte)
        if not has_doc:
            self.undo_action.setEnabled(False)
            self.redo_action.setEnabled(False)
        computing = self.workers.is_running("matte") or self.workers.is_running("open")
        for pane in self.compare.panes:
            hint = NO_PHOTO_HINT if not has_doc else ""
            if has_doc and not has_matte and not computing and pane.mode != "original":
                hint = NO_MATTE_HINT
            pane.canvas.set_hint(hint)

    def _strokes_changed(self) -> None:
        strokes = self.doc.strokes if self.doc is not None else []
        for pane in self.compare.panes:
            pane.canvas.set_strokes(strokes)

    def zoom(self, factor: float) -> None:
        self.compare.panes[0].canvas.zoom_by(factor)

    def _update_zoom_label(self) -> None:
        c = self.compare.panes[0].canvas
        centre = c.center()
        self.zoom_label.setText(f"{c.zoom * 100:.0f} %  at ({centre.x():.0f}, {centre.y():.0f})")

    def _cursor_moved(self, pos: QPointF) -> None:
        self.loupe.follow(pos)

    def _edge_rgb(self) -> tuple[int, int, int]:
        return self.edge_color.red(), self.edge_color.green(), self.edge_color.blue()

    def pick_edge_color(self) -> None:
        c = QColorDialog.getColor(self.edge_color, self, "Edge-check colour")
        if c.isValid():
            self.edge_color = c
            self.settings.setValue("view/edge_color", c.name())
            self.display.set_edge_color(self._edge_rgb())

    # ------------------------------------------------------------------ refinement
    def _brush_changed(self, kind, radius: float) -> None:
        for pane in self.compare.panes:
            pane.canvas.set_brush(radius if kind else None)

    def _stroke_moved(self, points: list) -> None:
        self.edge_brushes.stroke_moved(self.brush_panel.kind, points, float(self.brush_panel.size.value()))

    def _stroke_finished(self, points: list) -> None:
        kind = self.brush_panel.kind
        if self.doc is None or not self.doc.has_matte or kind is None or not points:
            return
        if kind in EDGE_KINDS:
            self.edge_brushes.stroke_finished(kind, points, float(self.brush_panel.size.value()))
            return
        self.doc.add_stroke(Stroke(kind, float(self.brush_panel.size.value()), points))

    def apply_refinement(self) -> None:
        """Apply (Ctrl+R), one undoable step: with a model that takes strokes, foreground /
        background strokes go to the network (``recompute_with_strokes``); otherwise (or with
        unknown strokes only) the painted strokes are solved into the matte locally."""
        doc = self.doc
        if doc is None or not doc.has_matte or not doc.strokes:
            self.statusBar().showMessage("Paint foreground, background or unknown areas first", 4000)
            return
        if self.takes_strokes and any(s.kind in GUIDING_KINDS for s in doc.strokes):
            self.recompute_with_strokes()
            return
        self._edit_in_worker(doc, Edit(STROKES, strokes=tuple(s.data() for s in doc.strokes)))

    def recompute_with_strokes(self) -> None:
        """Recompute with strokes (Shift+F5): the network runs again with the painted foreground
        and background strokes as guidance; the result is the new network matte (edits replayed on
        it), one undoable step. Only for a model that takes strokes."""
        doc = self.doc
        if doc is None or not doc.has_matte or not self.takes_strokes:
            return
        if not any(s.kind in GUIDING_KINDS for s in doc.strokes):
            self.statusBar().showMessage("Paint foreground or background strokes first", 4000)
            return
        self.compute_matte(guided=True)

    def refine_edges(self) -> None:
        """Closed-form matting on a narrow band around the network's soft edge, everywhere
        (``matting.refine.refine_auto``, as the CLI's ``--refine-edges``). Undoable."""
        if self.doc is not None and self.doc.has_matte:
            self._edit_in_worker(self.doc, Edit(REFINE_EDGES), "Refine edges")

    def _edit_in_worker(self, doc: Document, edit: Edit, text: str = "Refine matte") -> None:
        """Do ``edit`` on the document's matte in a worker. The job carries the matte version it
        started from: a result for an older matte (a new network matte arrived meanwhile) is
        computed again on the current one, never pasted over it."""
        self._busy("Refining…")
        alpha, version, rgb = doc.alpha, doc.version, doc.image.rgb

        def done(new: np.ndarray) -> None:
            if doc is not self.doc:
                return
            if doc.version != version:
                self._edit_in_worker(doc, edit, text)
                return
            self._idle()
            doc.apply_refinement(new, edit, text)
            self.refined.emit()

        self.workers.start(lambda progress, cancel: apply_edit(rgb, alpha, edit, progress, cancel), on_done=done,
                           on_failed=self.show_error, on_progress=self._progress, on_cancelled=self._idle, key="refine")

    # ------------------------------------------------------------------ edge controls
    def _edge_committed(self, edge) -> None:
        """A finished change in the edge panel: an undoable step of the document."""
        if self.doc is not None:
            self.doc.set_edge(edge)

    def _edge_changed(self) -> None:
        """The document's edge settings changed (a commit, undo or redo): panel and views follow."""
        if self.doc is not None:
            self.edge_panel.set_settings(self.doc.edge)
            self.display.set_edge(self.doc.edge)

    def reset_matte(self) -> None:
        if self.doc is not None:
            self.doc.reset_to_network()

    def undo(self, undo: bool = True) -> None:
        if self.doc is not None:
            (self.doc.undo_stack.undo if undo else self.doc.undo_stack.redo)()

    # ------------------------------------------------------------------ export
    def export_dialog(self) -> None:
        """File > Export; a photo from a batch review proposes its batch's output folder."""
        target = self._batch_target()
        self.exporter.open_dialog(self.doc, self, next(iter(target.outputs.values())).parent if target else None)

    def edit_from_batch(self, target: BatchReturn) -> None:
        """The review grid's "Open for editing": the photo, with where the batch wrote it."""
        self.batch_return = target
        self.open_path(target.input)

    def _batch_target(self) -> BatchReturn | None:
        t = self.batch_return
        return t if t is not None and self.doc is not None and t.outputs and self.doc.path == t.input else None

    def _offer_batch_return(self, path: Path) -> None:
        target = self.batch_return if self.batch_return is not None and self.batch_return.input == path else None
        self.batch_return = target
        if target is not None:
            names = ", ".join(p.name for p in target.outputs.values())
            self.batch_bar.label.setText(f"From the batch review: fix the matte, then save it over {names}.")
        self.batch_bar.setVisible(target is not None)

    def save_to_batch(self) -> None:
        """Write the fixed matte over the batch's outputs of this photo, rendered as the batch
        rendered them (its formats, depth, background, crop) with the document's edge settings;
        the review grid then shows the new thumbnail."""
        target, doc = self._batch_target(), self.doc
        if target is None or not doc.has_matte:
            return
        options = target.options
        targets = [(path, replace(options.spec(kind), decontaminate=doc.edge.decontaminate), options.settings(kind))
                   for kind, path in target.outputs.items()]
        self._batch_saving = str(target.input)  # _exported tells the grid
        self.exporter.write(doc, targets)

    def export_to(self, path: str | Path, options: ExportOptions) -> None:
        """Write the current matte as ``options`` says (no dialog), in a worker."""
        self.exporter.export(self.doc, Path(path), options)

    def _export_cancelled(self) -> None:
        self._batch_saving = None
        self._idle()
        self.statusBar().showMessage("Export cancelled: nothing was written", 6000)

    def _exported(self, path: str) -> None:
        if self._batch_saving is not None:
            key, self._batch_saving = self._batch_saving, None
            self.batchOutputSaved.emit(key)
        self._idle()
        self.statusBar().showMessage(f"Exported {path}", 6000)
        self.exported.emit(path)

    def batch_dialog(self) -> BatchDialog:
        dlg = BatchDialog(self.engine.fresh, self.background_panel.background(), self.settings, self.workers, self)
        dlg.openRequested.connect(self.open_path)
        dlg.editRequested.connect(self.edit_from_batch)
        self.batchOutputSaved.connect(dlg.output_saved)
        dlg.show()
        return dlg

    # ------------------------------------------------------------------ settings
    def _devices(self) -> list[str]:
        import torch

        return ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]

    def set_device(self, device: str) -> None:
        self._reload_engine(self.engine.store(self.settings, device=device))

    def set_flip(self, on: bool) -> None:
        """Settings > Flip averaging: better edges for about twice the time (bench/flip_average.py)."""
        self._reload_engine(self.engine.store(self.settings, flip=bool(on)))

    def set_refiner(self, on: bool) -> None:
        """Settings > Full-resolution refiner (models that have one): on by default."""
        self._reload_engine(self.engine.store(self.settings, refine=bool(on)))

    def set_max_side(self, value: int) -> None:
        self._reload_engine(self.engine.store(self.settings, max_side=int(value)))

    def choose_resolution(self) -> None:
        current = self.engine.max_side or (self.engine.loaded.max_side if self.engine.loaded else 512)
        value, ok = QInputDialog.getInt(
            self, "Working resolution",
            "The network finds the subject on a reduced copy of the photo.\n"
            "Size of that copy's long side, in pixels (larger: finer detail, slower):", current, 128, 4096, 32)
        if ok:
            self.set_max_side(value)

    def _reload_engine(self, holder: EngineHolder) -> None:
        """New settings: a new engine, and the matte recomputed with it (the running computation,
        made with the old settings, is cancelled)."""
        self.engine = holder
        self._load_model()
        self._update_matte_label()
        if self.doc is not None:
            self.compute_matte()

    def _load_model(self) -> None:
        holder, first = self.engine, not self._solvers_warm
        self._solvers_warm = True
        self.model_label.setText("model: loading…")

        def job(_progress, _cancel):
            engine = holder.get()
            if first:
                warm_up_solvers()
            return engine.model_info, engine.has_refiner, engine.takes_strokes

        self.workers.start(job, on_done=lambda r: self._model_loaded(*r), on_failed=self._model_failed, key="model")

    def _model_loaded(self, info: dict, has_refiner: bool, takes_strokes: bool = False) -> None:
        self.takes_strokes = takes_strokes
        self.actions.recompute_strokes.setToolTip(
            "Run the network again, listening to your foreground and background strokes (Shift+F5)" if takes_strokes
            else f"The model {info['model']} does not take strokes: Apply (Ctrl+R) solves them locally")
        self._update_actions()
        self.actions.flip.setChecked(bool(info.get("flip_average")))
        self.actions.refiner.setEnabled(has_refiner)
        self.actions.refiner.setChecked(bool(info.get("refiner")))
        self.model_label.setText(f"model: {info['model']} ({info['backbone']}, {info['max_side']} px, {info['device']})")
        # The network, torch and the other libraries are loaded now and live as long as the app:
        # take them out of the garbage collector's scans. A full collection went through ~320k
        # such objects in 200-250 ms while holding Python's lock, so every thread, the GUI's too,
        # stopped that long at moments no one chose (the 100-300 ms stalls of the window benches).
        gc.freeze()

    def _model_failed(self, message: str) -> None:
        self.model_label.setText("model: none")
        self.show_error(message)

    # ------------------------------------------------------------------ recent files, drag and drop
    def _recent(self) -> list[str]:
        value = self.settings.value("open/recent", [])
        return [value] if isinstance(value, str) else list(value or [])

    def _add_recent(self, path: str) -> None:
        path = str(Path(path).resolve())
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
        """Esc / Cancel: stop opening, the matte or a refinement in progress."""
        for key in USER_TASKS:
            self.workers.cancel(key)

    def show_error(self, message: str) -> None:
        self._batch_saving = None
        self._idle()
        self.failed.emit(message)
        if self.property("quiet_errors"):
            self.statusBar().showMessage(message, 10000)
            return
        QMessageBox.warning(self, "MSIA Matte", message)

    def about(self) -> None:
        from matting import __version__

        model = self.model_label.text().removeprefix("model: ")
        QMessageBox.about(self, "About MSIA Matte",
                          f"MSIA Matte {__version__}\n\nTrimap-free matting with the MSIA-matte network "
                          f"(Multi-scale Information Assembly for Image Matting).\n\nModel: {model}")

    def closeEvent(self, event) -> None:
        if not self.confirm_discard():
            event.ignore()
            return
        save_ui_state(self, self.settings)
        self.workers.shutdown(5000)
        super().closeEvent(event)

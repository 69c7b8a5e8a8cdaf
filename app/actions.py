"""The window's actions, menus and toolbar, in one place: what each command is called, its keys,
its icon and tip. ``build_actions(window)`` wires them to the window's public slots and returns
them (``window.actions.recompute`` ...)."""
from __future__ import annotations

from dataclasses import dataclass, field

import qtawesome as qta
from PySide6.QtGui import QAction, QActionGroup, QKeySequence

from .style import ICON_COLOUR, ICON_DISABLED
from .views.render import VIEW_MODES

LAYOUTS = {"single": ("cutout",), "side-by-side": ("original", "cutout"), "three": ("original", "cutout", "alpha")}
LAYOUT_LABELS = (("single", "&Single view", "Ctrl+Shift+1"), ("side-by-side", "&Side by side", "Ctrl+Shift+2"),
                 ("three", "&Three panes", "Ctrl+Shift+3"))


@dataclass
class Actions:
    open: QAction
    save: QAction
    export: QAction
    batch: QAction
    quit: QAction
    cancel: QAction
    recompute: QAction
    recompute_strokes: QAction
    undo: QAction
    redo: QAction
    refine: QAction
    refine_edges: QAction
    use_file_alpha: QAction
    reset: QAction
    zoom_in: QAction
    zoom_out: QAction
    fit: QAction
    actual: QAction
    edge_color: QAction
    resolution: QAction
    flip: QAction
    refiner: QAction
    bigger: QAction
    smaller: QAction
    about: QAction
    layouts: dict[str, QAction] = field(default_factory=dict)
    modes: dict[str, QAction] = field(default_factory=dict)
    devices: dict[str, QAction] = field(default_factory=dict)
    groups: list[QActionGroup] = field(default_factory=list)


def make_action(parent, text: str, slot, shortcuts=(), icon: str | None = None, tip: str | None = None,
                checkable: bool = False) -> QAction:
    # a checkable item shows a check mark, not an icon (Fusion marks a checked icon with a faint
    # frame only); icons are drawn dim when the action is disabled
    act = QAction(text, parent)
    if not checkable:
        act.setIcon(qta.icon(icon or "mdi.circle-small", color=ICON_COLOUR, color_disabled=ICON_DISABLED))
    keys = [QKeySequence(k) for k in (shortcuts if isinstance(shortcuts, (list, tuple)) else [shortcuts])]
    if keys:
        act.setShortcuts(keys)
    shown = act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    act.setToolTip(f"{tip or text} ({shown})" if shown else (tip or text))
    act.setStatusTip(tip or text)
    act.setCheckable(checkable)
    act.triggered.connect(slot)
    return act


def build_actions(w, devices: list[str]) -> Actions:
    """Create the actions of window ``w``, its menus and its toolbar."""
    def a(*args, **kw) -> QAction:
        return make_action(w, *args, **kw)

    acts = Actions(
        open=a("&Open…", w.open_dialog, QKeySequence.StandardKey.Open, "mdi.folder-open"),
        save=a("&Save project", lambda: w.save_project(), QKeySequence.StandardKey.Save, "mdi.content-save",
               "Save the strokes, edits, edge settings and matte beside the photo (File > Open reopens them)"),
        export=a("&Export…", w.export_dialog, "Ctrl+E", "mdi.export", "Export cutout, alpha or composite"),
        batch=a("&Batch export…", w.batch_dialog, "Ctrl+B", "mdi.folder-multiple-image"),
        quit=a("&Quit", w.close, QKeySequence.StandardKey.Quit, "mdi.exit-to-app"),
        cancel=a("Cancel", w.cancel_work, "Esc", "mdi.close-circle", "Cancel the running computation"),
        recompute=a("Re&compute matte", lambda: w.compute_matte(), "F5", "mdi.refresh",
                    "Run the network again with the current settings"),
        recompute_strokes=a("Recompute with s&trokes", w.recompute_with_strokes, "Shift+F5", "mdi.brush",
                            "Run the network again, listening to your foreground and background strokes"),
        undo=a("&Undo", lambda: w.undo(True), QKeySequence.StandardKey.Undo, "mdi.undo"),
        redo=a("&Redo", lambda: w.undo(False), ["Ctrl+Shift+Z", "Ctrl+Y"], "mdi.redo"),
        refine=a("&Refine painted areas", w.apply_refinement, "Ctrl+R", "mdi.auto-fix"),
        refine_edges=a("Refine &edges", w.refine_edges, "Ctrl+Shift+R", "mdi.auto-fix",
                       "Re-solve a narrow band around the whole soft edge with closed-form matting"),
        use_file_alpha=a("Use the file's &transparency", w.use_file_alpha, None, "mdi.image-filter-center-focus",
                         "Start from the alpha channel the file already has"),
        reset=a("Reset to &network matte", w.reset_matte, None, "mdi.restore"),
        zoom_in=a("Zoom &in", lambda: w.zoom(1.25), [QKeySequence.StandardKey.ZoomIn, "+", "="], "mdi.magnify-plus"),
        zoom_out=a("Zoom &out", lambda: w.zoom(0.8), [QKeySequence.StandardKey.ZoomOut, "-"], "mdi.magnify-minus"),
        fit=a("&Fit", w.compare.fit, "Ctrl+0", "mdi.fit-to-page-outline"),
        actual=a("&Actual pixels (100 %)", lambda: w.compare.panes[0].canvas.actual_size(), "Ctrl+1", "mdi.numeric-1-box"),
        edge_color=a("Edge-check &colour…", w.pick_edge_color, None, "mdi.palette"),
        resolution=a("&Working resolution…", w.choose_resolution, None, "mdi.image-size-select-large"),
        flip=a("&Flip averaging (better edges, ~1.5x time)", w.set_flip, None, "mdi.flip-horizontal",
               "Also run the network on the mirrored photo and average the two mattes", checkable=True),
        refiner=a("Full-resolution &refiner", w.set_refiner, None, "mdi.image-filter-hdr",
                  "Refine the matte at the photo's full resolution after the network (models with a refiner)",
                  checkable=True),
        bigger=a("Bigger brush", lambda: w.brush_panel.grow(1.25), "]"),
        smaller=a("Smaller brush", lambda: w.brush_panel.grow(0.8), "["),
        about=a("&About", w.about, None, "mdi.information"),
    )
    acts.refiner.setEnabled(False)  # enabled once the loaded engine says it has a refiner
    acts.use_file_alpha.setEnabled(False)
    acts.recompute_strokes.setEnabled(False)  # enabled once the loaded model says it takes strokes
    mb = w.menuBar()
    file_menu = mb.addMenu("&File")
    file_menu.addAction(acts.open)
    w.recent_menu = file_menu.addMenu("Open &recent")
    file_menu.addAction(acts.save)
    file_menu.addSeparator()
    for act in (acts.export, acts.batch, acts.quit):
        file_menu.addAction(act)
    edit = mb.addMenu("&Edit")
    for act in (acts.undo, acts.redo, acts.refine, acts.refine_edges, acts.use_file_alpha, acts.reset, acts.recompute,
                acts.recompute_strokes, acts.bigger, acts.smaller, acts.cancel):
        edit.addAction(act)
    view = mb.addMenu("&View")
    layouts = QActionGroup(w)
    for key, label, keys in LAYOUT_LABELS:
        act = a(label, lambda _c=False, k=key: w.set_layout(k), keys, "mdi.view-column", checkable=True)
        layouts.addAction(act)
        acts.layouts[key] = act
        view.addAction(act)
    view.addSeparator()
    for i, (key, label) in enumerate(VIEW_MODES.items(), start=1):
        keys = str(i % 10) if i <= 10 else ()  # 1 .. 9, then 0
        act = a(label, lambda _c=False, k=key: w.set_view(k), keys, None, f"Show {label.lower()} in the first pane")
        view.addAction(act)
        acts.modes[key] = act
    view.addSeparator()
    for act in (acts.zoom_in, acts.zoom_out, acts.fit, acts.actual, acts.edge_color):
        view.addAction(act)
    settings = mb.addMenu("&Settings")
    device_group = QActionGroup(w)
    for dev in devices:
        act = a(f"Run on {dev.upper()}", lambda _c=False, d=dev: w.set_device(d), None, "mdi.chip", checkable=True)
        act.setChecked(dev == w.engine.device or (dev == "cpu" and w.engine.device == "auto" and len(devices) == 1))
        device_group.addAction(act)
        acts.devices[dev] = act
        settings.addAction(act)
    for act in (acts.resolution, acts.flip, acts.refiner):
        settings.addAction(act)
    acts.groups = [layouts, device_group]
    mb.addMenu("&Help").addAction(acts.about)
    tb = w.addToolBar("Main")
    tb.setObjectName("main-toolbar")
    for act in (acts.open, acts.export, acts.batch, None, acts.undo, acts.redo, acts.refine, acts.recompute, None,
                acts.zoom_out, acts.zoom_in, acts.fit, acts.actual):
        tb.addSeparator() if act is None else tb.addAction(act)
    return acts

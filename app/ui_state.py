"""What the window keeps between runs besides the engine's settings: window geometry and docks,
layout and each pane's view, loupe magnification, background choice, brush size, the edge
controls and the view opacity. Saved when the window closes, restored when it opens."""
from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor

from matting.edge_controls import EdgeSettings

from .views.render import VIEW_MODES


def save_ui_state(w, settings: QSettings) -> None:
    settings.setValue("window/geometry", w.saveGeometry())
    settings.setValue("window/state", w.saveState())
    settings.setValue("view/panes", ",".join(p.mode for p in w.compare.panes))
    settings.setValue("view/loupe", w.loupe_zoom.value())
    settings.setValue("brush/size", w.brush_panel.size.value())
    b = w.background_panel
    settings.setValue("background/kind", b.kind)
    settings.setValue("background/color", b.color.name())
    settings.setValue("background/image", b.image_path or "")
    settings.setValue("background/blur", b.blur.value())
    for key, value in w.edge_panel.settings().metadata().items():
        settings.setValue(f"edge/{key}", value)
    settings.setValue("view/opacity", w.edge_panel.opacity.value())


def restore_ui_state(w, settings: QSettings) -> None:
    geometry, state = settings.value("window/geometry"), settings.value("window/state")
    if geometry is not None:
        w.restoreGeometry(geometry)
    if state is not None:
        w.restoreState(state)
    modes = str(settings.value("view/panes", "")).split(",")
    if all(m in VIEW_MODES for m in modes) and len(modes) == len(w.compare.panes):
        w.set_pane_modes(*modes)
    w.loupe_zoom.setValue(int(settings.value("view/loupe", 4)))
    w.brush_panel.size.setValue(int(settings.value("brush/size", w.brush_panel.size.value())))
    b = w.background_panel
    b.blur.setValue(int(settings.value("background/blur", b.blur.value())))
    b.color = QColor(str(settings.value("background/color", b.color.name())))
    b.image_path = str(settings.value("background/image", "")) or None
    kind = str(settings.value("background/kind", "transparent"))
    if kind in b.buttons and (kind != "image" or b.image_path):
        b.buttons[kind].setChecked(True)
    b.refresh()
    stored = {k: str(settings.value(f"edge/{k}")) for k in EdgeSettings().metadata() if settings.contains(f"edge/{k}")}
    try:
        edge = EdgeSettings.from_metadata(stored)
    except ValueError:  # a hand-edited or older settings file: the defaults
        edge = EdgeSettings()
    w.edge_panel.set_settings(edge)
    w.display.set_edge(edge)
    w.edge_panel.opacity.setValue(int(settings.value("view/opacity", 50)))

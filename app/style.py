"""A neutral dark theme (Fusion), so photos are judged against grey, not bright chrome."""
from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication


ICON_COLOUR, ICON_DISABLED = "#e1e1e1", "#626266"


def apply_style(app: QApplication) -> None:
    app.setStyle("Fusion")
    p = QPalette()
    base, window, text = QColor(38, 38, 40), QColor(50, 50, 53), QColor(225, 225, 225)
    for role, colour in ((QPalette.ColorRole.Window, window), (QPalette.ColorRole.WindowText, text),
                         (QPalette.ColorRole.Base, base), (QPalette.ColorRole.AlternateBase, window),
                         (QPalette.ColorRole.Text, text), (QPalette.ColorRole.Button, window),
                         (QPalette.ColorRole.ButtonText, text), (QPalette.ColorRole.ToolTipBase, base),
                         (QPalette.ColorRole.ToolTipText, text), (QPalette.ColorRole.Highlight, QColor(74, 163, 255)),
                         (QPalette.ColorRole.HighlightedText, QColor(0, 0, 0))):
        p.setColor(role, colour)
    # Disabled controls must look disabled (issue 29, item 11): dimmer text and flatter buttons
    # than the active ones, in every role a widget draws with.
    dim, flat = QColor(118, 118, 122), QColor(44, 44, 47)
    for role, colour in ((QPalette.ColorRole.WindowText, dim), (QPalette.ColorRole.Text, dim),
                         (QPalette.ColorRole.ButtonText, dim), (QPalette.ColorRole.Button, flat),
                         (QPalette.ColorRole.Base, flat), (QPalette.ColorRole.Highlight, QColor(70, 80, 95)),
                         (QPalette.ColorRole.HighlightedText, dim), (QPalette.ColorRole.Light, flat)):
        p.setColor(QPalette.ColorGroup.Disabled, role, colour)
    app.setPalette(p)

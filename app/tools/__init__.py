"""Editing tools of the window that are more than a panel: the edge-aware brushes."""

"""Dialogs: export options and batch export."""

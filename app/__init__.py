"""MSIA Matte desktop app (PySide6). Views and dialogs only: every computation is a call into
``matting``, made from a worker thread."""

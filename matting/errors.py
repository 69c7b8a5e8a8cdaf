"""Exceptions the engine raises. Every message names the file it is about."""
from __future__ import annotations


class MattingError(Exception):
    """Base class: anything the user can be shown as-is (no traceback needed)."""


class ModelNotFoundError(MattingError):
    """No model file was given and none is installed in resources/models/."""


class ModelFileError(MattingError):
    """A model file is missing, truncated, or its config does not match its tensors."""


class ImageReadError(MattingError):
    """An input could not be read as an image (corrupt, truncated, not an image, too large)."""


class ImageWriteError(MattingError):
    """An output could not be written (unwritable folder, would overwrite an input, ...)."""


class Cancelled(MattingError):
    """The caller's cancel check returned True; the operation stopped cleanly."""

"""MSIA Matte engine: the MSIA-matte network, inference, image I/O, compositing, metrics, CLI.

Never imports Qt, the app or the training package.
"""
from .errors import (
    Cancelled,
    ImageReadError,
    ImageWriteError,
    MattingError,
    ModelFileError,
    ModelNotFoundError,
)

# The package version, also the shipped model's (its metadata "version"); pyproject reads it here.
__version__ = "0.3.4"


def __getattr__(name: str):
    # Lazy: importing matting (e.g. for its errors) does not import torch.
    if name == "MattingEngine":
        from .engine import MattingEngine

        return MattingEngine
    raise AttributeError(name)


__all__ = [
    "__version__",
    "MattingEngine", "MattingError", "Cancelled", "ImageReadError", "ImageWriteError",
    "ModelFileError", "ModelNotFoundError",
]

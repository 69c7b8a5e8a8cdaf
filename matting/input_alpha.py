"""A photo's own transparency (a PNG, TIFF or WebP with alpha) on input.

Decision: the pixels a file already marks transparent are known background. The network still
computes the matte (the file's alpha is often a rough canvas mask, or a cutout whose edges a
designer wants redone), and the result is never more opaque than the file: ``min(network,
file)``. So re-matting a cutout keeps it cut out (the network sees the colours stored under
alpha 0, often black or white, and would otherwise bring them back as subject), and a transparent
canvas around a product shot stays transparent. ``--input-alpha matte`` (CLI, batch) or the app's
offer "Use its alpha as the matte" take the file's alpha as the matte itself; ``ignore`` drops it.

Public API:
  ``INPUT_ALPHA_MODES``: ``limit`` (the default), ``matte``, ``ignore``.
  ``file_alpha(image) -> float32 HxW | None``: the transparency worth honouring (at least
      ``MIN_TRANSPARENT`` of the pixels not opaque; a fully opaque alpha channel is ignored).
  ``honour_input_alpha(alpha, image, mode) -> alpha``.
"""
from __future__ import annotations

import numpy as np

from .imageio import LoadedImage

INPUT_ALPHA_MODES = ("limit", "matte", "ignore")
MIN_TRANSPARENT = 0.001  # the share of pixels below 98 % opacity that makes an alpha channel count


def file_alpha(image: LoadedImage) -> np.ndarray | None:
    """The file's alpha as float32 in [0, 1], or None when it has none worth honouring."""
    a = image.input_alpha
    if a is None:
        return None
    top = 65535.0 if a.dtype == np.uint16 else 255.0
    if (a < 0.98 * top).mean() < MIN_TRANSPARENT:
        return None
    return a.astype(np.float32) / top


def honour_input_alpha(alpha: np.ndarray | None, image: LoadedImage, mode: str = "limit") -> np.ndarray | None:
    """The matte with the file's own transparency applied as ``mode`` says (see the module
    docstring); ``alpha`` may be None for ``matte`` (the network need not run)."""
    if mode not in INPUT_ALPHA_MODES:
        raise ValueError(f"input alpha must be one of {', '.join(INPUT_ALPHA_MODES)}, got {mode!r}")
    own = None if mode == "ignore" else file_alpha(image)
    if own is None:
        return alpha
    if mode == "matte" or alpha is None:
        return own
    return np.minimum(alpha, own)

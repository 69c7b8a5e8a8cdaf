"""The layered TIFF: the whole photo, untouched, with the matte as its transparency, for a layout
or retouching program where the mask can still be edited.

What is written: one RGB page at the photo's bit depth with a fourth sample tagged ExtraSamples = 2
(unassociated alpha: the colour is not multiplied by it), zlib-compressed, with the photo's ICC
profile, DPI and the matte's settings in the ImageDescription (``matting.output`` writes it as the
output kind ``layered``). The colour is the photo's own everywhere, also where the matte is 0, so
nothing of the photo is lost: painting the mask back reveals the real background.

What the programs do with it (what their documentation and the TIFF mailing list say; checked
here with tifffile and Pillow, see tests/test_layered_output.py):
  * GIMP and Krita open it as one layer whose alpha is the matte (the subject cut out, the mask in
    place). GIMP: Layer > Mask > Add Layer Mask > "Transfer layer's alpha channel" turns it into an
    editable layer mask over the full photo; Krita: Layer > Transparency Mask > "Convert to..."
    (right click, Convert > to Transparency Mask).
  * Photoshop reads unassociated extra samples as an alpha channel ("Alpha 1" in the Channels
    panel: a saved selection, the photo shown whole). Ctrl/Cmd-click the channel, then Add Layer
    Mask. A real Photoshop layer with a mask needs Photoshop's private ImageSourceData block
    (layer records as in a PSD), which no maintained Python writer produces; the extra alpha
    channel is the portable path.
  * Pillow reads it as RGBA, tifffile as HxWx4 with ``extrasamples == (2,)``.

Public API: ``render_layered(rgb, alpha, dtype) -> RGBA``, ``read_layered(path) -> (rgb, alpha, extrasamples)``.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .pixels import to_dtype, to_uint8


def render_layered(rgb: np.ndarray, alpha: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """The photo's own colours (converted to ``dtype``) and the matte as a fourth channel."""
    dtype = np.dtype(dtype)
    if rgb.dtype == dtype:
        colour = rgb
    elif rgb.dtype == np.uint16 and dtype == np.uint8:
        colour = to_uint8(rgb)
    elif rgb.dtype == np.uint8 and dtype == np.uint16:
        colour = rgb.astype(np.uint16) * 257
    else:
        colour = to_dtype(rgb, dtype)
    return np.dstack([colour, to_dtype(alpha, dtype)])


def read_layered(path: str | Path) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
    """(photo HxWx3, matte HxW, the ExtraSamples tag) of a layered TIFF, through tifffile."""
    import tifffile

    with tifffile.TiffFile(path) as tif:
        page = tif.pages[0]
        array = page.asarray()
        extra = page.tags.get("ExtraSamples")
        samples = tuple(np.atleast_1d(extra.value).tolist()) if extra is not None else ()
    return array[..., :3], array[..., 3], samples

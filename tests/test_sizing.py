"""The one long-side resize (matting.sizing), as the engine, the app's proxy and the training data
use it."""
from __future__ import annotations

import numpy as np

from matting.engine import working_size
from matting.sizing import fit_long_side, long_side_size


def test_long_side_size_keeps_the_aspect_and_only_enlarges_when_asked() -> None:
    assert long_side_size(6000, 4000, 2048) == (2048, 1365)
    assert long_side_size(400, 300, 2048) == (400, 300)
    assert long_side_size(400, 300, 512, enlarge=True) == (512, 384)
    assert long_side_size(5000, 3, 100, minimum=2) == (100, 2)
    assert working_size(4000, 6000, 512) == (341, 512)  # the engine's (h, w), enlarging small photos too
    assert working_size(300, 400, 512) == (384, 512)


def test_fit_long_side_resizes_real_pixels_and_leaves_small_ones_alone(photo) -> None:
    assert fit_long_side(photo, 1000) is photo
    small = fit_long_side(photo, 200)
    assert small.shape == (133, 200, 3) and small.dtype == photo.dtype
    assert abs(float(small.mean()) - float(photo.mean())) < 2  # an average, not a sample

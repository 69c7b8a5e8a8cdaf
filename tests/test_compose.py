"""Cutouts without halos, backgrounds, previews."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from matting.compose import Background, checkerboard, composite_on, cutout, preview

HAIR = np.array([0.95, 0.75, 0.35], np.float32)  # blond strands
OLD_BG = np.array([0.05, 0.25, 0.9], np.float32)  # over a blue wall


def fine_hair(size: int = 160) -> tuple[np.ndarray, np.ndarray]:
    """A head-like blob with thin soft strands of a known colour over a contrasting background."""
    alpha = np.zeros((size, size), np.float32)
    cv2.circle(alpha, (size // 2, size), size // 3, 1.0, -1)
    rng = np.random.default_rng(0)
    for _ in range(40):
        x0 = int(rng.integers(size // 4, 3 * size // 4))
        x1 = x0 + int(rng.integers(-30, 30))
        cv2.line(alpha, (x0, size - size // 3), (x1, int(rng.integers(5, size // 2))), float(rng.uniform(0.3, 0.8)), 1)
    alpha = np.clip(cv2.GaussianBlur(alpha, (0, 0), 0.7), 0, 1)
    image = alpha[..., None] * HAIR + (1 - alpha[..., None]) * OLD_BG
    return (image * 255 + 0.5).astype(np.uint8), alpha


@pytest.mark.parametrize("plate", [(0.0, 0.0, 0.0), (1.0, 1.0, 1.0)])
def test_cutout_has_no_halo_on_black_or_white(plate) -> None:
    rgb, alpha = fine_hair()
    rgba = cutout(rgb, alpha).astype(np.float32) / 255
    a = rgba[..., 3:]
    new = np.array(plate, np.float32)
    ours = a * rgba[..., :3] + (1 - a) * new
    truth = alpha[..., None] * HAIR + (1 - alpha[..., None]) * new
    naive = a * (rgb / 255.0) + (1 - a) * new  # keeping the photo's colour: the blue fringe
    edge = (alpha > 0.05) & (alpha < 0.95)
    err_ours = np.abs(ours - truth)[edge].mean()
    err_naive = np.abs(naive - truth)[edge].mean()
    assert err_ours < 0.02, err_ours
    assert err_ours < err_naive / 3, (err_ours, err_naive)


def test_premultiplied_and_uint16() -> None:
    rgb, alpha = fine_hair(64)
    straight = cutout(rgb, alpha)
    pre = cutout(rgb, alpha, premultiplied=True)
    soft = (alpha > 0.2) & (alpha < 0.8)
    assert (pre[..., :3][soft].astype(int) <= straight[..., :3][soft].astype(int) + 1).all()
    rgb16 = rgb.astype(np.uint16) * 257
    assert cutout(rgb16, alpha).dtype == np.uint16


def test_backgrounds(tmp_path, photo) -> None:
    alpha = np.zeros(photo.shape[:2], np.float32)
    alpha[100:200, 150:300] = 1.0
    red = composite_on(photo, alpha, Background.parse("#ff0000"))
    assert tuple(red[0, 0]) == (255, 0, 0) and np.array_equal(red[150, 200], photo[150, 200])
    cv2.imwrite(str(tmp_path / "bg.png"), np.full((50, 80, 3), (0, 255, 0), np.uint8))  # BGR green
    green = composite_on(photo, alpha, Background.parse(str(tmp_path / "bg.png")))
    assert tuple(green[0, 0]) == (0, 255, 0)
    blurred = composite_on(photo, alpha, Background.parse("blur"))
    assert blurred.shape == photo.shape and not np.array_equal(blurred[0:50], photo[0:50])
    assert composite_on(photo, alpha, Background.parse("transparent")).shape[2] == 4
    with pytest.raises(ValueError, match="neither a colour"):
        Background.parse("no-such-thing.png")


def test_previews(photo) -> None:
    alpha = np.zeros(photo.shape[:2], np.float32)
    alpha[:, :100] = 1.0
    assert (preview(photo, alpha, "black")[:, 200:] == 0).all()
    assert (preview(photo, alpha, "white")[:, 200:] == 255).all()
    assert tuple(preview(photo, alpha, "color", color=(1, 2, 3))[0, 300]) == (1, 2, 3)
    assert len(np.unique(preview(photo, alpha, "checker")[:, 200:, 0])) == 2
    assert preview(photo, alpha, "alpha")[0, 0, 0] == 255
    assert checkerboard(4, 40, 16)[0, 0, 0] != checkerboard(4, 40, 16)[0, 16, 0]

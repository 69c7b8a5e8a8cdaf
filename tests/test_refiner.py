"""The full-resolution refiner: the guided-filter maths, strips without seams, odd sizes, the
engine's two stages with progress and cancel, and model files with and without a refiner."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from matting.engine import MattingEngine
from matting.network import build_msia
from matting.network.config import MSIAConfig, RefinerConfig
from matting.network.refiner import (
    GuidedRefiner,
    apply_strips,
    box_mean,
    box_statistics,
    guided_filter_coefficients,
    settled,
    upsample_window,
)
from matting.errors import Cancelled
from matting.weights import load_model, save_model


def test_upsample_window_equals_interpolate_anywhere():
    coef = torch.rand(1, 4, 13, 17, dtype=torch.float64)
    full = F.interpolate(coef, size=(101, 77), mode="bilinear", align_corners=False)
    for rows, cols in (((0, 101), (0, 77)), ((37, 64), (5, 70)), ((100, 101), (76, 77))):
        part = upsample_window(coef, (101, 77), rows, cols)
        assert torch.allclose(part, full[:, :, rows[0]:rows[1], cols[0]:cols[1]], atol=1e-12)


def test_upsample_window_downsizes_like_interpolate():
    coef = torch.rand(1, 4, 40, 30, dtype=torch.float64)
    full = F.interpolate(coef, size=(23, 11), mode="bilinear", align_corners=False)
    assert torch.allclose(upsample_window(coef, (23, 11), (0, 23), (0, 11)), full, atol=1e-12)


def test_classic_guided_filter_reproduces_a_linear_alpha():
    """Where alpha really is A . I + b, the guided filter with tiny eps recovers A exactly."""
    g = torch.Generator().manual_seed(0)
    image = torch.rand(1, 3, 24, 24, generator=g, dtype=torch.float64)
    true_a = torch.tensor([0.5, -0.3, 0.8], dtype=torch.float64).view(1, 3, 1, 1)
    alpha = (true_a * image).sum(1, keepdim=True) + 0.1
    a = guided_filter_coefficients(box_statistics(image, alpha, 2), eps=1e-9)
    assert torch.allclose(a, true_a.expand_as(a), atol=1e-5)


def test_untrained_refiner_is_the_classic_guided_filter():
    """The coefficient net's last layer starts at zero: the refiner begins as the guided filter."""
    config = RefinerConfig()
    refiner = GuidedRefiner(config, hidden_in=32).eval()
    image = torch.rand(1, 3, 20, 28)
    alpha = torch.rand(1, 1, 20, 28)
    coef = refiner.coefficients(image, alpha, torch.rand(1, 32, 5, 7))
    stats = box_statistics(image, alpha, config.radius)
    a = guided_filter_coefficients(stats, config.eps)
    b = stats["mean_p"] - (a * stats["mean_i"]).sum(1, keepdim=True)
    window = 2 * config.radius + 1
    expected = F.avg_pool2d(torch.cat([a, b], 1), window, 1, config.radius, count_include_pad=False)
    assert torch.allclose(coef, expected, atol=1e-5)


@pytest.mark.parametrize("strip_rows", [7, 64, 1000])
def test_strips_have_no_seams(strip_rows):
    """Any strip height gives the same alpha as applying the coefficients in one piece."""
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 256, (131, 97, 3), dtype=np.uint8)
    coef = torch.rand(1, 4, 33, 25) - 0.3
    whole = GuidedRefiner.apply(coef, torch.from_numpy(rgb).permute(2, 0, 1)[None].float() / 255)
    whole = whole[0, 0].clamp(0, 1).numpy()
    assert np.abs(apply_strips(coef, rgb, strip_rows) - whole).max() < 1e-5


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
def test_strips_read_every_pixel_type_as_unit_colour(dtype):
    """8-bit, 16-bit and float photos of the same colours give the same alpha: integer pixels are
    used as they are, with A scaled by 1/255 or 1/65535 instead."""
    rng = np.random.default_rng(2)
    unit_rgb = rng.integers(0, 256, (70, 90, 3)).astype(np.float32) / 255
    coef = torch.rand(1, 4, 20, 24) - 0.3
    whole = GuidedRefiner.apply(coef, torch.from_numpy(unit_rgb).permute(2, 0, 1)[None])[0, 0].clamp(0, 1).numpy()
    scale = {np.uint8: 255, np.uint16: 65535, np.float32: 1}[dtype]
    rgb = np.round(unit_rgb * scale).astype(dtype) if scale > 1 else unit_rgb
    before = coef.clone()
    assert np.abs(apply_strips(coef, rgb, 32) - whole).max() < 1e-5
    assert torch.equal(coef, before)  # the caller's coefficients are left alone
    tiny = torch.rand(1, 4, 1, 1)  # a 1x1 working image: its permuted view is already contiguous
    kept = tiny.clone()
    apply_strips(tiny, rgb, 32)
    assert torch.equal(tiny, kept)


def attach_refiner(model_path, out_path):
    """The trained network of ``model_path`` with a new, untrained refiner (= the classic guided
    filter) in a new model file."""
    net, meta = load_model(model_path)
    cfg = {**meta["config"], "refiner": RefinerConfig().__dict__}
    refined = build_msia(**{k: v for k, v in cfg.items() if k not in ("backbone", "variant")},
                         backbone=cfg["backbone"], variant=cfg["variant"])
    state = {k: v for k, v in net.state_dict().items() if not k.startswith("refiner.")}
    missing, _ = refined.load_state_dict(state, strict=False)
    assert all(k.startswith("refiner.") for k in missing)
    return save_model(refined, out_path, {"name": "refined test model"})


@pytest.fixture(scope="module")
def refined_model(tmp_path_factory, shipped_model_path):
    return attach_refiner(shipped_model_path, tmp_path_factory.mktemp("refined") / "refined.safetensors")


@pytest.mark.parametrize("size", [(1, 1), (33, 517), (301, 199)])
def test_refined_engine_odd_sizes(refined_model, size):
    engine = MattingEngine(refined_model, device="cpu", max_side=96)
    assert engine.refine and engine.model_info["refiner"]
    rgb = np.random.default_rng(2).integers(0, 256, (*size, 3), dtype=np.uint8)
    alpha = engine.predict(rgb)
    assert alpha.shape == size and alpha.dtype == np.float32
    assert 0.0 <= alpha.min() and alpha.max() <= 1.0


def test_refiner_follows_the_photo_not_the_coarse_grid(disc_photo):
    """A sharp-edged subject at 8x the working size, its alpha known only as a soft ramp at
    working resolution (as the network gives it): the refiner (still the classic guided filter,
    untrained) moves the edge towards where the photo has it, closer to the true alpha than the
    ramp stretched bilinearly. (A 5x5 window can only partly sharpen a wider ramp: the trained
    coefficients do more; the shipped model's quality test covers them.)"""
    import cv2

    rgb, true_alpha = disc_photo(768, np.random.default_rng(5))
    small = cv2.resize(rgb, (96, 96), interpolation=cv2.INTER_AREA)
    ramp = cv2.GaussianBlur(cv2.resize(true_alpha, (96, 96), interpolation=cv2.INTER_AREA), (0, 0), 2)
    x = torch.from_numpy(small).permute(2, 0, 1)[None].float() / 255
    p = torch.from_numpy(ramp)[None, None].float() / 255
    refiner = GuidedRefiner(RefinerConfig(), hidden_in=8).eval()
    with torch.no_grad():
        refined = apply_strips(refiner.coefficients(x, p, torch.zeros(1, 8, 24, 24)), rgb)
    stretched = cv2.resize(ramp, (768, 768), interpolation=cv2.INTER_LINEAR) / 255.0
    truth = true_alpha / 255.0
    assert np.abs(refined - truth).mean() < 0.95 * np.abs(stretched - truth).mean()


def test_progress_spans_both_stages_and_cancel_between_them(refined_model):
    engine = MattingEngine(refined_model, device="cpu", max_side=64)
    rgb = np.random.default_rng(3).integers(0, 256, (700, 300, 3), dtype=np.uint8)
    seen: list[float] = []
    engine.predict(rgb, progress=seen.append)
    assert seen == sorted(seen) and seen[0] == 0.0 and seen[-1] == 1.0
    assert any(0.75 < p < 1.0 for p in seen)  # the refiner's strips report progress

    calls: list[float] = []

    def cancel_in_refiner() -> bool:
        return bool(calls) and calls[-1] >= 0.75

    with pytest.raises(Cancelled):
        engine.predict(rgb, progress=calls.append, cancel=cancel_in_refiner)
    assert max(calls) < 1.0


def test_cancel_of_one_call_does_not_touch_another(refined_model):
    """Progress and cancel belong to the call: nothing is left registered on the network."""
    engine = MattingEngine(refined_model, device="cpu", max_side=64)
    rgb = np.zeros((50, 60, 3), np.uint8)
    with pytest.raises(Cancelled):
        engine.predict(rgb, cancel=lambda: True)
    assert not engine.net._forward_pre_hooks and not any(m._forward_pre_hooks for m in engine.net.modules())
    assert engine.predict(rgb).shape == (50, 60)


def test_model_file_keeps_the_refiner(refined_model):
    net, meta = load_model(refined_model)
    assert isinstance(net.refiner, GuidedRefiner)
    assert meta["config"]["refiner"] == RefinerConfig().__dict__
    assert MSIAConfig.from_dict(meta["config"]).refiner == RefinerConfig()


def test_model_file_without_refiner_loads_and_runs_coarse(tmp_path, shipped_model_path):
    net, meta = load_model(shipped_model_path)
    cfg = MSIAConfig.from_dict({**meta["config"], "refiner": None})
    coarse = build_msia(**{k: v for k, v in cfg.to_dict().items() if k not in ("backbone", "variant")},
                        backbone=cfg.backbone, variant=cfg.variant)
    coarse.load_state_dict({k: v for k, v in net.state_dict().items() if not k.startswith("refiner.")})
    engine = MattingEngine(save_model(coarse, tmp_path / "coarse.safetensors", {"name": "coarse"}), device="cpu")
    assert not engine.has_refiner and not engine.refine
    assert engine.predict(np.zeros((40, 30, 3), np.uint8)).shape == (40, 30)


def test_unknown_refiner_field_is_refused():
    with pytest.raises(ValueError, match="unknown refiner config fields"):
        MSIAConfig.from_dict({"refiner": {"radius": 2, "size": 3}})


@pytest.mark.parametrize("dtype, tol", [(torch.float64, 1e-12), (torch.float32, 1e-6)])
@pytest.mark.parametrize("radius", [1, 6, 30])
def test_box_mean_is_the_count_normalised_window_mean(dtype, tol, radius):
    """Both ways of computing it: OpenCV's box filter (CPU, no gradient: inference) and the running
    sums (with autograd: training), against the mean of each window clipped to the image; a radius
    wider than the image included."""
    x = torch.rand(2, 3, 19, 26, dtype=dtype) * 100
    full = torch.stack([torch.stack([x[b, c, max(0, i - radius):i + radius + 1, max(0, j - radius):j + radius + 1].mean()
                                     for j in range(26)]) for b in range(2) for c in range(3) for i in range(19)])
    full = full.view(2, 3, 19, 26)
    opencv = box_mean(x, radius)
    sums = box_mean(x.clone().requires_grad_(True), radius)
    assert sums.requires_grad and not opencv.requires_grad
    assert opencv.dtype == sums.dtype == dtype
    assert (opencv - full).abs().max() <= tol * 100 and (sums.detach() - full).abs().max() <= tol * 100


def test_settled_tiles_are_filled_and_the_band_is_computed():
    """Tiles whose network alpha is settled (0 or 1 over the whole window) are filled without the
    photo; tiles in the uncertain band equal the one-piece refined alpha, for any tile size."""
    rng = np.random.default_rng(2)
    rgb = rng.integers(0, 256, (300, 420, 3), dtype=np.uint8)
    coef = torch.rand(1, 4, 30, 42) - 0.3
    alpha_lr = torch.zeros(1, 1, 30, 42)
    alpha_lr[..., :, :15] = 1.0
    alpha_lr[..., 10:20, 15:25] = 0.5  # the uncertain band
    settle = settled(alpha_lr, radius=2)
    assert settle[0, 0] == 1 and settle[0, -1] == 0 and np.isnan(settle[15, 20]) and np.isnan(settle[0, 14])
    whole = GuidedRefiner.apply(coef, torch.from_numpy(rgb).permute(2, 0, 1)[None].float() / 255)
    whole = whole[0, 0].clamp(0, 1).numpy()
    band = np.isnan(cv2.resize(settle, (420, 300), interpolation=cv2.INTER_NEAREST))
    for tile in (16, 64):
        out = apply_strips(coef, rgb, 50, tile=tile, settle=settle)
        assert np.abs(out - whole)[band].max() < 1e-5  # computed wherever the band reaches
        assert out[0, 0] == 1.0 and out[0, -1] == 0.0  # filled far from it
        assert ((out == 0) | (out == 1)).mean() > 0.3
    # one tile per strip holds part of the band: every strip is computed whole
    assert np.abs(apply_strips(coef, rgb, 300, tile=1000, settle=settle) - whole).max() < 1e-5

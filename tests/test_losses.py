"""Loss values against direct computation, the l2 switch, the poly schedule."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import ndimage

from training.losses import C1, C2, BlendedLoss, gaussian_window, loss_weights, ssim, sure_region_loss
from training.schedule import poly_lr, poly_scheduler


def ssim_numpy(a: np.ndarray, b: np.ndarray) -> float:
    """SSIM written out directly: Gaussian 11/1.5 window, zero borders, mean of the map."""
    w = gaussian_window().double().numpy()

    def blur(x: np.ndarray) -> np.ndarray:
        return ndimage.correlate(x, w, mode="constant", cval=0.0)

    mu_a, mu_b = blur(a), blur(b)
    va, vb = blur(a * a) - mu_a**2, blur(b * b) - mu_b**2
    cov = blur(a * b) - mu_a * mu_b
    m = ((2 * mu_a * mu_b + C1) * (2 * cov + C2)) / ((mu_a**2 + mu_b**2 + C1) * (va + vb + C2))
    return float(m.mean())


def test_ssim_matches_direct_computation() -> None:
    rng = np.random.default_rng(0)
    a = rng.random((32, 40))
    b = np.clip(a + rng.normal(0, 0.2, a.shape), 0, 1)
    got = float(ssim(torch.tensor(a, dtype=torch.float64)[None, None].float(), torch.tensor(b)[None, None].float()))
    assert got == pytest.approx(ssim_numpy(a, b), abs=1e-5)


def test_ssim_of_identical_maps_is_one() -> None:
    x = torch.rand(2, 1, 24, 24)
    assert float(ssim(x, x)) == pytest.approx(1.0, abs=1e-6)


def test_window_sums_to_one_and_peaks_in_the_middle() -> None:
    w = gaussian_window()
    assert w.shape == (11, 11) and float(w.sum()) == pytest.approx(1.0, abs=1e-6)
    assert int(w.argmax()) == 5 * 11 + 5


def test_l1_term_and_weights_by_hand() -> None:
    pred = torch.tensor([[[[0.0, 1.0], [0.5, 0.5]]]])
    target = torch.tensor([[[[1.0, 1.0], [0.0, 0.5]]]])
    total, terms = BlendedLoss()(pred, target, epoch=3)
    assert terms["l1"] == pytest.approx(1.5 / 4)
    assert total.item() == pytest.approx(1.5 / 4 + 0.025 * terms["ssim"], rel=1e-6)


def test_sure_region_term_counts_holes_and_kept_background_not_soft_edges() -> None:
    """By hand on a 2x3 label: sure subject (1), sure background (0) and an edge pixel (0.5).
    A hole (0.2 where the label says 1) costs 0.8 - 0.1; a slightly soft sure pixel (0.95) costs
    nothing; any error on the edge pixel costs nothing; the mean is over the 5 sure pixels."""
    target = torch.tensor([[[[1.0, 1.0, 0.5], [0.0, 0.0, 1.0]]]])
    pred = torch.tensor([[[[0.2, 0.95, 0.0], [0.0, 0.6, 1.0]]]])
    assert sure_region_loss(pred, target).item() == pytest.approx((0.7 + 0.5) / 5)
    total, terms = BlendedLoss(sure_weight=2.0)(pred, target, epoch=3)
    plain, _ = BlendedLoss()(pred, target, epoch=3)
    assert terms["sure"] == pytest.approx(1.2 / 5)
    assert total.item() == pytest.approx(plain.item() + 2.0 * 1.2 / 5, rel=1e-6)


def test_laplacian_term_prices_a_blurred_edge_above_noise_of_the_same_l1() -> None:
    """A solid disc whose edge is blurred (a halo) against the same disc with flat noise of the
    same mean absolute error (a flat offset): L_1 cannot tell them apart; the band-pass term charges the halo more."""
    import torch.nn.functional as F

    yy, xx = torch.meshgrid(torch.arange(64.0), torch.arange(64.0), indexing="ij")
    target = (((yy - 32) ** 2 + (xx - 32) ** 2) < 18**2).float()[None, None]
    k = torch.ones(1, 1, 9, 9) / 81
    halo = F.conv2d(F.pad(target, (4, 4, 4, 4), mode="replicate"), k)
    err = (halo - target).abs().mean()
    noise = (target + torch.where(target > 0.5, -err, err)).clamp(0, 1)
    assert (noise - target).abs().mean().item() == pytest.approx(err.item(), rel=1e-4)
    _, t_halo = BlendedLoss(laplacian_weight=1.0)(halo, target, epoch=3)
    _, t_noise = BlendedLoss(laplacian_weight=1.0)(noise, target, epoch=3)
    assert t_halo["lap"] > 1.3 * t_noise["lap"]  # measured 0.314 against 0.215
    total, _ = BlendedLoss(laplacian_weight=0.5)(halo, target, epoch=3)
    plain, _ = BlendedLoss()(halo, target, epoch=3)
    assert total.item() == pytest.approx(plain.item() + 0.5 * t_halo["lap"], rel=1e-5)


def test_ssim_weight_switches_after_the_first_epoch() -> None:
    assert loss_weights(0) == (1.0, 0.1)
    assert loss_weights(1) == (1.0, 0.025)
    assert loss_weights(19) == (1.0, 0.025)


def test_gradients_flow() -> None:
    pred = torch.rand(1, 1, 16, 16, requires_grad=True)
    loss, _ = BlendedLoss()(pred, torch.rand(1, 1, 16, 16), epoch=0)
    loss.backward()
    assert pred.grad is not None and float(pred.grad.abs().sum()) > 0


def test_poly_schedule_per_iteration() -> None:
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=0.01, momentum=0.9, weight_decay=5e-4)
    sched = poly_scheduler(opt, total_iters=10)
    seen = []
    for _ in range(12):
        seen.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    for k in range(10):
        assert seen[k] == pytest.approx(0.01 * (1 - k / 10) ** 0.9, rel=1e-6)
        assert seen[k] == pytest.approx(poly_lr(0.01, k, 10), rel=1e-6)
    assert seen[10] == 0.0 and seen[11] == 0.0

"""The blended loss of the paper (eq. 6-8): L = l1 * L_1 + l2 * L_SSIM, L_SSIM = 1 - SSIM.

SSIM follows the pytorch_ssim formulation matting papers used (Wang et al. 2004, eq. 7 here):
an 11x11 Gaussian window with sigma 1.5, ZERO padding of 5 (F.conv2d), C1 = 0.01^2, C2 = 0.03^2,
the mean of the SSIM map. kornia (returns (1 - SSIM) / 2, reflect padding), pytorch_msssim
(data_range 255 by default) and torchmetrics (reflect padding) all differ at the border, so the
ten lines are written here and tested against a direct SciPy computation.

L_1: eq. 6 writes a sum over pixels; we take the mean so the paper's weights (1, 0.1) and
(1, 0.025) balance it against SSIM, which lives in [0, 1] regardless of image size.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

WINDOW = 11
SIGMA = 1.5
C1 = 0.01**2
C2 = 0.03**2


def gaussian_window(size: int = WINDOW, sigma: float = SIGMA) -> Tensor:
    x = torch.arange(size, dtype=torch.float64) - size // 2
    g = torch.exp(-(x**2) / (2 * sigma**2))
    g = g / g.sum()
    return torch.outer(g, g).float()


def ssim(pred: Tensor, target: Tensor) -> Tensor:
    """Mean SSIM of two Bx1xHxW (or BxCxHxW) maps in [0, 1]."""
    channels = pred.shape[1]
    w = gaussian_window().to(pred)[None, None].expand(channels, 1, WINDOW, WINDOW).contiguous()

    def blur(x: Tensor) -> Tensor:
        return F.conv2d(x, w, padding=WINDOW // 2, groups=channels)

    mu_p, mu_t = blur(pred), blur(target)
    var_p = blur(pred * pred) - mu_p**2
    var_t = blur(target * target) - mu_t**2
    cov = blur(pred * target) - mu_p * mu_t
    num = (2 * mu_p * mu_t + C1) * (2 * cov + C2)
    den = (mu_p**2 + mu_t**2 + C1) * (var_p + var_t + C2)
    return (num / den).mean()


def loss_weights(epoch: int) -> tuple[float, float]:
    """(lambda_1, lambda_2) of eq. 8: (1, 0.1) in the first epoch (index 0), (1, 0.025) after."""
    return (1.0, 0.1) if epoch == 0 else (1.0, 0.025)


SURE_LOW, SURE_HIGH = 0.01, 0.99  # a label this close to 0 or 1 is sure background or subject
SURE_TOLERANCE = 0.1  # errors up to this in a sure region are left to L_1


def sure_region_loss(pred: Tensor, target: Tensor, tolerance: float = SURE_TOLERANCE) -> Tensor:
    """Holes in the subject and kept background: the mean error beyond ``tolerance`` over the
    pixels whose label is sure (0 or 1). Not in the paper. L_1 pulls every pixel alike, so a
    matte that is a little soft along a long edge costs as much as one with a hole in the torso;
    this term adds pull only where the prediction is grossly wrong about a sure pixel, the
    mistakes the Connectivity metric and a designer's eye punish."""
    sure = ((target <= SURE_LOW) | (target >= SURE_HIGH)).to(pred.dtype)
    gross = F.relu((pred - target).abs() - tolerance)
    return (gross * sure).sum() / sure.sum().clamp_min(1.0)


class BlendedLoss(nn.Module):
    """Eq. 8, plus ``sure_weight`` times :func:`sure_region_loss` and ``laplacian_weight`` times
    the band-pass part of :func:`laplacian_loss` (soft halos round a solid subject: L_1 and SSIM
    at the network's side let a blurred edge cost little) when those weights are not 0."""

    def __init__(self, sure_weight: float = 0.0, laplacian_weight: float = 0.0):
        super().__init__()
        self.sure_weight = sure_weight
        self.laplacian_weight = laplacian_weight

    def forward(self, pred: Tensor, target: Tensor, epoch: int) -> tuple[Tensor, dict[str, float]]:
        w1, w2 = loss_weights(epoch)
        l1 = (pred - target).abs().mean()
        l_ssim = 1.0 - ssim(pred, target)
        total = w1 * l1 + w2 * l_ssim
        terms = {"l1": float(l1.detach()), "ssim": float(l_ssim.detach()), "w_l1": w1, "w_ssim": w2}
        for name, weight, term in (("sure", self.sure_weight, sure_region_loss),
                                   ("lap", self.laplacian_weight, _band_pass_loss)):
            if weight:
                value = term(pred, target)
                total = total + weight * value
                terms[name] = float(value.detach())
        return total, terms


def _gauss_down(x: Tensor) -> Tensor:
    k = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0], dtype=x.dtype, device=x.device) / 16
    k = torch.outer(k, k)[None, None].expand(x.shape[1], 1, 5, 5)
    return F.conv2d(F.pad(x, (2, 2, 2, 2), mode="reflect"), k, groups=x.shape[1])[:, :, ::2, ::2]


def laplacian_pyramid(x: Tensor, levels: int = 5) -> list[Tensor]:
    """Band-pass levels of ``x`` (finest first) and the low-pass residual last."""
    out = []
    for _ in range(levels - 1):
        if min(x.shape[2:]) < 6:
            break
        down = _gauss_down(x)
        up = F.interpolate(down, size=x.shape[2:], mode="bilinear", align_corners=False)
        out.append(x - up)
        x = down
    return out + [x]


def laplacian_loss(pred: Tensor, target: Tensor, levels: int = 5, lowpass: bool = True) -> Tensor:
    """Laplacian-pyramid L1 (Hou & Liu 2019): level i (from 1, finest) weighted 2^(i-1), each
    level's L1 a mean over its pixels. ``lowpass=False`` leaves out the low-pass residual (the
    heaviest term: a 16x-weighted L1 of the blurred matte), keeping only the band-pass detail."""
    pp, tp = laplacian_pyramid(pred, levels), laplacian_pyramid(target, levels)
    if not lowpass:
        pp, tp = pp[:-1], tp[:-1]
    return sum((2**i) * (p - t).abs().mean() for i, (p, t) in enumerate(zip(pp, tp)))


def _band_pass_loss(pred: Tensor, target: Tensor) -> Tensor:
    return laplacian_loss(pred, target, lowpass=False)


def gradient_loss(pred: Tensor, target: Tensor) -> Tensor:
    """L1 between the horizontal and vertical finite differences of two alpha maps."""
    dx = (pred.diff(dim=3) - target.diff(dim=3)).abs().mean()
    dy = (pred.diff(dim=2) - target.diff(dim=2)).abs().mean()
    return dx + dy

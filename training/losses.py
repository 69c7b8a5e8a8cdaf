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


class BlendedLoss(nn.Module):
    def forward(self, pred: Tensor, target: Tensor, epoch: int) -> tuple[Tensor, dict[str, float]]:
        w1, w2 = loss_weights(epoch)
        l1 = (pred - target).abs().mean()
        l_ssim = 1.0 - ssim(pred, target)
        total = w1 * l1 + w2 * l_ssim
        return total, {"l1": float(l1.detach()), "ssim": float(l_ssim.detach()), "w_l1": w1, "w_ssim": w2}

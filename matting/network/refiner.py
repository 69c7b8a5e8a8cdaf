"""Full-resolution refinement after the MSIA network: a learned colour guided filter.

The MSIA head predicts alpha at stride 4 of the working image (the model's recommended long side,
``recommended_max_side`` in its file: 512 px for the shipped model), so on its own the matte has
~128 px across before it is stretched to the photo. The refiner restores
detail at the photo's own resolution with the local linear model of matting (Levin et al. 2008;
He et al., guided filter, 2013): inside a small window, alpha = A . I + b, with I the RGB colour.

    working image I_lr, coarse alpha p, hidden features H  (all at working resolution)
        -> box statistics of (I_lr, p): means, cov(I, p), cov(I, I)          (``box_statistics``)
        -> the classic colour guided filter's A_gf = (cov_II + eps)^-1 cov_Ip   (a prior, eq. GF-5)
        -> CoefficientNet: two 3x3 convs and a 1x1 on [statistics, A_gf, p, H] -> A, delta
        -> b = mean_p + delta - A . mean_I, then A and b box-averaged (as the guided filter does)
    full-resolution photo I_hr:
        alpha_hr = A_up . I_hr + b_up, A and b upsampled bilinearly             (``apply_strips``)

This is the Deep Guided Filter (Wu et al., CVPR 2018) as Robust Video Matting uses it, with two
choices of ours: the colour (3-channel) model instead of a per-channel one, and the classic
solution as an input so the network learns a correction to a sound prior. The coefficients are
computed once at working resolution (cheap); the full-resolution step is a few multiply-adds per
pixel, done in row strips so memory stays bounded (no full-size float tensors of many channels)
and the result is the same, to float precision, as doing it in one piece. Only tiles near the
network's uncertain band are computed: where its alpha is settled at 0 or 1 over the whole
window the tile is filled (``settled``), so the cost follows the band, not the photo's size.
"""
from __future__ import annotations

from typing import Callable

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..compose import full_scale, unit
from .aspp import conv_bn_relu
from .config import RefinerConfig

# Index pairs of the upper triangle of the 3x3 colour covariance (rr, rg, rb, gg, gb, bb).
_TRIU = ((0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2))


def _window_sums(x: Tensor, radius: int, dim: int) -> tuple[Tensor, Tensor]:
    """Sums of ``x`` over [i - r, i + r] along ``dim`` (clipped at the borders) from a running
    sum, and how many elements each sum holds."""
    n = x.shape[dim]
    zero = torch.zeros_like(x.narrow(dim, 0, 1))
    running = torch.cat([zero, x.cumsum(dim)], dim)
    index = torch.arange(n, device=x.device)
    upper, lower = (index + radius + 1).clamp(max=n), (index - radius).clamp(min=0)
    sums = running.index_select(dim, upper) - running.index_select(dim, lower)
    return sums, (upper - lower).to(x.dtype)


def box_mean(x: Tensor, radius: int) -> Tensor:
    """Mean over a (2r+1)^2 window, the border handled by averaging only the pixels inside
    (count-normalised), as the guided filter's box filter does. Where no gradient is needed on the
    CPU, OpenCV's box filter (``_box_mean_cv``, ~8x faster); otherwise from running sums in
    float64 (He et al.'s O(1) box filter): the cost does not grow with the radius, and the
    differences of large running sums stay exact to float32 precision. The two agree to ~1e-7."""
    if x.device.type == "cpu" and not (x.requires_grad and torch.is_grad_enabled()):
        return _box_mean_cv(x, radius)
    rows, n_rows = _window_sums(x.double(), radius, 2)
    both, n_cols = _window_sums(rows, radius, 3)
    return (both / (n_rows.view(-1, 1) * n_cols.view(1, -1))).to(x.dtype)


def _box_mean_cv(x: Tensor, radius: int) -> Tensor:
    """``box_mean`` by OpenCV (window sums with a double accumulator, zeros outside the image,
    divided by the count of pixels inside), one BxCxHxW item at a time, channels last."""
    k = 2 * radius + 1
    h, w = x.shape[2:]
    count = cv2.boxFilter(np.ones((h, w), np.float64), -1, (k, k), normalize=False, borderType=cv2.BORDER_CONSTANT)
    dtype = torch.float64 if x.dtype == torch.float64 else torch.float32
    out = []
    for item in x.detach().to(dtype).numpy():
        hwc = np.ascontiguousarray(item.transpose(1, 2, 0))
        sums = cv2.boxFilter(hwc, -1, (k, k), normalize=False, borderType=cv2.BORDER_CONSTANT)
        out.append((sums.reshape(h, w, -1) / count[..., None]).transpose(2, 0, 1))
    return torch.from_numpy(np.stack(out)).to(x.dtype)


def box_statistics(image: Tensor, alpha: Tensor, radius: int) -> dict[str, Tensor]:
    """Local means and (co)variances of the guide ``image`` (Bx3xHxW) and ``alpha`` (Bx1xHxW)."""
    mean_i = box_mean(image, radius)
    mean_p = box_mean(alpha, radius)
    cov_ip = box_mean(image * alpha, radius) - mean_i * mean_p
    prods = torch.cat([image[:, a : a + 1] * image[:, b : b + 1] for a, b in _TRIU], dim=1)
    means = torch.cat([mean_i[:, a : a + 1] * mean_i[:, b : b + 1] for a, b in _TRIU], dim=1)
    cov_ii = box_mean(prods, radius) - means
    return {"mean_i": mean_i, "mean_p": mean_p, "cov_ip": cov_ip, "cov_ii": cov_ii}


def guided_filter_coefficients(stats: dict[str, Tensor], eps: float) -> Tensor:
    """The colour guided filter's A = (Sigma + eps U)^-1 cov(I, p) (He et al. 2013, eq. 19),
    per pixel: Bx3xHxW. The symmetric 3x3 inverse is written out (adjugate / determinant): a
    batched LAPACK solve over every pixel is far slower on the CPU."""
    a, b, c, d, e, f = stats["cov_ii"].unbind(1)
    a, d, f = a + eps, d + eps, f + eps
    i00, i01, i02 = d * f - e * e, c * e - b * f, b * e - c * d
    i11, i12, i22 = a * f - c * c, b * c - a * e, a * d - b * b
    det = a * i00 + b * i01 + c * i02
    r0, r1, r2 = stats["cov_ip"].unbind(1)
    x0 = i00 * r0 + i01 * r1 + i02 * r2
    x1 = i01 * r0 + i11 * r1 + i12 * r2
    x2 = i02 * r0 + i12 * r1 + i22 * r2
    return torch.stack([x0, x1, x2], dim=1) / det.unsqueeze(1)


class CoefficientNet(nn.Module):
    """Predicts the local linear coefficients (A: 3 channels, delta: 1) from the statistics, the
    classic solution, the coarse alpha and the MSIA decoder's hidden features."""

    def __init__(self, hidden_in: int, channels: int, hidden_channels: int):
        super().__init__()
        self.hidden = nn.Conv2d(hidden_in, hidden_channels, 1)
        # 3 cov_ip + 6 cov_ii + 3 A_gf + 1 p + 1 mean_p + hidden
        self.conv1 = conv_bn_relu(14 + hidden_channels, channels)
        self.conv2 = conv_bn_relu(channels, channels)
        self.out = nn.Conv2d(channels, 4, 1)
        nn.init.zeros_(self.out.weight)  # starts as the classic guided filter
        nn.init.zeros_(self.out.bias)

    def forward(self, stats: dict[str, Tensor], a_gf: Tensor, alpha: Tensor, hidden: Tensor) -> tuple[Tensor, Tensor]:
        """``hidden`` at its own (decoder) size: the 1x1 projection runs there and its few channels
        are resized to the working resolution (the two commute; resizing first costs more)."""
        hidden = F.interpolate(self.hidden(hidden), size=alpha.shape[2:], mode="bilinear", align_corners=False)
        x = torch.cat([stats["cov_ip"] * 10, stats["cov_ii"] * 10, a_gf, alpha, stats["mean_p"], hidden], dim=1)
        y = self.out(self.conv2(self.conv1(x)))
        return a_gf + y[:, :3], y[:, 3:]


class GuidedRefiner(nn.Module):
    """The refinement stage (see the module docstring). ``coefficients`` works at working
    resolution; ``apply`` / ``apply_strips`` bring the matte to any output size."""

    def __init__(self, config: RefinerConfig, hidden_in: int):
        super().__init__()
        self.config = config
        self.coef = CoefficientNet(hidden_in, config.channels, config.hidden_channels)

    def coefficients(self, image: Tensor, alpha: Tensor, hidden: Tensor) -> Tensor:
        """A (3 channels) and b (1) of alpha = A . I + b at the working resolution: Bx4xhxw.

        image: Bx3xhxw RGB in [0, 1] (the image the MSIA network saw); alpha: Bx1xhxw, its output;
        hidden: BxCxh'xw' decoder features (any size; resized to h x w)."""
        c = self.config
        stats = box_statistics(image, alpha, c.radius)
        a_gf = guided_filter_coefficients(stats, c.eps)
        a, delta = self.coef(stats, a_gf, alpha, hidden)
        b = stats["mean_p"] + delta - (a * stats["mean_i"]).sum(1, keepdim=True)
        return box_mean(torch.cat([a, b], dim=1), c.radius)

    @staticmethod
    def apply(coef: Tensor, image_hr: Tensor) -> Tensor:
        """alpha = A_up . I + b_up for a whole Bx3xHxW image (training, small outputs)."""
        up = F.interpolate(coef, size=image_hr.shape[2:], mode="bilinear", align_corners=False)
        return (up[:, :3] * image_hr).sum(1, keepdim=True) + up[:, 3:]


def _axis_weights(n_out: int, n_in: int, start: int, stop: int, device: torch.device) -> tuple[Tensor, Tensor, Tensor]:
    """Source indices (i0, i1) and weight of i1 for output positions start..stop-1 of a bilinear
    resize from n_in to n_out with align_corners=False (PyTorch's and OpenCV's convention)."""
    pos = (torch.arange(start, stop, device=device, dtype=torch.float64) + 0.5) * (n_in / n_out) - 0.5
    pos = pos.clamp(min=0.0)
    i0 = pos.floor().long().clamp(max=n_in - 1)
    i1 = (i0 + 1).clamp(max=n_in - 1)
    return i0, i1, (pos - i0).clamp(0.0, 1.0).float()


def upsample_window(coef: Tensor, size: tuple[int, int], rows: tuple[int, int], cols: tuple[int, int]) -> Tensor:
    """Rows ``rows`` and columns ``cols`` of ``F.interpolate(coef, size, bilinear)``, computed
    without making the whole upsampled map (separable: rows first, then columns)."""
    (h_out, w_out), (h_in, w_in) = size, coef.shape[2:]
    r0, r1, wr = _axis_weights(h_out, h_in, *rows, coef.device)
    c0, c1, wc = _axis_weights(w_out, w_in, *cols, coef.device)
    wr = wr.to(coef.dtype).view(1, 1, -1, 1)
    wc = wc.to(coef.dtype).view(1, 1, 1, -1)
    tall = coef[:, :, r0] * (1 - wr) + coef[:, :, r1] * wr
    return tall[:, :, :, c0] * (1 - wc) + tall[:, :, :, c1] * wc


def apply_window(coef: Tensor, image_window: Tensor, size: tuple[int, int], top: int, left: int) -> Tensor:
    """alpha = A_up . I + b_up on a window of the full-size output whose top-left is (top, left);
    ``image_window`` is Bx3xhxw of the full-resolution image at that place (training crops)."""
    h, w = image_window.shape[2:]
    up = upsample_window(coef, size, (top, top + h), (left, left + w))
    return (up[:, :3] * image_window).sum(1, keepdim=True) + up[:, 3:]


def _source_span(n_out: int, n_in: int, start: int, stop: int) -> tuple[int, int]:
    """The low-resolution indices [first, last + 1) that bilinear output positions start..stop-1
    read from."""
    i0, i1, _ = _axis_weights(n_out, n_in, start, stop, torch.device("cpu"))
    return int(i0[0]), int(i1[-1]) + 1


def settled(alpha: Tensor, radius: int, tolerance: float = 1 / 255) -> np.ndarray:
    """Where the network's alpha (1x1xhxw, working resolution) is settled: 0 where it is within
    ``tolerance`` of 0 over the whole (2r+1)^2 window around a pixel, 1 where it is within
    ``tolerance`` of 1, NaN elsewhere (the uncertain band, where the refiner has work to do):
    an hxw float32 map for ``apply_strips``."""
    a = alpha[0, 0].float().cpu().numpy()
    window = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * radius + 1, 2 * radius + 1))
    hi = cv2.dilate(a, window, borderType=cv2.BORDER_REPLICATE)  # replicated border: the max over
    lo = cv2.erode(a, window, borderType=cv2.BORDER_REPLICATE)  # the window's part inside the map
    out = np.full_like(a, np.nan)
    out[hi <= tolerance] = 0.0
    out[lo >= 1.0 - tolerance] = 1.0
    return out


def apply_strips(coef: Tensor, rgb: np.ndarray, strip_rows: int = 256,
                 check: Callable[[], None] | None = None, tile: int = 256,
                 settle: np.ndarray | None = None) -> np.ndarray:
    """The full-resolution alpha (HxW float32 in [0, 1]) of one image, ``coef`` 1x4xhxw from
    ``GuidedRefiner.coefficients``, ``rgb`` HxWx3 uint8/uint16/float; without ``settle`` the
    same, to float precision, as ``GuidedRefiner.apply`` on the whole image.

    Works in strips of rows (a few MB each whatever the photo's size; ``check`` runs between
    strips, for cancellation) and, inside a strip, in tiles. With ``settle`` (hxw, from
    ``settled``) a tile whose whole source window is settled at 0 or at 1 is filled with that
    value without reading the photo, so the work follows the uncertain band, not the photo's size.
    Rows of coefficients are interpolated in NumPy, columns by OpenCV's bilinear resize (the
    same half-pixel convention as PyTorch's), a plane at a time (``_local_linear``)."""
    h, w = rgb.shape[:2]
    lr = coef[0].float().cpu().numpy().copy()  # 4 x h x w planes (A_r, A_g, A_b, b); a copy: scaled below
    full = full_scale(rgb.dtype)
    if full is not None:  # A . (I / 255) = (A / 255) . I: integer pixels used as they are
        lr[:3] /= full
    tiles = [(left, min(w, left + tile)) for left in range(0, w, tile)]
    spans = [_source_span(w, lr.shape[2], left, right) for left, right in tiles]
    out = np.empty((h, w), dtype=np.float32)
    for top in range(0, h, strip_rows):
        if check is not None:
            check()
        bottom = min(h, top + strip_rows)
        r0, r1, wr = _axis_weights(h, lr.shape[1], top, bottom, torch.device("cpu"))
        s0, s1 = int(r0[0]), int(r1[-1]) + 1
        todo = []
        for (left, right), (c0, c1) in zip(tiles, spans):
            value = _settled_value(settle[s0:s1, c0:c1]) if settle is not None else None
            if value is None:
                todo.append((left, right))
            else:
                out[top:bottom, left:right] = value
        if not todo:
            continue
        wr = wr.numpy()[:, None]
        rows = lr[:, r0.numpy()] * (1 - wr) + lr[:, r1.numpy()] * wr  # 4 contiguous planes
        planes = [cv2.resize(plane, (w, bottom - top), interpolation=cv2.INTER_LINEAR) for plane in rows]
        for left, right in _runs(todo):
            pixels = rgb[top:bottom, left:right]
            out[top:bottom, left:right] = _local_linear([p[:, left:right] for p in planes],
                                                        pixels if full is not None else unit(pixels))
    return out


def _local_linear(planes: list[np.ndarray], pixels: np.ndarray) -> np.ndarray:
    """b + A . I per pixel, clipped to [0, 1]: ``planes`` the upsampled A_r, A_g, A_b, b (float32),
    ``pixels`` hxwx3. OpenCV multiplies the integer pixels straight into float32 (no float copy of
    the photo) over one plane at a time, ~3x faster than the same sum over interleaved channels."""
    alpha = planes[3].copy()
    for plane, channel in zip(planes[:3], cv2.split(pixels)):
        cv2.add(alpha, cv2.multiply(plane, channel, dtype=cv2.CV_32F), dst=alpha)
    return np.clip(alpha, 0.0, 1.0, out=alpha)


def _runs(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Adjacent (left, right) spans joined into runs."""
    runs: list[tuple[int, int]] = []
    for left, right in spans:
        if runs and runs[-1][1] == left:
            runs[-1] = (runs[-1][0], right)
        else:
            runs.append((left, right))
    return runs


def _settled_value(window: np.ndarray) -> float | None:
    """0 or 1 when every pixel of a ``settled`` window holds that value, else None."""
    first = window.flat[0]
    return float(first) if not np.isnan(first) and (window == first).all() else None

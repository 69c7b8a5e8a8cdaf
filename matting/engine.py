"""MattingEngine: one loaded model on one device, predicting full-resolution alphas.

Resolution policy: the network sees the image resized so its long side is ``max_side`` (aspect
kept; the network pads to its multiple of 32 and crops back), and the alpha is resized back to the
full input size. Memory therefore grows with the input only through the resize and the output
(a 24 MP photo needs ~100 MB for its float alpha), never through the network.

Precision (``precision``): the network runs in fp32 by default, on every machine: the default
settings and the matte a user gets never depend on the instruction set. ``bf16`` (bfloat16
autocast, CPUs with native AVX-512 BF16 / AMX only) and ``fp16`` (CUDA only) are opt-in speed-ups
that move the alpha a little (mean 0.004 on the astronaut); ``auto`` picks the fastest the device
has. The network's one-channel head and the refiner's guided-filter solve stay float32.

Flip averaging (``flip=True``): the network also sees the mirrored image, in the same batch, and
the two alphas are averaged (the mirrored one mirrored back). Its default is the model file's
``flip_average`` metadata, whatever the precision.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import cv2
import numpy as np
import torch

from .compose import unit
from .guidance import Strokes
from .limits import MAX_SIDE_RANGE
from .network.fold import fold_batchnorm
from .network.refiner import apply_strips, settled
from .progress import CancelFn, ProgressFn, check, report
from .sizing import long_side_size
from .weights import load_model, require_default_model

DEFAULT_MAX_SIDE = 512  # docs/benchmarks.md, "Working resolution": the measured quality/time curve


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``auto`` picks CUDA when present, else CPU."""
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was asked for but no CUDA device is available; use 'cpu' or 'auto'")
    return dev


PRECISIONS = ("auto", "fp32", "bf16", "fp16")


def cpu_has_bf16() -> bool:
    """Native bfloat16 arithmetic on this CPU: AVX-512 BF16 or AMX (PyTorch's own CPU checks).
    oneDNN's ``_is_mkldnn_bf16_supported`` is not enough: it also says yes on AVX-512 CPUs without
    BF16 (e.g. laptops' Tiger Lake), which emulate it; bf16 is measured only where it is native."""
    try:
        native = torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()
    except AttributeError:  # a torch build without the checks (or not x86): fp32
        return False
    return bool(native and torch.backends.mkldnn.is_available())


def resolve_precision(precision: str, device: torch.device) -> str:
    """``auto`` (opt-in) -> fp16 on CUDA, bf16 on a CPU with native bf16, else fp32. An explicit
    choice is checked against the device (bf16 on a CPU without it would be emulated: not measured)."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    cpu_bf16 = device.type == "cpu" and cpu_has_bf16()
    if precision == "auto":
        return "fp16" if device.type == "cuda" else "bf16" if cpu_bf16 else "fp32"
    if precision == "fp16" and device.type != "cuda":
        raise ValueError("precision 'fp16' needs a CUDA device; use 'bf16' or 'fp32' on the CPU")
    if precision == "bf16" and device.type == "cpu" and not cpu_bf16:
        raise ValueError("this CPU has no native bfloat16 (AVX-512 BF16 or AMX); use 'fp32'")
    return precision


def to_float_rgb(rgb: np.ndarray) -> np.ndarray:
    """HxWx3 uint8/uint16/float -> float32 in [0, 1]."""
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an HxWx3 RGB array, got shape {rgb.shape}")
    return unit(rgb)


def working_size(height: int, width: int, max_side: int) -> tuple[int, int]:
    """(h, w) with the long side equal to ``max_side`` and the aspect kept."""
    w, h = long_side_size(width, height, max_side, enlarge=True)
    return h, w


class MattingEngine:
    """Loads a model (the installed default when ``model`` is None) and predicts alphas.

    ``refine``: run the model's full-resolution refiner after the network (default: when the
    model file has one); False gives the faster coarse matte (the network's alpha resized).
    ``precision`` and the default of ``flip``: see the module docstring."""

    def __init__(self, model: str | Path | None = None, device: str = "auto", max_side: int | None = None,
                 flip: bool | None = None, refine: bool | None = None, precision: str = "fp32"):
        self.device = resolve_device(device)
        self.precision = resolve_precision(precision, self.device)
        path = Path(model) if model is not None else require_default_model()
        self.net, self.metadata = load_model(path)
        if self.precision == "fp32":  # the same matte to ~6e-6, 5-9 % faster on the CPU; in bf16 the
            fold_batchnorm(self.net)  # folded weights round worse (99th-percentile error 0.14 against 0.1)
        # NHWC: the same output (to ~5e-6), ~1.2x faster network on the CPU here (not measured on CUDA)
        self.net = self.net.to(self.device, memory_format=torch.channels_last)
        if self.precision == "fp16":
            self.net = self.net.half()
            if self.net.refiner is not None:
                self.net.refiner.float()  # the guided filter's solve needs float32
        self.path = path
        recommended = self.metadata.get("recommended_max_side", DEFAULT_MAX_SIDE)
        self.max_side = int(max_side or recommended)
        lo, hi = MAX_SIDE_RANGE
        if not lo <= self.max_side <= hi:
            raise ValueError(f"max_side must be within {lo}..{hi}, got {self.max_side}")
        self.flip = bool(self.metadata.get("flip_average", False)) if flip is None else bool(flip)
        self.has_refiner = self.net.refiner is not None
        self.refine = self.has_refiner if refine is None else bool(refine) and self.has_refiner

    @property
    def model_info(self) -> dict[str, Any]:
        """What goes into output metadata: model name, version, backbone, variant, settings."""
        m = self.metadata
        cfg = m.get("config", {})
        return {
            "model": m.get("name", self.path.stem),
            "version": str(m.get("version", "")),
            "backbone": cfg.get("backbone", ""),
            "variant": cfg.get("variant", ""),
            "date": m.get("date", ""),
            "max_side": self.max_side,
            "flip_average": self.flip,
            "refiner": self.refine,
            "precision": self.precision,
            "device": self.device.type,
            "path": str(self.path),
        }

    @property
    def takes_strokes(self) -> bool:
        """Whether the network listens to the designer's strokes (``matting.guidance``)."""
        return self.net.guidance is not None

    def predict(self, rgb: np.ndarray, progress: ProgressFn = None, cancel: CancelFn = None,
                refine: bool | None = None, guidance: Strokes | None = None) -> np.ndarray:
        """Alpha matte of an HxWx3 uint8/uint16 RGB image: HxW float32 in [0, 1].
        ``refine`` overrides the engine's setting for this call (False: a quick coarse preview).
        ``guidance``: the designer's subject/background strokes at the photo's size; the network
        re-decides the whole matte with them (a model without guidance refuses them)."""
        use = self.refine if refine is None else bool(refine) and self.has_refiner
        if guidance is not None and guidance.shape != rgb.shape[:2]:
            raise ValueError(f"strokes of size {guidance.shape} for a photo of {rgb.shape[:2]}")
        if guidance and not self.takes_strokes:
            raise ValueError(f"{self.path.name}: this model does not take strokes (models before 0.3.4 do not)")
        return predict_alpha(self.net, rgb, self.max_side, progress, cancel, flip=self.flip, refine=use,
                             bf16=self.precision == "bf16", guidance=guidance or None)


def predict_alpha(net: torch.nn.Module, rgb: np.ndarray, max_side: int, progress: ProgressFn = None,
                  cancel: CancelFn = None, *, flip: bool = False, refine: bool = False,
                  bf16: bool = False, guidance: Strokes | None = None) -> np.ndarray:
    """The resolution policy around one network call (also used by training's dev check).
    ``bf16``: the network (not the refiner) in bfloat16 autocast on the CPU; ``guidance``: strokes
    at the photo's size, given to the network as maps at its working size.

    Progress: 0-0.1 resize, 0.1-0.7 the network's blocks, then either the bilinear resize or the
    refiner (coefficients at working resolution, then the photo in strips, 0.75-1.0)."""
    h, w = rgb.shape[:2]
    check(cancel)
    report(progress, 0.0)
    wh, ww = working_size(h, w, max_side)
    small = cv2.resize(rgb, (ww, wh), interpolation=cv2.INTER_AREA if wh < h else cv2.INTER_LINEAR)
    param = next(net.parameters())
    x = torch.from_numpy(to_float_rgb(small)).permute(2, 0, 1)[None].to(param.device, param.dtype)
    g = None if guidance is None else torch.from_numpy(guidance.maps(wh, ww))[None].to(param.device, param.dtype)
    report(progress, 0.1)
    alpha_lr, hidden = _run_network(net, x, progress, cancel, flip, bf16, g)
    check(cancel)
    refiner = getattr(net, "refiner", None) if refine else None
    if refiner is None:
        alpha_small = alpha_lr[0, 0].float().cpu().numpy()
        alpha = cv2.resize(alpha_small, (w, h), interpolation=cv2.INTER_LINEAR) if (wh, ww) != (h, w) else alpha_small
        alpha = np.clip(alpha, 0.0, 1.0).astype(np.float32, copy=False)
    else:  # float32, clipped strip by strip
        alpha = _refine(refiner, x, alpha_lr, hidden, rgb, progress, cancel)
    report(progress, 1.0)
    return alpha


def network_pass(net: torch.nn.Module, x: torch.Tensor, *, flip: bool = False, bf16: bool = False,
                 on_block: Callable[[str], None] | None = None,
                 guidance: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """The network's (alpha Bx1xhxw, hidden features) for a batch, as the engine feeds the refiner:
    with ``flip`` averaged with the mirrored batch's (run in the same batch, mirrored back), with
    ``bf16`` in bfloat16 autocast on the CPU (results in float32); ``guidance`` Bx2xhxw stroke
    maps or None. The caller sets the grad mode and train/eval (training's refiner uses it under
    ``no_grad``)."""
    n = x.shape[0]
    if flip:
        x = torch.cat([x, x.flip(-1)])
        guidance = None if guidance is None else torch.cat([guidance, guidance.flip(-1)])
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        alpha, hidden = net.forward_features(x, on_block, guidance=guidance)
    if bf16:
        alpha, hidden = alpha.float(), hidden.float()
    if flip:
        alpha = (alpha[:n] + alpha[n:].flip(-1)) / 2
        hidden = (hidden[:n] + hidden[n:].flip(-1)) / 2
    return alpha, hidden


def _run_network(net: torch.nn.Module, x: torch.Tensor, progress: ProgressFn, cancel: CancelFn,
                 flip: bool, bf16: bool, guidance: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """``network_pass`` in eval and inference mode, with progress (0.1 .. 0.7) and cancel checks
    between the network's blocks, for this call only."""
    names = ("backbone", "aspp", "assembly", "decoder")

    def on_block(name: str) -> None:
        check(cancel)
        report(progress, 0.1 + 0.6 * names.index(name) / len(names))

    was_training = net.training
    net.eval()
    try:
        with torch.inference_mode():
            alpha, hidden = network_pass(net, x, flip=flip, bf16=bf16, on_block=on_block, guidance=guidance)
    finally:
        net.train(was_training)
    report(progress, 0.7)
    return alpha, hidden


def _refine(refiner: torch.nn.Module, x: torch.Tensor, alpha_lr: torch.Tensor, hidden: torch.Tensor,
            rgb: np.ndarray, progress: ProgressFn, cancel: CancelFn) -> np.ndarray:
    """The refiner: coefficients at working resolution, then the full-size alpha in strips. With
    flip averaging it runs once, on the averaged alpha and hidden features (running it on the
    mirrored inputs too gave the same dev figures to two decimals at ~1.2x the flip time)."""
    dtype = next(refiner.parameters()).dtype
    was_training = refiner.training
    refiner.eval()
    try:
        with torch.inference_mode():
            coef = refiner.coefficients(*(t.to(dtype) for t in (x, alpha_lr, hidden)))
    finally:
        refiner.train(was_training)
    report(progress, 0.75)
    h = rgb.shape[0]
    strips = max(1, -(-h // 256))
    done = [0]

    def step() -> None:
        check(cancel)
        report(progress, 0.75 + 0.25 * done[0] / strips)
        done[0] += 1

    settle = settled(alpha_lr[:1], refiner.config.radius)
    with torch.inference_mode():
        return apply_strips(coef, rgb, 256, step, settle=settle)

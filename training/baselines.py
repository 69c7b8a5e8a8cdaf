"""The two trimap-free models users would pick instead of ours, run with onnxruntime, for side-by-
side tables (files in ../shared/models/; see /work/shared/data/README.md "Baseline models"). Kept
in training/: the engine never depends on onnxruntime.

* u2netp (rembg's light model; input ``input.1`` 1x3x320x320, seven side outputs of which the
  first, d0, is the prediction): the photo resized to 320x320 with PIL's Lanczos filter, divided
  by its maximum, ImageNet mean/std; d0 min-max normalised and resized back with Lanczos, as
  rembg's ``U2netpSession`` does (kept in float rather than rembg's 8-bit mask).
* MODNet (portrait matting; input ``input`` 1x3xHxW, output ``output`` 1x1xHxW): short side
  scaled to 512, both sides rounded to multiples of 32, RGB in [-1, 1] (``x / 127.5 - 1``); the
  alpha resized back.

Both take an HxWx3 uint8 (or uint16) RGB array and return an HxW float32 alpha in [0, 1].
"""
from __future__ import annotations

from pathlib import Path
from typing import Protocol

import cv2
import numpy as np
from PIL import Image

from matting.pixels import to_uint8

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "models"
THREADS = 2  # intra-op threads: this machine has 2 cores
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], np.float32)


class Baseline(Protocol):
    name: str

    def predict(self, rgb: np.ndarray) -> np.ndarray: ...


def _session(path: Path, threads: int):
    import onnxruntime as ort

    if not path.is_file():
        raise FileNotFoundError(f"{path}: baseline model not found")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def _rgb8(rgb: np.ndarray) -> np.ndarray:
    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an HxWx3 RGB array, got shape {rgb.shape}")
    return to_uint8(rgb)


class U2NetP:
    """rembg's u2netp salient-object model (Qin et al. 2020, U^2-Net, the light variant)."""

    name = "u2netp"
    size = 320

    def __init__(self, path: str | Path | None = None, threads: int = THREADS):
        self.session = _session(Path(path) if path else DEFAULT_DIR / "u2netp.onnx", threads)
        self.input = self.session.get_inputs()[0].name
        self.output = self.session.get_outputs()[0].name  # d0, the fused prediction

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        rgb8 = _rgb8(rgb)
        h, w = rgb8.shape[:2]
        small = np.asarray(Image.fromarray(rgb8).resize((self.size, self.size), Image.LANCZOS), np.float32)
        x = (small / max(float(small.max()), 1e-6) - IMAGENET_MEAN) / IMAGENET_STD
        out = self.session.run([self.output], {self.input: x.transpose(2, 0, 1)[None]})[0][0, 0]
        out = (out - out.min()) / max(float(out.max() - out.min()), 1e-6)
        full = np.asarray(Image.fromarray(out.astype(np.float32), mode="F").resize((w, h), Image.LANCZOS))
        return np.clip(full, 0, 1).astype(np.float32)


class MODNet:
    """MODNet portrait matting (Ke et al. 2022), its ONNX export's pre/post-processing."""

    name = "modnet"
    ref_size = 512

    def __init__(self, path: str | Path | None = None, threads: int = THREADS):
        self.session = _session(Path(path) if path else DEFAULT_DIR / "modnet.onnx", threads)
        self.input = self.session.get_inputs()[0].name
        self.output = self.session.get_outputs()[0].name

    def working_size(self, h: int, w: int) -> tuple[int, int]:
        """(h, w) with the short side about ``ref_size``, both multiples of 32."""
        s = self.ref_size / min(h, w)
        return max(32, round(h * s / 32) * 32), max(32, round(w * s / 32) * 32)

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        rgb8 = _rgb8(rgb)
        h, w = rgb8.shape[:2]
        rh, rw = self.working_size(h, w)
        x = cv2.resize(rgb8, (rw, rh), interpolation=cv2.INTER_AREA).astype(np.float32) / 127.5 - 1.0
        out = self.session.run([self.output], {self.input: x.transpose(2, 0, 1)[None]})[0][0, 0]
        return np.clip(cv2.resize(out, (w, h), interpolation=cv2.INTER_LINEAR), 0, 1).astype(np.float32)


BASELINES = {"u2netp": U2NetP, "modnet": MODNet}


def load_baseline(name: str, models_dir: str | Path | None = None, threads: int = THREADS) -> Baseline:
    """A baseline by name (``u2netp`` or ``modnet``) from ``models_dir`` (default ../shared/models)."""
    if name not in BASELINES:
        raise ValueError(f"unknown baseline {name!r}; choose from {', '.join(BASELINES)}")
    path = Path(models_dir) / f"{name}.onnx" if models_dir else None
    return BASELINES[name](path, threads)

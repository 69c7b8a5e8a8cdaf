"""The two trimap-free models users would pick instead of ours, run with onnxruntime, for side-by-
side tables (files in ../shared/models/; see its README). Kept in training/: the engine never
depends on onnxruntime.

* u2netp (rembg's light model): 1x3x320x320, RGB / max, ImageNet mean/std; output d0, min-max
  normalised as rembg does, resized back to the photo.
* MODNet (portrait matting): 1x3xHxW, short side 512, both sides multiples of 32, RGB in [-1, 1];
  output: alpha.
"""
from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "models"
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], np.float32)


def _session(path: Path, threads: int):
    import onnxruntime as ort

    if not path.is_file():
        raise FileNotFoundError(f"{path}: baseline model not found")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


class U2NetP:
    name = "u2netp"

    def __init__(self, path: str | Path | None = None, threads: int = os.cpu_count() or 2):
        self.session = _session(Path(path) if path else DEFAULT_DIR / "u2netp.onnx", threads)
        self.input = self.session.get_inputs()[0].name

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        rgb8 = rgb if rgb.dtype == np.uint8 else (rgb >> 8).astype(np.uint8)
        h, w = rgb8.shape[:2]
        x = cv2.resize(rgb8, (320, 320), interpolation=cv2.INTER_LANCZOS4).astype(np.float32)
        x = (x / max(float(x.max()), 1e-6) - IMAGENET_MEAN) / IMAGENET_STD
        out = self.session.run(None, {self.input: x.transpose(2, 0, 1)[None]})[0][0, 0]
        out = (out - out.min()) / max(float(out.max() - out.min()), 1e-6)
        return np.clip(cv2.resize(out, (w, h), interpolation=cv2.INTER_LINEAR), 0, 1).astype(np.float32)


class MODNet:
    name = "modnet"
    ref_size = 512

    def __init__(self, path: str | Path | None = None, threads: int = os.cpu_count() or 2):
        self.session = _session(Path(path) if path else DEFAULT_DIR / "modnet.onnx", threads)
        self.input = self.session.get_inputs()[0].name

    def working_size(self, h: int, w: int) -> tuple[int, int]:
        s = self.ref_size / min(h, w)
        return max(32, round(h * s / 32) * 32), max(32, round(w * s / 32) * 32)

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        rgb8 = rgb if rgb.dtype == np.uint8 else (rgb >> 8).astype(np.uint8)
        h, w = rgb8.shape[:2]
        rh, rw = self.working_size(h, w)
        x = cv2.resize(rgb8, (rw, rh), interpolation=cv2.INTER_AREA).astype(np.float32) / 127.5 - 1.0
        out = self.session.run(None, {self.input: x.transpose(2, 0, 1)[None]})[0][0, 0]
        return np.clip(cv2.resize(out, (w, h), interpolation=cv2.INTER_LINEAR), 0, 1).astype(np.float32)


BASELINES = {"u2netp": U2NetP, "modnet": MODNet}


def load_baseline(name: str, models_dir: str | Path | None = None):
    cls = BASELINES[name]
    path = Path(models_dir) / f"{name}.onnx" if models_dir else None
    return cls(path)

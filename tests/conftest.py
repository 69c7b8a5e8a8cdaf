"""Shared fixtures: Qt offscreen, real photos from scikit-image, a small real model file."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import numpy as np
import pytest

# ../shared/data: there for every developer and for CI, never copied into the repository
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def photo() -> np.ndarray:
    """A real photo (scikit-image's public-domain 'chelsea' cat, 300x451)."""
    from skimage import data

    return data.chelsea()


@pytest.fixture(scope="session")
def small_model_path(tmp_path_factory):
    """A real, untrained, small MSIA network in the engine's file format (fast on CPU)."""
    import torch

    from matting.network import build_msia
    from matting.weights import save_model

    torch.manual_seed(0)
    net = build_msia(variant="full", aspp_channels=32, decoder_channels=16, fine_channels=8)
    return save_model(net, tmp_path_factory.mktemp("model") / "small.safetensors",
                      {"name": "small-test", "version": "0", "recommended_max_side": 128})


@pytest.fixture(scope="session")
def guided_model_path(tmp_path_factory):
    """A real, untrained, small MSIA network that takes strokes (``config.guidance``), its guidance
    convolutions given nonzero weights (they start at zero) so that strokes visibly change the matte."""
    import torch

    from matting.network import build_msia
    from matting.weights import save_model

    torch.manual_seed(0)
    net = build_msia(variant="full", aspp_channels=32, decoder_channels=16, fine_channels=8, guidance=True)
    with torch.no_grad():
        for p in net.guidance.parameters():
            torch.nn.init.normal_(p, 0, 0.5)
    return save_model(net, tmp_path_factory.mktemp("model") / "guided.safetensors",
                      {"name": "guided-test", "version": "0", "recommended_max_side": 128})


@pytest.fixture(scope="session")
def shipped_model_path():
    """The model in resources/models/ (a trained one: an untrained network has no edge to refine
    and gives a flat, mirror-symmetric alpha)."""
    from matting.weights import DEFAULT_MODEL_NAME, MODELS_DIR

    path = MODELS_DIR / DEFAULT_MODEL_NAME
    if not path.is_file():
        pytest.skip(f"no shipped model at {path}")
    return path


@pytest.fixture(scope="session")
def shipped_engine(shipped_model_path):
    """The shipped model's engine on the CPU, for the quality tests on ``SHARED_DATA`` (skipped
    where that folder is absent). Precision and flip are pinned (fp32, no flip averaging: the
    path every CPU takes by default), so a ceiling means the same on every machine."""
    from matting.engine import MattingEngine

    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} not present")
    return MattingEngine(shipped_model_path, device="cpu", precision="fp32", flip=False)


@pytest.fixture(scope="session")
def disc_photo():
    """``make(side, rng) -> (rgb, alpha)``: a soft-edged bright disc over noise, a subject with a
    known alpha and an edge a refiner can sharpen."""
    return _disc_photo


def _disc_photo(side: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[:side, :side]
    r = np.hypot(yy - side / 2, xx - side / 2)
    alpha = np.clip((side * 0.3 - r) / (side * 0.02) + 0.5, 0, 1)
    fg = np.full((side, side, 3), (230, 200, 60), np.float32)
    bg = np.zeros((side, side, 3), np.float32) + np.linspace(20, 70, side, dtype=np.float32)[:, None, None]
    bg += rng.normal(0, 3, bg.shape).astype(np.float32)
    image = alpha[..., None] * fg + (1 - alpha[..., None]) * bg
    return image.astype(np.uint8), (alpha * 255).round().astype(np.uint8)

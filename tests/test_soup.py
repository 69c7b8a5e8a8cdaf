"""Weight-space interpolation of model files (training/soup.py), on the shipped model's file."""
from __future__ import annotations

import pytest
import torch

from matting.weights import load_model, save_model
from training.soup import average, interpolate, main


def test_soup_of_two_model_files_lies_between_them(shipped_model_path, tmp_path) -> None:
    a, meta = load_model(shipped_model_path)
    torch.manual_seed(0)
    with torch.no_grad():
        for p in a.parameters():
            p.add_(torch.randn_like(p) * 0.01)
    moved = save_model(a, tmp_path / "moved.safetensors", meta)
    out = tmp_path / "soup.safetensors"
    assert main(["--a", str(shipped_model_path), "--b", str(moved), "--t", "0.25", "--out", str(out)]) == 0
    soup, soup_meta = load_model(out)
    orig, _ = load_model(shipped_model_path)
    moved_net, _ = load_model(moved)
    name = next(k for k, v in orig.state_dict().items() if v.is_floating_point() and v.numel() > 100)
    x, y, z = (m.state_dict()[name] for m in (orig, moved_net, soup))
    assert torch.allclose(z, x + 0.25 * (y - x), atol=2e-3)  # half-precision files
    assert not torch.equal(z, x) and not torch.equal(z, y)
    assert soup_meta["soup"]["t"] == 0.25 and soup_meta["version"].endswith("-soup")


def test_soup_refuses_models_of_different_tensors() -> None:
    with pytest.raises(ValueError, match="different tensors"):
        interpolate({"a": torch.zeros(2)}, {"b": torch.zeros(2)}, 0.5)
    with pytest.raises(ValueError, match="shapes differ"):
        interpolate({"a": torch.zeros(2)}, {"a": torch.zeros(3)}, 0.5)


def test_mean_of_three_states_is_their_average() -> None:
    states = [{"w": torch.tensor([float(v), 2.0 * v]), "n": torch.tensor(v)} for v in (1, 2, 6)]
    mean = average(states)
    assert torch.allclose(mean["w"], torch.tensor([3.0, 6.0])) and int(mean["n"]) == 6


def test_a_model_without_guidance_soups_with_one_that_has_it() -> None:
    """Tensors only B holds (its guidance convolutions) come from B as they are; the shared ones
    are interpolated."""
    a = {"w": torch.zeros(2)}
    b = {"w": torch.ones(2), "guidance.stem.weight": torch.full((2,), 3.0)}
    out = interpolate(a, b, 0.25)
    assert torch.allclose(out["w"], torch.full((2,), 0.25)) and torch.equal(out["guidance.stem.weight"], b["guidance.stem.weight"])
    with pytest.raises(ValueError, match="different tensors"):
        interpolate(b, a, 0.25)  # A may not hold what B lacks

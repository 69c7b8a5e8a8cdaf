"""Training the refiner on data the test makes: the samples keep the full/working relation, the
loss goes down, resume is exact, and the export is one model the engine runs in two stages."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import torch

from matting.engine import MattingEngine
from matting.network.refiner import apply_window
from matting.weights import load_model
from training.data.refiner import build_refiner_dataset
from training.losses import gradient_loss, laplacian_loss, laplacian_pyramid
from training.train_refiner import train_refiner


def make_data(root: Path, disc_photo) -> dict:
    rng = np.random.default_rng(0)
    for i, side in enumerate((200, 260, 240)):
        image, alpha = disc_photo(side, rng)
        cv2.imwrite(str(_mk(root / "d/FG" / f"s{i}.png")), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        cv2.imwrite(str(_mk(root / "d/GT" / f"s{i}.png")), alpha)
        cv2.imwrite(str(_mk(root / "dev/image" / f"s{i}.png")), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        cv2.imwrite(str(_mk(root / "dev/alpha" / f"s{i}.png")), alpha)
        cv2.imwrite(str(_mk(root / "bg" / f"b{i}.jpg")), rng.integers(0, 255, (90, 120, 3), dtype=np.uint8))
    return {"layout": "distinctions646", "roots": [str(root / "d")], "backgrounds": str(root / "bg")}


def _mk(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def config(root: Path, coarse: Path, disc_photo, **recipe) -> dict:
    return {
        "name": "tiny-refined", "version": "0", "coarse": str(coarse),
        "data": make_data(root, disc_photo),
        "refiner": {"radius": 1, "channels": 8, "hidden_channels": 4},
        "refiner_data": {"lr_size": 64, "hr_max": 200, "window": 48},
        "refiner_recipe": {"steps": 6, "batch_size": 2, "lr": 0.01, "num_workers": 0, "checkpoint_every": 2,
                           "dev_every": 3, "log_every": 1, "threads": 1, **recipe},
        "dev": {"images": str(root / "dev/image"), "alphas": str(root / "dev/alpha"), "max_side": 64},
    }


def test_samples_keep_the_full_to_working_relation(tmp_path, disc_photo):
    ds = build_refiner_dataset(make_data(tmp_path, disc_photo), {"lr_size": 64, "hr_max": 200, "window": 48}, 8, seed=1)
    for i in range(4):
        item = ds[i]
        side, top, left = item["place"].tolist()
        assert item["lr"].shape == (3, 64, 64) and item["hr"].shape == (3, 48, 48)
        assert 64 <= side <= 200 and 0 <= top <= side - 48 and 0 <= left <= side - 48
        # the alpha window is the image window's: bright disc where alpha is high
        bright = item["hr"].mean(0)[item["alpha_hr"][0] > 0.9]
        assert bright.numel() == 0 or float(bright.mean()) > 0.5
    assert torch.equal(ds[3]["hr"], build_refiner_dataset(make_data(tmp_path, disc_photo), {"lr_size": 64, "hr_max": 200,
                                                                                "window": 48}, 8, seed=1)[3]["hr"])


def test_identity_coefficients_give_the_window_of_the_image():
    """A = (1, 0, 0), b = 0 everywhere: the alpha of a window is that window's red channel."""
    coef = torch.zeros(1, 4, 8, 8)
    coef[:, 0] = 1
    hr = torch.rand(1, 3, 20, 30)
    assert torch.allclose(apply_window(coef, hr, (100, 90), 40, 50), hr[:, :1])


def test_edge_losses_are_zero_on_equal_maps_and_see_blur():
    sharp = torch.zeros(1, 1, 64, 64)
    sharp[..., 32:] = 1
    blurred = torch.from_numpy(cv2.GaussianBlur(sharp[0, 0].numpy(), (9, 9), 2))[None, None]
    assert float(laplacian_loss(sharp, sharp)) == 0 and float(gradient_loss(sharp, sharp)) == 0
    assert float(laplacian_loss(blurred, sharp)) > 0.01 and float(gradient_loss(blurred, sharp)) > 0.01
    levels = laplacian_pyramid(sharp)
    assert len(levels) == 5 and levels[-1].shape[-1] == 4


def test_training_lowers_the_loss_resumes_exactly_and_exports_a_two_stage_model(tmp_path, small_model_path, disc_photo):
    cfg = config(tmp_path, small_model_path, disc_photo)
    full = train_refiner(cfg, tmp_path / "a")
    assert full["step"] == 6 and full["baseline"]["n"] == 3
    log = [line for line in (tmp_path / "a/log.jsonl").read_text().splitlines() if '"loss"' in line]
    assert len(log) == 6
    train_refiner(cfg, tmp_path / "b", max_steps=4)
    train_refiner(cfg, tmp_path / "b", resume=True)
    a, _ = load_model(tmp_path / "a/last.safetensors")
    b, meta = load_model(tmp_path / "b/last.safetensors")
    for (name, x), y in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(x, y), name
    assert meta["refiner_training"]["steps"] == 6 and meta["coarse_model"]["path"] == str(small_model_path)
    engine = MattingEngine(tmp_path / "a/best.safetensors", device="cpu", max_side=64)
    assert engine.refine
    rgb = cv2.cvtColor(cv2.imread(str(tmp_path / "dev/image/s1.png")), cv2.COLOR_BGR2RGB)
    assert engine.predict(rgb).shape == rgb.shape[:2]


def test_loss_goes_down_on_a_real_edge(tmp_path, small_model_path, disc_photo):
    cfg = config(tmp_path, small_model_path, disc_photo, steps=30, lr=0.02, dev_every=1000)
    cfg.pop("dev")
    train_refiner(cfg, tmp_path / "run")
    import json

    losses = [json.loads(line)["loss"] for line in (tmp_path / "run/log.jsonl").read_text().splitlines()]
    assert np.mean(losses[-8:]) < np.mean(losses[:8])


def test_fine_tuning_starts_from_the_refiner_the_coarse_file_holds(tmp_path, small_model_path, disc_photo):
    """A retrained network keeps its predecessor's refiner; ``init_from_coarse`` starts from it
    (the first dev check equals that model's), and a file without one is refused by name."""
    import pytest

    cfg = config(tmp_path, small_model_path, disc_photo, steps=3)
    train_refiner(cfg, tmp_path / "first")
    shipped = tmp_path / "first/last.safetensors"
    tuned = config(tmp_path, shipped, disc_photo, steps=1, lr=0.0, init_from_coarse=True)
    train_refiner(tuned, tmp_path / "second")
    a, _ = load_model(shipped)
    b, _ = load_model(tmp_path / "second/last.safetensors")
    for (name, x), y in zip(a.refiner.state_dict().items(), b.refiner.state_dict().values()):
        if x.is_floating_point() and "running" not in name:
            assert torch.equal(x, y), name  # lr 0: the weights are the coarse file's refiner
    with pytest.raises(ValueError, match="holds no refiner"):
        train_refiner(config(tmp_path, small_model_path, disc_photo, init_from_coarse=True), tmp_path / "third")


def test_coarse_features_can_be_the_engines_flip_average(small_model_path):
    """``coarse_flip``: the refiner trains on the alpha and hidden features averaged with the
    mirrored batch's, as the engine gives them with flip averaging; ``coarse_bf16`` runs the
    network in bf16 autocast (close to fp32, not equal)."""
    from training.train_refiner import RefinerRecipe, coarse_features

    net, _ = load_model(small_model_path)
    net.eval()
    x = torch.rand(2, 3, 64, 96)
    plain_a, plain_h = coarse_features(net, x, RefinerRecipe())
    mirror_a, mirror_h = coarse_features(net, x.flip(-1), RefinerRecipe())
    flip_a, flip_h = coarse_features(net, x, RefinerRecipe(coarse_flip=True))
    assert torch.allclose(flip_a, (plain_a + mirror_a.flip(-1)) / 2, atol=1e-6)
    assert torch.allclose(flip_h, (plain_h + mirror_h.flip(-1)) / 2, atol=1e-5)
    bf_a, _ = coarse_features(net, x, RefinerRecipe(coarse_bf16=True))
    assert bf_a.dtype == torch.float32 and (bf_a - plain_a).abs().max() < 0.05

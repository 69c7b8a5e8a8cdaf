"""The paper's recipe (training/configs/paper_*.json) on tiny folders the tests make: Adobe's fixed
composition, a validation split held out of the training foregrounds, the epoch that does not grow
with the number of processes, the Gaussian start of the non-backbone layers, and the test set
scored once after training by the model the validation data chose."""
from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from matting.network import build_msia
from training.data.compose import composite, fit_background
from training.data.dataset import DataConfig, build_dataset, read_pairs, split_validation, validation_samples
from training.train import Recipe, gaussian_init, read_config, train

ROOT = Path(__file__).resolve().parents[1]


def write(path: Path, array: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), array)
    return path


def c1k_layout(root: Path, n_fg: int, n_bg: int, size: tuple[int, int] = (40, 50)) -> dict:
    """Composition-1K's training layout (fg/, alpha/) and a background folder; the data section."""
    rng = np.random.default_rng(0)
    h, w = size
    for i in range(n_fg):
        alpha = np.zeros((h, w), np.uint8)
        cv2.circle(alpha, (w // 2 + i, h // 2), min(h, w) // 3, 255, -1)
        write(root / "train/alpha" / f"f{i}.png", cv2.GaussianBlur(alpha, (0, 0), 2))
        write(root / "train/fg" / f"f{i}.png", np.full((h, w, 3), (40 * i) % 255, np.uint8))
    for j in range(n_bg):  # smaller than the foregrounds: the adobe rule upscales them
        write(root / "bg" / f"b{j:02d}.png", rng.integers(0, 255, (h // 2, w // 2, 3), dtype=np.uint8))
    return {"layout": "composition1k", "roots": [str(root / "train")], "backgrounds": str(root / "bg"),
            "composition": "adobe", "backgrounds_per_fg": 2, "crop_sizes": [32], "out_size": 32,
            "composite_prob": 1.0, "colour_jitter_prob": 0.0, "second_subject_prob": 0.0, "scale_jitter": [1.0, 1.0]}


def test_adobe_mode_composites_each_foreground_over_its_fixed_backgrounds(tmp_path) -> None:
    from training.data.compose_set import compose_set

    data = c1k_layout(tmp_path, n_fg=2, n_bg=3)
    ds = build_dataset(data, length=6, seed=0)
    rng = np.random.default_rng(0)
    bgs = sorted((tmp_path / "bg").iterdir())
    compose_set(tmp_path / "train/fg", tmp_path / "train/alpha", tmp_path / "bg", 2, tmp_path / "offline")
    for j in range(4):
        i, k = divmod(j, 2)
        image, alpha = ds._draw(rng, j)
        fg = cv2.cvtColor(cv2.imread(str(tmp_path / f"train/fg/f{i}.png")), cv2.COLOR_BGR2RGB)
        bg = cv2.cvtColor(cv2.imread(str(bgs[(i * 2 + k) % 3])), cv2.COLOR_BGR2RGB)  # Adobe's order, wrapping
        assert np.array_equal(image, composite(fg, alpha, fit_background(bg, *alpha.shape)))
        offline = cv2.cvtColor(cv2.imread(str(tmp_path / f"offline/merged/f{i}_{k}.png")), cv2.COLOR_BGR2RGB)
        assert np.array_equal(image, offline)  # the same set compose_set writes
    assert np.array_equal(ds._draw(rng, 4)[0], ds._draw(rng, 0)[0])  # past n_fg x N: wraps around
    with pytest.raises(ValueError, match="composition"):
        DataConfig.from_dict({"composition": "dim"})


def test_validation_foregrounds_are_held_out_of_training_with_unused_backgrounds(tmp_path) -> None:
    data = {**c1k_layout(tmp_path, n_fg=6, n_bg=20), "val_foregrounds": 2, "val_backgrounds_per_fg": 3}
    cfg = DataConfig.from_dict(data)
    train_pairs, held = split_validation(read_pairs(cfg), cfg)
    assert len(train_pairs) == 4 and len(held) == 2
    assert {p.fg for p in train_pairs}.isdisjoint({p.fg for p in held})
    assert [p.fg for p in build_dataset(data, length=8).pairs] == [p.fg for p in train_pairs]
    samples = validation_samples(data)
    assert len(samples) == 6 and {s.fg for s in samples} == {p.fg for p in held}
    assert samples == validation_samples(data)  # seeded: the same split every run
    used_in_training = {f"b{j:02d}.png" for j in range(4 * 2)}  # 4 foregrounds x 2 backgrounds
    assert {s.background.name for s in samples}.isdisjoint(used_in_training)
    rgb, alpha = samples[0].read()
    assert rgb.shape == alpha.shape + (3,) and alpha.dtype == np.uint8
    with pytest.raises(ValueError, match="only 6 foregrounds"):
        split_validation(read_pairs(cfg), DataConfig.from_dict({**data, "val_foregrounds": 6}))


def test_the_epoch_keeps_its_images_whatever_the_number_of_processes() -> None:
    paper = Recipe(epoch_images=431 * 100, batch_size=4)
    assert paper.steps_per_epoch(1) == 10775 and paper.steps_per_epoch(3) == 3592  # 3592 x 12 >= 43100
    assert Recipe(iters_per_epoch=130).steps_per_epoch(3) == 130  # without epoch_images: per process


def test_paper_configs_follow_the_paper_and_never_select_on_the_test_set() -> None:
    for name, n_fg in (("c1k", 431), ("d646", 596)):
        cfg = read_config(ROOT / f"training/configs/paper_resnext101_{name}.json")
        recipe = Recipe.from_dict(cfg["recipe"])
        data = DataConfig.from_dict(cfg["data"])
        assert recipe.steps_per_epoch(1) * recipe.batch_size == n_fg * 100 and recipe.init_std
        assert data.composition == "adobe" and data.backgrounds_per_fg == 100 and data.val_foregrounds > 0
        assert cfg["model"]["output_stride"] == 16
        assert "images" not in cfg["dev"] and cfg["test"]["images"].endswith(("merged", "Image"))
    cpu = read_config(ROOT / "training/configs/cpu_lite0.json")  # the shipped model's recipe is unchanged
    assert Recipe.from_dict(cpu["recipe"]).steps_per_epoch(1) == 130 and "init_std" not in cpu["recipe"]
    assert DataConfig.from_dict(cpu["data"]).composition == "random"


def test_gaussian_init_starts_every_layer_but_the_backbone() -> None:
    torch.manual_seed(0)
    net = build_msia(aspp_channels=32, decoder_channels=32, fine_channels=16)
    backbone = {k: v.clone() for k, v in net.backbone.state_dict().items()}
    gaussian_init(net, 0.02)
    assert all(torch.equal(v, net.backbone.state_dict()[k]) for k, v in backbone.items())
    w = net.decoder.conv1[0].weight.detach()
    assert abs(float(w.mean())) < 0.002 and 0.018 < float(w.std()) < 0.022
    assert float(net.aspp.project[0][0].weight.detach().std()) == pytest.approx(0.02, rel=0.1)
    assert torch.equal(net.decoder.conv1[1].weight, torch.ones_like(net.decoder.conv1[1].weight))
    assert float(net.decoder.predict.bias.detach().abs().max()) == 0.0


def test_training_selects_on_validation_and_scores_the_test_set_once(tmp_path) -> None:
    data = {**c1k_layout(tmp_path, n_fg=5, n_bg=20), "val_foregrounds": 2, "val_backgrounds_per_fg": 1}
    for i in range(3):  # a test set of its own (never read during training)
        alpha = np.zeros((40, 50), np.uint8)
        cv2.rectangle(alpha, (10 + i, 10), (35, 30), 255, -1)
        write(tmp_path / "test/alpha" / f"t{i}.png", alpha)
        write(tmp_path / "test/image" / f"t{i}.png", np.dstack([alpha] * 3))
    cfg = {"name": "tiny-paper",
           "model": {"backbone": "efficientnet_lite0", "aspp_channels": 16, "decoder_channels": 16, "fine_channels": 8},
           "data": data,
           "recipe": {"epochs": 2, "epoch_images": 6, "batch_size": 2, "lr": 0.01, "num_workers": 0,
                      "checkpoint_every": 100, "log_every": 1, "init_std": 0.01},
           "dev": {"max_side": 64},
           "test": {"images": str(tmp_path / "test/image"), "alphas": str(tmp_path / "test/alpha"), "max_side": 64}}
    result = train(cfg, tmp_path / "run")
    assert result.step == 6  # 2 epochs of 6 images at batch 2
    devs = [json.loads(line) for line in (tmp_path / "run/log.jsonl").read_text().splitlines() if '"dev"' in line]
    assert [d["dev"]["n"] for d in devs] == [2, 2]  # the two held-out foregrounds, each epoch
    report = json.loads((tmp_path / "run/test.json").read_text())
    assert "best.safetensors, chosen by dev SAD" in report["setting"] and len(report["models"][0]["rows"]) == 3
    assert (tmp_path / "run/test.md").read_text().count("|") > 6
    first = (tmp_path / "run/test.json").stat().st_mtime_ns
    train(cfg, tmp_path / "run", resume=True)  # a finished run: nothing new, the test is not scored again
    assert (tmp_path / "run/test.json").stat().st_mtime_ns == first

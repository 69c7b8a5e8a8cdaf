"""The training loop on data the tests make: loss goes down, resume is exact, DDP ranks agree."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from matting.weights import load_model
from training.evaluate import Evaluation, write_outputs
from training.ship import main as ship
from training.train import read_config, train

ROOT = Path(__file__).resolve().parents[1]


def tiny_config(tmp_path: Path, **recipe) -> dict:
    return {
        "name": "tiny",
        "model": {"backbone": "efficientnet_lite0", "variant": "full", "aspp_channels": 16,
                  "decoder_channels": 16, "fine_channels": 8, "aspp_dropout": 0.1},
        "data": {"kind": "synthetic", "size": 64},
        "recipe": {"epochs": 2, "iters_per_epoch": 4, "batch_size": 2, "lr": 0.01, "num_workers": 0,
                   "checkpoint_every": 2, "log_every": 1, "seed": 0, **recipe},
    }


def weights_of(path: Path) -> dict[str, torch.Tensor]:
    return torch.load(path, map_location="cpu", weights_only=True)["model"]


def test_training_lowers_the_loss_and_exports_models(tmp_path) -> None:
    cfg = tiny_config(tmp_path, epochs=3, iters_per_epoch=5, lr=0.05)  # 15 steps: the l1 ratio is ~0.55
    train(cfg, tmp_path / "run")
    log = [json.loads(line) for line in (tmp_path / "run/log.jsonl").read_text().splitlines()]
    steps = [r for r in log if "loss" in r]
    assert [r["step"] for r in steps] == list(range(1, 16))
    first, last = sum(r["l1"] for r in steps[:5]) / 5, sum(r["l1"] for r in steps[-5:]) / 5
    assert last < first * 0.8, (first, last)
    assert steps[0]["w_ssim"] == 0.1 and steps[-1]["w_ssim"] == 0.025  # eq. 8's switch
    assert steps[-1]["lr"] < steps[0]["lr"]  # poly decay
    model, meta = load_model(tmp_path / "run/last.safetensors")
    assert meta["steps"] == 15 and meta["recipe"]["lr"] == 0.05 and meta["name"] == "tiny"
    assert (tmp_path / "run/best.safetensors").is_file()


@pytest.fixture(scope="module")
def straight_run(tmp_path_factory) -> Path:
    """The tiny config trained without a stop (2 epochs of 4 steps): the reference of the resume
    test and the first stage of the second-stage tests (one run serves all three)."""
    out = tmp_path_factory.mktemp("straight") / "run"
    train(tiny_config(out.parent), out)
    return out


def test_resume_continues_exactly(tmp_path, straight_run) -> None:
    cfg = tiny_config(tmp_path)
    train(cfg, tmp_path / "split", max_steps=3)  # stops mid-epoch 0 (4 steps per epoch)
    train(cfg, tmp_path / "split", resume=True)
    a, b = weights_of(straight_run / "last.pt"), weights_of(tmp_path / "split/last.pt")
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k
    lr_a = [json.loads(l)["lr"] for l in (straight_run / "log.jsonl").read_text().splitlines() if '"lr"' in l]
    lr_b = [json.loads(l)["lr"] for l in (tmp_path / "split/log.jsonl").read_text().splitlines() if '"lr"' in l]
    assert lr_a == lr_b


@pytest.mark.timeout(300)
def test_torchrun_two_processes_keep_identical_weights(tmp_path) -> None:
    cfg = tiny_config(tmp_path, epochs=1, iters_per_epoch=3, checkpoint_every=100)
    cfg_path = tmp_path / "cfg.json"
    cfg_path.write_text(json.dumps(cfg))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    with socket.socket() as s:  # a free port: another run of the suite on this machine may hold a fixed one
        s.bind(("127.0.0.1", 0))
        port = str(s.getsockname()[1])
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", port,
           "-m", "tests.ddp_probe", str(cfg_path), str(tmp_path / "ddp")]
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=280)
    assert result.returncode == 0, result.stderr[-3000:]
    w0, w1 = (torch.load(tmp_path / f"ddp/rank{r}.pt", weights_only=True) for r in (0, 1))
    assert w0.keys() == w1.keys()
    for k in w0:
        assert torch.equal(w0[k], w1[k]), k
    initial = torch.load(tmp_path / "ddp/rank0_initial.pt", weights_only=True)
    assert any(not torch.equal(initial[k], w0[k]) for k in w0)  # they did train


def test_every_shipped_config_is_complete_and_starts_from_something_that_exists() -> None:
    """Each config under training/configs reads (its ``extends`` chain merged), every section is
    valid, it trains at least one step at a positive learning rate on a known backbone, and a
    model it starts from inside the repository (``recipe.init`` under resources/) is there;
    the paper's configs keep the paper's optimiser (Sec. 4.1)."""
    from matting.network import MSIAConfig
    from matting.network.backbones import LITE_VARIANTS
    from training.data.dataset import DataConfig
    from training.train import Recipe

    configs = sorted((ROOT / "training/configs").glob("*.json"))
    assert len(configs) >= 3
    for path in configs:
        cfg = read_config(path)
        recipe = Recipe.from_dict(cfg["recipe"])
        DataConfig.from_dict(dict(cfg["data"]))
        model = MSIAConfig.from_dict({k: v for k, v in cfg["model"].items() if k != "pretrained_backbone"})
        assert recipe.epochs >= 1 and recipe.steps_per_epoch() >= 1 and recipe.lr > 0, path.name
        assert model.backbone in {*LITE_VARIANTS, "resnext50_32x4d", "resnext101_32x8d"}, path.name
        if recipe.init and recipe.init.startswith("resources/"):
            assert (ROOT / recipe.init).is_file(), f"{path.name}: {recipe.init} is not in the repository"
        if path.name.startswith("paper_"):
            assert (recipe.momentum, recipe.weight_decay, recipe.lr, recipe.power, recipe.epochs, recipe.batch_size) == \
                (0.9, 5e-4, 0.01, 0.9, 20, 4), path.name


def test_second_stage_starts_from_the_init_model(tmp_path, straight_run) -> None:
    """``recipe.init``: with lr 0 the second stage's parameters stay exactly the first stage's."""
    first = straight_run / "last.safetensors"
    train(tiny_config(tmp_path, epochs=1, iters_per_epoch=2, lr=0.0, init=str(first)), tmp_path / "stage2")
    a, _ = load_model(first)
    b, _ = load_model(tmp_path / "stage2/last.safetensors")
    pb = dict(b.named_parameters())
    for name, p in a.named_parameters():
        assert torch.equal(p, pb[name]), name
    train(tiny_config(tmp_path, epochs=1, iters_per_epoch=2, lr=0.0), tmp_path / "fresh")
    fresh, _ = load_model(tmp_path / "fresh/last.safetensors")
    assert any(not torch.equal(p, pb[n]) for n, p in fresh.named_parameters())
    # shipping the second stage keeps the first stage's record
    table = Evaluation("tiny", rows=[{"name": "a", "sad": 1.5, "mse": 0.01, "grad": 2.0, "conn": 1.4, "seconds": 0.2}])
    write_outputs([table], json_path=tmp_path / "compare.json", setting="one image")
    out = tmp_path / "shipped.safetensors"
    means = {"tiny": {"all": {"n": 1, "sad": 1.5, "mse": 0.01, "grad": 2.0}}}
    (tmp_path / "dev_v2.json").write_text(json.dumps({"setting": "dev v2", "means": means, "results": {}}))
    assert ship(["--run", str(tmp_path / "stage2"), "--which", "last", "--max-side", "384", "--out", str(out),
                 "--summary", str(tmp_path / "summary.json"), "--compare", str(tmp_path / "compare.json"),
                 "--flip-average", "--dev-figures", str(tmp_path / "dev_v2.json"), "--version", "9.9.9"]) == 0
    meta = load_model(out)[1]
    assert meta["version"] == "9.9.9"
    assert meta["dev_figures"] == {"setting": "dev v2", "means": means}
    assert meta["dev_comparison"] == {"setting": "one image", "models": [
        {"model": "tiny", "sad": 1.5, "mse": 0.01, "grad": 2.0, "conn": 1.4, "seconds": 0.2}]}
    assert meta["flip_average"] is True
    assert meta["init_model"]["steps"] == 8 and meta["steps"] == 2 and meta["recommended_max_side"] == 384
    assert json.loads((tmp_path / "summary.json").read_text())["steps"] == 2


def test_init_model_with_another_config_is_refused_by_name(tmp_path, straight_run) -> None:
    cfg = tiny_config(tmp_path, epochs=1, init=str(straight_run / "last.safetensors"))
    cfg["model"]["decoder_channels"] = 8
    with pytest.raises(ValueError, match="run/last.safetensors"):
        train(cfg, tmp_path / "stage2")


def test_a_config_extends_another_section_by_section() -> None:
    base = read_config(ROOT / "training/configs/cpu_lite0.json")
    stage2 = read_config(ROOT / "training/configs/cpu_lite0_stage2.json")
    assert stage2["recipe"]["init"] == "runs/lite0/best.safetensors" and stage2["data"]["p_whole"] == 0.3
    assert stage2["recipe"]["batch_size"] == base["recipe"]["batch_size"] and stage2["model"] == base["model"]
    assert {k: v for k, v in stage2["data"].items() if k != "p_whole"} == base["data"]


def test_clicks_train_the_guidance_alone_and_leave_the_network_as_it_was(tmp_path) -> None:
    """A guided run with simulated clicks, then a stage that trains only the guidance convs
    (``train_only``, Adam): every other tensor, BatchNorm statistics included, is unchanged, and
    the guidance convs moved from the first run's values."""
    first = tiny_config(tmp_path, epochs=1, iters_per_epoch=3)
    first["model"]["guidance"] = True
    first["clicks"] = {"p_guided": 1.0, "max_initial": 2, "max_iterative": 1}
    train(first, tmp_path / "a")
    second = tiny_config(tmp_path, epochs=1, iters_per_epoch=3, init=str(tmp_path / "a/last.safetensors"),
                         optimizer="adam", lr=0.01, train_only=["guidance."], guidance_lr_mult=1.0)
    second["model"]["guidance"] = True
    second["clicks"] = first["clicks"]
    train(second, tmp_path / "b")
    a = load_model(tmp_path / "a/last.safetensors")[0].state_dict()
    b = load_model(tmp_path / "b/last.safetensors")[0].state_dict()
    changed = sorted(k for k in a if not torch.equal(a[k], b[k]))
    assert changed == ["guidance.assembly.weight", "guidance.stem.weight"]


def test_freeze_bn_keeps_running_statistics_while_batchnorm_weights_learn() -> None:
    """``freeze_bn``: after ``set_mode`` every BatchNorm layer is in eval mode and the rest trains;
    a training step leaves the running statistics as they were to the bit, while the BatchNorm
    affine weights get gradients."""
    from torch import nn

    from training.train import Recipe, build_model, set_mode

    model = build_model(tiny_config(Path("."))["model"])
    set_mode(model, Recipe.from_dict({"freeze_bn": True}))
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    assert norms and not any(m.training for m in norms) and model.training
    before = {k: v.clone() for k, v in model.state_dict().items() if "running_" in k}
    pred = model(torch.rand(2, 3, 64, 64))
    pred.mean().backward()
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert sum(float(m.weight.grad.abs().sum()) > 0 for m in norms) > len(norms) // 2


def test_anchor_term_starts_at_zero_and_holds_the_fine_tune_near_its_start(tmp_path) -> None:
    """``anchor_weight``: the starting model's own matte as a second target. With frozen
    BatchNorm and no dropout the student starts as the anchor (the term's first value is 0), and
    a strong anchor keeps the fine-tuned weights nearer the start than the same run without it."""

    def config(**recipe) -> dict:
        cfg = tiny_config(tmp_path, epochs=1, iters_per_epoch=4, **recipe)
        cfg["model"]["aspp_dropout"] = 0.0
        return cfg

    train(config(), tmp_path / "start")
    first = tmp_path / "start/last.safetensors"
    runs = {}
    for name, weight in (("free", 0.0), ("anchored", 2.0)):
        train(config(lr=0.05, init=str(first), freeze_bn=True, anchor_weight=weight), tmp_path / name)
        runs[name] = load_model(tmp_path / name / "last.safetensors")[0].state_dict()
    log = [json.loads(line) for line in (tmp_path / "anchored/log.jsonl").read_text().splitlines()]
    drifts = [r["anchor"] for r in log if "anchor" in r]
    assert len(drifts) == 4 and drifts[0] < 1e-6 < drifts[-1]
    start = load_model(first)[0].state_dict()

    def distance(state: dict) -> float:
        return sum(float((state[k].float() - v.float()).norm()) for k, v in start.items() if v.is_floating_point())

    assert distance(runs["anchored"]) < 0.7 * distance(runs["free"])  # measured 0.026 against 0.062
    with pytest.raises(ValueError, match="needs recipe.init"):
        train(tiny_config(tmp_path, anchor_weight=1.0), tmp_path / "no_init")

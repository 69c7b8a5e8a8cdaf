"""Train the full-resolution refiner (``matting/network/refiner.py``) on top of a trained,
frozen MSIA network, and export the two together as one engine-format model.

    python -m training.train_refiner --config training/configs/refiner_lite0.json --out runs/refiner
    python -m training.train_refiner --config ... --out runs/refiner --resume     # continue exactly

Per step: the frozen network runs on the working images (``lr_size`` px) and gives its alpha and
hidden features; the refiner turns them into guided-filter coefficients; the loss compares the
alpha those coefficients give on a full-resolution window with the true alpha there, plus the
same at working resolution:

    L = L1_hr + w_lap * Laplacian-pyramid L1_hr (4 band-pass levels, 2^(i-1); the low-pass
        residual only with lap_lowpass) + w_grad * gradient L1_hr
        + w_lr * L1_lr

Adam with the poly decay (power 0.9) per step; BatchNorm of the coefficient net in training mode.
The network stays frozen (``freeze_coarse``; fine-tuning it together is left as an option for a
GPU). The dev check runs the engine's own two-stage path (``predict_alpha(refine=True)``) and
scores SAD, MSE and Gradient over whole dev images; the best export is chosen by
SAD/SAD_coarse + Grad/Grad_coarse (both relative to the network alone on the same images).
"""
from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import torch
from torch.utils.data import DataLoader
from tqdm import tqdm

from matting.config_section import ConfigSection
from matting.engine import network_pass
from matting.network import MSIANet, build_from_config
from matting.network.config import RefinerConfig
from matting.network.refiner import GuidedRefiner, apply_window
from matting.weights import load_model, save_model

from .checkpoint import load_checkpoint, save_checkpoint
from .data.refiner import build_refiner_dataset
from .devset import DevSet
from .losses import gradient_loss, laplacian_loss
from .sampler import EpochSampler
from .schedule import poly_scheduler
from .train import JsonlLog, read_config


@dataclass
class RefinerRecipe(ConfigSection):
    steps: int = 2000
    batch_size: int = 4
    lr: float = 1e-3
    power: float = 0.9
    w_lap: float = 1.0
    w_grad: float = 1.0
    w_lr: float = 0.5
    lap_lowpass: bool = False  # the low-pass term re-weights coarse (semantic) errors 16x
    init_from_coarse: bool = False  # start from the refiner the coarse model file already holds
    # the network's inputs to the refiner as the engine gives them on a bf16 CPU: flip-averaged
    # alpha and hidden features, the network in bf16 autocast (also for the dev check)
    coarse_flip: bool = False
    coarse_bf16: bool = False
    num_workers: int = 1
    seed: int = 0
    threads: int = 2
    checkpoint_every: int = 50
    dev_every: int = 250
    log_every: int = 10
    section: ClassVar[str] = "refiner recipe"


def combined_model(coarse: MSIANet, refiner: GuidedRefiner) -> MSIANet:
    """One MSIANet holding the frozen network's weights and the refiner (what ships)."""
    config = copy.deepcopy(coarse.config)
    config.refiner = refiner.config
    model = build_from_config(config)
    state = {k: v for k, v in coarse.state_dict().items() if not k.startswith("refiner.")}
    state.update({f"refiner.{k}": v for k, v in refiner.state_dict().items()})
    model.load_state_dict(state, strict=True)
    return model.eval()


def start_from_coarse_refiner(refiner: GuidedRefiner, coarse: MSIANet, path: str) -> None:
    """Fine-tune instead of starting afresh: copy the refiner ``path`` holds (a retrained network
    keeps its predecessor's refiner through training, where it gets no gradient)."""
    if coarse.refiner is None or coarse.refiner.config != refiner.config:
        raise ValueError(f"{path}: holds no refiner of config {refiner.config} to start from")
    refiner.load_state_dict(coarse.refiner.state_dict())


def coarse_features(coarse: MSIANet, x: torch.Tensor, recipe: RefinerRecipe) -> tuple[torch.Tensor, torch.Tensor]:
    """The frozen network's alpha and hidden features for a batch, as the engine gives them
    (``matting.engine.network_pass``): flip-averaged under ``coarse_flip``, bf16 under ``coarse_bf16``."""
    with torch.no_grad():
        alpha, hidden = network_pass(coarse, x.contiguous(memory_format=torch.channels_last),
                                     flip=recipe.coarse_flip, bf16=recipe.coarse_bf16)
    return alpha.contiguous(), hidden.contiguous()


def refiner_loss(coef: torch.Tensor, batch: dict[str, torch.Tensor], recipe: RefinerRecipe) -> tuple[torch.Tensor, dict]:
    """The loss of the module docstring for one batch of coefficients."""
    preds = []
    for i, (side, top, left) in enumerate(batch["place"].tolist()):
        preds.append(apply_window(coef[i : i + 1], batch["hr"][i : i + 1], (side, side), top, left))
    pred_hr = torch.cat(preds).clamp(0, 1)
    target = batch["alpha_hr"]
    pred_lr = GuidedRefiner.apply(coef, batch["lr"]).clamp(0, 1)
    terms = {
        "l1": (pred_hr - target).abs().mean(),
        "lap": laplacian_loss(pred_hr, target, lowpass=recipe.lap_lowpass),
        "grad": gradient_loss(pred_hr, target),
        "l1_lr": (pred_lr - batch["alpha_lr"]).abs().mean(),
    }
    total = terms["l1"] + recipe.w_lap * terms["lap"] + recipe.w_grad * terms["grad"] + recipe.w_lr * terms["l1_lr"]
    return total, {k: float(v.detach()) for k, v in terms.items()}


def train_refiner(cfg: dict[str, Any], out: Path, resume: bool = False, max_steps: int | None = None) -> dict[str, Any]:
    recipe = RefinerRecipe.from_dict(cfg["refiner_recipe"])
    torch.set_num_threads(recipe.threads)
    torch.manual_seed(recipe.seed)
    out.mkdir(parents=True, exist_ok=True)
    coarse, coarse_meta = load_model(cfg["coarse"])
    coarse.requires_grad_(False).eval()
    coarse_cl = copy.deepcopy(coarse).to(memory_format=torch.channels_last)  # same output, ~1.25x faster on CPU
    refiner = GuidedRefiner(RefinerConfig.from_dict(cfg.get("refiner", {})), coarse.config.fine_channels).train()
    if recipe.init_from_coarse:
        start_from_coarse_refiner(refiner, coarse, cfg["coarse"])
    optimizer = torch.optim.Adam(refiner.parameters(), lr=recipe.lr)
    scheduler = poly_scheduler(optimizer, recipe.steps, recipe.power)
    length = recipe.steps * recipe.batch_size
    dataset = build_refiner_dataset(cfg["data"], cfg.get("refiner_data", {}), length, recipe.seed)
    sampler = EpochSampler(length, recipe.seed)
    loader = DataLoader(dataset, batch_size=recipe.batch_size, sampler=sampler, num_workers=recipe.num_workers,
                        drop_last=True, generator=torch.Generator().manual_seed(recipe.seed))
    dev = DevSet.from_config(cfg.get("dev"))
    ckpt = out / "last.pt"
    step, best, baseline = 0, {"score": math.inf}, None
    if resume and ckpt.exists():
        state = load_checkpoint(ckpt)
        refiner.load_state_dict(state["refiner"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        step, best, baseline = state["step"], state["best"], state["baseline"]
        torch.set_rng_state(state["rng"])
    log = JsonlLog(out / "log.jsonl", True)
    (out / "config.json").write_text(json.dumps(cfg, indent=2))
    how = {"flip": recipe.coarse_flip, "bf16": recipe.coarse_bf16}
    if dev is not None and baseline is None:
        baseline = dev.evaluate(coarse, refine=False, **how)
        log.write({"step": 0, "dev_coarse": baseline, "time": time.time()})

    def save_state() -> None:
        save_checkpoint(ckpt, {"refiner": refiner.state_dict(), "optimizer": optimizer.state_dict(),
                               "scheduler": scheduler.state_dict(), "step": step, "best": best,
                               "baseline": baseline, "rng": torch.get_rng_state()})

    stop_at = min(recipe.steps, max_steps) if max_steps else recipe.steps
    sampler.set_epoch(0, start=step * recipe.batch_size)
    bar = tqdm(total=stop_at, initial=step, desc="refiner", unit="it")
    t_log, n_log = time.perf_counter(), 0
    for batch in loader:
        if step >= stop_at:
            break
        alpha_lr, hidden = coarse_features(coarse_cl, batch["lr"], recipe)
        coef = refiner.coefficients(batch["lr"], alpha_lr, hidden)
        loss, terms = refiner_loss(coef, batch, recipe)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        lr = optimizer.param_groups[0]["lr"]
        scheduler.step()
        step += 1
        n_log += recipe.batch_size
        bar.update(1)
        if step % recipe.log_every == 0:
            elapsed = time.perf_counter() - t_log
            log.write({"step": step, "lr": lr, "loss": float(loss.detach()), **terms,
                       "images_per_s": n_log / max(elapsed, 1e-9), "time": time.time()})
            bar.set_postfix(loss=f"{float(loss.detach()):.4f}")
            t_log, n_log = time.perf_counter(), 0
        if step % recipe.dev_every == 0 or step == stop_at:
            best = dev_and_export(coarse, coarse_meta, refiner, dev, baseline, cfg, out, step, best, log, how)
            save_state()
        elif step % recipe.checkpoint_every == 0:
            save_state()
    bar.close()
    return {"step": step, "best": best, "baseline": baseline}


def dev_and_export(coarse: MSIANet, coarse_meta: dict, refiner: GuidedRefiner, dev: DevSet | None,
                   baseline: dict | None, cfg: dict, out: Path, step: int, best: dict, log: JsonlLog,
                   how: dict[str, bool]) -> dict:
    """Dev check (flip and bf16 as in training); export last (and best by SAD/SAD_coarse +
    Grad/Grad_coarse)."""
    refiner.eval()
    model = combined_model(coarse, refiner)
    metrics = dev.evaluate(model, refine=True, **how) if dev is not None else None
    refiner.train()
    if metrics is not None:
        log.write({"step": step, "dev": metrics, "time": time.time()})
    export(model, out / "last.safetensors", cfg, coarse_meta, step, metrics, baseline)
    score = metrics["sad"] / baseline["sad"] + metrics["grad"] / baseline["grad"] if metrics and baseline else -step
    if score < best.get("score", math.inf):
        best = {"score": score, "step": step, "metrics": metrics}
        export(model, out / "best.safetensors", cfg, coarse_meta, step, metrics, baseline)
    return best


def export(model: MSIANet, path: Path, cfg: dict, coarse_meta: dict, step: int, metrics: dict | None,
           baseline: dict | None) -> None:
    """The network's metadata (recipe, data, its dev figures) plus the refiner's training."""
    meta = {k: v for k, v in coarse_meta.items() if k not in ("format", "config")}
    meta.update({
        "name": cfg.get("name", coarse_meta.get("name", "msia-matte")),
        "version": cfg.get("version", coarse_meta.get("version", "")),
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "coarse_model": {"path": str(cfg["coarse"]), "version": coarse_meta.get("version"),
                         "dev_metrics": coarse_meta.get("dev_metrics")},
        "refiner_training": {"recipe": cfg["refiner_recipe"], "data": cfg.get("refiner_data", {}), "steps": step,
                             "dev_metrics": metrics, "dev_coarse_same_images": baseline},
    })
    save_model(model, path, meta)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.train_refiner", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", type=Path, required=True)
    p.add_argument("--out", type=Path, default=Path("runs/refiner"))
    p.add_argument("--max-steps", type=int, help="stop after this many steps (checkpointed; resume later)")
    p.add_argument("--resume", action="store_true", help="continue from OUT/last.pt exactly")
    args = p.parse_args(argv)
    result = train_refiner(read_config(args.config), args.out, args.resume, args.max_steps)
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

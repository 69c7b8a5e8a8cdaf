"""Train MSIA-matte with the paper's recipe (Sec. 4.1): SGD (momentum 0.9, weight decay 5e-4),
base lr 0.01 with the poly policy stepped per iteration, 20 epochs, batch 4, blended L1 + SSIM
loss whose SSIM weight drops from 0.1 to 0.025 after the first epoch (eq. 8), non-backbone layers
initialised from a Gaussian (``recipe.init_std``).

    python -m training.train --config training/configs/cpu_lite0.json --out runs/lite0
    torchrun --nproc_per_node 3 -m training.train --config training/configs/paper_resnext101_c1k.json

Multi-process training uses DistributedDataParallel (NCCL on CUDA, gloo on CPU) launched by
torchrun. Checkpoints (``last.pt``) are written every ``checkpoint_every`` steps and at each epoch
end; ``--resume`` continues exactly: same step, lr, data order and RNG. The best (by dev SAD) and
last models are exported in the engine's format (``best.safetensors``, ``last.safetensors``).

Model selection never sees the test set: the dev data is either a folder of its own (``dev``
section, the CPU configs' held-out split) or foregrounds held out of the training data
(``data.val_foregrounds``, the paper configs). A ``test`` section is scored once, after the last
epoch, by the model the dev data chose (``OUT/test.md``, ``OUT/test.json``).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader
from tqdm import tqdm

from matting.config_section import ConfigSection
from matting.network import MSIAConfig, MSIANet, build_from_config
from matting.weights import save_model

from .checkpoint import load_checkpoint, save_checkpoint
from .clicks import ClickConfig, guided_batch
from .devset import DevSet
from .losses import BlendedLoss
from .sampler import EpochSampler
from .schedule import poly_scheduler


@dataclass
class Recipe(ConfigSection):
    """The optimisation recipe; defaults are the paper's (Sec. 4.1)."""

    epochs: int = 20
    iters_per_epoch: int = 1000  # steps of each process per epoch, unless epoch_images is set
    epoch_images: int | None = None  # images per epoch over all processes (the paper's: 431 x 100)
    batch_size: int = 4  # per process
    lr: float = 0.01
    momentum: float = 0.9
    weight_decay: float = 5e-4
    power: float = 0.9
    amp: bool = True  # mixed precision, CUDA only
    cpu_bf16: bool = False  # bfloat16 autocast on a CPU with native bf16 (~1.6x faster steps here)
    guidance_lr_mult: float = 20.0  # the zero-initialised guidance convs learn at lr x this, without decay
    optimizer: str = "sgd"  # sgd (the paper's) | adam (for a stage that trains only a few new layers)
    train_only: list[str] = field(default_factory=list)  # parameter-name prefixes to train (empty: all)
    channels_last: bool = False  # NHWC memory format (same results; faster convolutions on AVX-512 CPUs)
    num_workers: int = 2
    seed: int = 0
    checkpoint_every: int = 200
    log_every: int = 10
    threads: int = 0  # torch intra-op threads on CPU; 0 = torch's default
    init: str | None = None  # an engine-format model to start from (a second stage), or None
    init_std: float | None = None  # Gaussian init of the non-backbone layers (None: PyTorch's)
    freeze_bn: bool = False  # BatchNorm keeps its running statistics (fine-tuning with batches of 4)
    sure_weight: float = 0.0  # weight of the sure-region term (holes, blobs: training/losses.py); 0 = the paper's loss
    anchor_weight: float = 0.0  # L1 to the starting model's own matte (``init``): a fine-tune keeps what it is not taught; 0 = off
    laplacian_weight: float = 0.0  # weight of the band-pass Laplacian term (soft halos: training/losses.py); 0 = the paper's
    section: ClassVar[str] = "recipe"

    def steps_per_epoch(self, world_size: int = 1) -> int:
        """Steps of each process per epoch. With ``epoch_images`` an epoch holds that many images
        whatever the number of processes (each step takes batch_size x world_size of them);
        otherwise it is ``iters_per_epoch`` steps of each process."""
        if self.epoch_images:
            return math.ceil(self.epoch_images / (self.batch_size * world_size))
        return self.iters_per_epoch


@dataclass
class Dist:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        return self.rank == 0


def setup_distributed() -> tuple[Dist, torch.device]:
    """Join the process group when launched by torchrun (RANK/WORLD_SIZE set)."""
    if "RANK" not in os.environ or int(os.environ.get("WORLD_SIZE", "1")) == 1:
        return Dist(), torch.device("cuda" if torch.cuda.is_available() else "cpu")
    d = Dist(int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]), int(os.environ.get("LOCAL_RANK", 0)))
    if torch.cuda.is_available():
        torch.cuda.set_device(d.local_rank)
        dist.init_process_group("nccl")
        return d, torch.device("cuda", d.local_rank)
    dist.init_process_group("gloo")
    return d, torch.device("cpu")


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` on top of ``base``, section by section (nested dicts merged, other values replaced)."""
    out = dict(base)
    for key, value in over.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def read_config(path: str | Path) -> dict[str, Any]:
    """A JSON training config; ``"extends": "other.json"`` (beside it) takes that config and
    changes only what this one names, so a second stage lists only what differs from the first."""
    path = Path(path)
    cfg = json.loads(path.read_text())
    base = cfg.pop("extends", None)
    return _merge(read_config(path.parent / base), cfg) if base else cfg


def load_config(path: Path, overrides: argparse.Namespace) -> dict[str, Any]:
    cfg = read_config(path)
    if overrides.data:
        cfg["data"]["roots"] = overrides.data
    if overrides.epochs is not None:
        cfg["recipe"]["epochs"] = overrides.epochs
    return cfg


def build_model(model_cfg: dict[str, Any]) -> MSIANet:
    cfg = dict(model_cfg)
    pretrained = cfg.pop("pretrained_backbone", None)
    return build_from_config(MSIAConfig.from_dict(cfg), pretrained)


def gaussian_init(model: MSIANet, std: float) -> None:
    """The paper's start for everything but the pretrained backbone (Sec. 4.1: "the other weights
    are assigned with a random Gaussian distribution"; it gives no deviation, ``std`` is ours):
    conv weights ~ N(0, std^2) and zero biases, BatchNorm scale 1 and shift 0. The two assembly
    scalars keep their equal-weights start (eq. 2-3)."""
    for name, module in model.named_modules():
        if name == "backbone" or name.startswith("backbone."):
            continue
        if isinstance(module, torch.nn.Conv2d):
            torch.nn.init.normal_(module.weight, 0.0, std)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)
        elif isinstance(module, torch.nn.BatchNorm2d):
            torch.nn.init.ones_(module.weight)
            torch.nn.init.zeros_(module.bias)


def load_init(model: MSIANet, path: str | Path) -> None:
    """Start from the weights of an engine-format model file (``recipe.init``): a second training
    stage continues from a shipped model with a fresh schedule. Its network config must be ours,
    but for ``guidance``: a model without it gains the zero-initialised guidance stem and starts
    out exactly as it was."""
    from dataclasses import replace

    from matting.weights import load_model

    source, meta = load_model(path)
    if replace(source.config, guidance=model.config.guidance) != model.config:
        raise ValueError(f"{path}: its network config {meta['config']} differs from the run's model section")
    missing, unexpected = model.load_state_dict(source.state_dict(), strict=False)
    if unexpected or any(not k.startswith("guidance.") for k in missing):
        raise ValueError(f"{path}: tensors do not match the run's model (missing {missing[:3]}, unexpected {unexpected[:3]})")


def param_groups(model: MSIANet, recipe: Recipe) -> list[dict[str, Any]]:
    """The network's parameters, and the guidance convs apart: they start at zero and see sparse
    click maps, so at the network's lr they barely move in a fine-tune (measured: |w| 1e-4 after
    400 steps at 0.002); they learn at ``guidance_lr_mult`` x lr, without weight decay."""
    guidance = [p for n, p in model.named_parameters() if n.startswith("guidance.")]
    rest = [p for n, p in model.named_parameters() if not n.startswith("guidance.")]
    groups: list[dict[str, Any]] = [{"params": rest}]
    if guidance:
        groups.append({"params": guidance, "lr": recipe.lr * recipe.guidance_lr_mult, "weight_decay": 0.0})
    return groups


def make_optimizer(model: MSIANet, recipe: Recipe) -> torch.optim.Optimizer:
    """SGD as the paper (momentum, weight decay), or Adam; only the ``train_only`` parameters when
    it names any (the rest frozen)."""
    if recipe.train_only:
        for name, p in model.named_parameters():
            p.requires_grad_(name.startswith(tuple(recipe.train_only)))
    groups = [g for g in param_groups(model, recipe) if any(p.requires_grad for p in g["params"])]
    for g in groups:
        g["params"] = [p for p in g["params"] if p.requires_grad]
    if recipe.optimizer == "adam":
        return torch.optim.Adam(groups, lr=recipe.lr, weight_decay=0.0)
    if recipe.optimizer != "sgd":
        raise ValueError(f"recipe.optimizer must be 'sgd' or 'adam', not {recipe.optimizer!r}")
    return torch.optim.SGD(groups, lr=recipe.lr, momentum=recipe.momentum, weight_decay=recipe.weight_decay)


def build_anchor(cfg: dict[str, Any], recipe: Recipe, device: torch.device,
                 memory_format: torch.memory_format) -> MSIANet | None:
    """The starting model, frozen in eval mode, for ``recipe.anchor_weight`` (None when off): its
    matte of each training batch is a second target, so that a fine-tune changes what its labels
    ask for (people's edges, flowers) and keeps the rest (learning without forgetting, Li & Hoiem
    2016: here an L1 on the alpha). Every fine-tune without it moved pets and animals the wrong way
    within 100 steps (docs/training.md)."""
    if not recipe.anchor_weight:
        return None
    if not recipe.init:
        raise ValueError("recipe.anchor_weight needs recipe.init: the model whose mattes to keep")
    anchor = build_model({**cfg["model"], "pretrained_backbone": None})
    load_init(anchor, recipe.init)
    anchor = anchor.to(device, memory_format=memory_format).eval()
    for p in anchor.parameters():
        p.requires_grad_(False)
    return anchor


def set_mode(model: MSIANet, recipe: Recipe) -> MSIANet:
    """Training mode; but when only some layers train (``train_only``), eval mode: the frozen
    network's BatchNorm statistics and dropout stay as they were, so with no guidance the
    matte is exactly the starting model's. ``freeze_bn`` keeps only the BatchNorm layers in eval
    mode: a fine-tune on batches of four small crops would otherwise replace statistics gathered
    over whole photos (their affine weights still learn)."""
    model.train(not recipe.train_only)
    if recipe.freeze_bn:
        for module in model.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.eval()
    return model


def build_dataset(data_cfg: dict[str, Any], length: int, seed: int) -> Any:
    """``kind: synthetic`` (made here, for tests and smoke runs) or ``kind: pairs`` (real data)."""
    kind = data_cfg.get("kind", "pairs")
    if kind == "synthetic":
        from .synthetic import SyntheticMattingDataset

        return SyntheticMattingDataset(length, data_cfg.get("size", 64), seed)
    from .data import build_dataset as build_pairs_dataset

    return build_pairs_dataset(data_cfg, length=length, seed=seed)


def build_dev(cfg: dict[str, Any]) -> DevSet | None:
    """The model-selection data: the foregrounds held out of the training data when
    ``data.val_foregrounds`` is set (composited over fixed backgrounds), else the ``dev`` section's
    folders; ``dev.max_side`` is the working resolution either way."""
    dev_cfg = cfg.get("dev") or {}
    if cfg["data"].get("val_foregrounds"):
        from .data.dataset import validation_samples

        return DevSet(validation_samples(cfg["data"]), dev_cfg.get("max_side", 512))
    return DevSet.from_config(dev_cfg or None)


def score_test_set(cfg: dict[str, Any], out: Path, model_path: Path, selected_by: str) -> None:
    """Score ``model_path`` on the ``test`` section's images once: ``OUT/test.md``, ``OUT/test.json``."""
    from .evaluate import describe, run, write_outputs

    test = cfg["test"]
    trimaps = Path(test["trimaps"]) if test.get("trimaps") else None
    results = run(Path(test["images"]), Path(test["alphas"]), trimaps, [model_path], [],
                  max_side=test.get("max_side"), progress=False)
    setting = f"{describe(Path(test['images']), trimaps, len(results[0].rows))}; model: {model_path.name}, {selected_by}"
    write_outputs(results, out / "test.md", out / "test.json", setting)


def build_loader(cfg: dict[str, Any], recipe: Recipe, d: Dist) -> tuple[Any, EpochSampler, DataLoader]:
    length = recipe.steps_per_epoch(d.world_size) * recipe.batch_size * d.world_size
    dataset = build_dataset(cfg["data"], length=length, seed=recipe.seed)
    sampler = EpochSampler(length, recipe.seed, d.rank, d.world_size)
    loader = DataLoader(
        dataset,
        batch_size=recipe.batch_size,
        sampler=sampler,
        num_workers=recipe.num_workers,
        drop_last=True,
        generator=torch.Generator().manual_seed(recipe.seed),  # keeps the global RNG untouched
        persistent_workers=False,
    )
    return dataset, sampler, loader


class JsonlLog:
    def __init__(self, path: Path, enabled: bool):
        self.path, self.enabled = path, enabled

    def write(self, record: dict[str, Any]) -> None:
        if self.enabled:
            with self.path.open("a") as f:
                f.write(json.dumps(record) + "\n")


def export(model: MSIANet, path: Path, cfg: dict[str, Any], step: int, dev_metrics: dict | None) -> None:
    meta = {
        "name": cfg.get("name", "msia-matte"),
        "version": cfg.get("version", "0.1.0"),
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "recipe": cfg["recipe"],
        "data": cfg["data"],
        "steps": step,
        "dev_metrics": dev_metrics,
        "recommended_max_side": cfg.get("recommended_max_side", 512),
    }
    save_model(model, path, meta)


@dataclass
class TrainResult:
    step: int
    best: dict[str, Any]
    rank: int
    model: MSIANet

    def summary(self) -> dict[str, Any]:
        return {"step": self.step, "best": self.best}


def train(cfg: dict[str, Any], out: Path, resume: bool = False, max_steps: int | None = None) -> TrainResult:
    """Run (or continue) a training run."""
    d, device = setup_distributed()
    recipe = Recipe.from_dict(cfg["recipe"])
    if recipe.threads and device.type == "cpu":
        torch.set_num_threads(recipe.threads)
    torch.manual_seed(recipe.seed + d.rank)
    out.mkdir(parents=True, exist_ok=True)
    # the ImageNet backbone is not loaded when recipe.init or the checkpoint replaces it anyway
    model = build_model({**cfg["model"], "pretrained_backbone": None} if recipe.init else cfg["model"])
    if recipe.init_std and not recipe.init:
        gaussian_init(model, recipe.init_std)
    if recipe.init and not (resume and (out / "last.pt").exists()):
        load_init(model, recipe.init)
    memory_format = torch.channels_last if recipe.channels_last else torch.contiguous_format
    model = set_mode(model.to(device, memory_format=memory_format), recipe)
    anchor = build_anchor(cfg, recipe, device, memory_format)
    net: torch.nn.Module = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None) if d.world_size > 1 else model
    optimizer = make_optimizer(model, recipe)
    per_epoch = recipe.steps_per_epoch(d.world_size)
    total = recipe.epochs * per_epoch
    scheduler = poly_scheduler(optimizer, total, recipe.power)
    use_amp = recipe.amp and device.type == "cuda"
    cpu_bf16 = recipe.cpu_bf16 and device.type == "cpu"
    autocast_dtype = torch.float16 if use_amp else torch.bfloat16
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp)
    criterion = BlendedLoss(recipe.sure_weight, recipe.laplacian_weight)
    clicks = ClickConfig.from_dict(cfg.get("clicks", {}))
    dataset, sampler, loader = build_loader(cfg, recipe, d)
    dev = build_dev(cfg) if d.main else None
    ckpt_path = out / "last.pt"
    step, best = 0, {"sad": math.inf}
    if resume and ckpt_path.exists():
        state = load_checkpoint(ckpt_path)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        scaler.load_state_dict(state["scaler"])
        step, best = state["step"], state["best"]
        torch.set_rng_state(state["rng"][d.rank] if d.rank < len(state["rng"]) else state["rng"][0])
    log = JsonlLog(out / "log.jsonl", d.main)
    if d.main:
        (out / "config.json").write_text(json.dumps(cfg, indent=2))

    def checkpoint() -> None:
        rng = [torch.get_rng_state()]
        if d.world_size > 1:
            gathered: list[Any] = [None] * d.world_size
            dist.all_gather_object(gathered, torch.get_rng_state())
            rng = gathered
        if d.main:
            save_checkpoint(ckpt_path, {
                "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "scaler": scaler.state_dict(),
                "step": step, "best": best, "rng": rng,
            })

    click_rng = np.random.default_rng([recipe.seed, d.rank, step])  # resumes draw afresh from the step
    stop_at = min(total, max_steps) if max_steps else total
    bar = tqdm(total=stop_at, initial=step, disable=not d.main, desc="train", unit="it")
    t_log, n_log = time.perf_counter(), 0
    while step < stop_at:
        epoch = step // per_epoch
        in_epoch = step % per_epoch
        sampler.set_epoch(epoch, start=in_epoch * recipe.batch_size)
        dataset.set_epoch(epoch)
        for batch in loader:
            image = batch["image"].to(device, non_blocking=True, memory_format=memory_format)
            alpha = batch["alpha"].to(device, non_blocking=True)
            with torch.autocast(device.type, dtype=autocast_dtype, enabled=use_amp or cpu_bf16):
                guidance = guided_batch(model, image, alpha, clicks, click_rng)
                pred = net(image, guidance)
                if anchor is not None:
                    with torch.no_grad():
                        kept = anchor(image, guidance)
            loss, terms = criterion(pred.float(), alpha, epoch)
            if anchor is not None:
                drift = (pred.float() - kept.float()).abs().mean()
                loss = loss + recipe.anchor_weight * drift
                terms["anchor"] = float(drift.detach())
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            lr = optimizer.param_groups[0]["lr"]
            scheduler.step()
            step += 1
            n_log += image.shape[0] * d.world_size
            bar.update(1)
            if step % recipe.log_every == 0 or step == stop_at:
                elapsed = time.perf_counter() - t_log
                record = {"step": step, "epoch": epoch, "lr": lr, "loss": float(loss.detach()), **terms,
                          "images_per_s": n_log / max(elapsed, 1e-9), "time": time.time()}
                log.write(record)
                bar.set_postfix(loss=f"{float(loss.detach()):.4f}", lr=f"{lr:.5f}")
                t_log, n_log = time.perf_counter(), 0
            epoch_end = step % per_epoch == 0
            if epoch_end or step == stop_at:
                if d.main:
                    best = end_of_epoch(model, dev, cfg, out, step, epoch, best, log)
                checkpoint()
            elif step % recipe.checkpoint_every == 0:
                checkpoint()
            if step >= stop_at or epoch_end:
                break
    bar.close()
    if d.world_size > 1:
        # DDP broadcasts rank 0's BatchNorm statistics before every forward; after the last
        # step each rank has updated its own copy, so hand every rank rank 0's (the saved ones).
        for buffer in model.buffers():
            dist.broadcast(buffer, 0)
        dist.barrier()
        dist.destroy_process_group()
    if d.main and cfg.get("test") and step >= total and not (out / "test.json").exists():
        score_test_set(cfg, out, out / "best.safetensors",
                       "chosen by dev SAD" if dev is not None else "the last epoch's (no dev data)")
    return TrainResult(step, best, d.rank, model)


def end_of_epoch(model: MSIANet, dev: "DevSet | None", cfg: dict[str, Any], out: Path, step: int, epoch: int,
                 best: dict[str, Any], log: JsonlLog) -> dict[str, Any]:
    """Dev-set check, export of last (and best, by dev SAD) in the engine's format."""
    metrics = dev.evaluate(model) if dev is not None else None
    if metrics is not None:
        log.write({"step": step, "epoch": epoch, "dev": metrics, "time": time.time()})
    export(model, out / "last.safetensors", cfg, step, metrics)
    score = metrics["sad"] if metrics else -step  # without a dev set, the newest is the best
    if score < best.get("sad", math.inf):
        best = {"sad": score, "step": step, "metrics": metrics}
        export(model, out / "best.safetensors", cfg, step, metrics)
    set_mode(model, Recipe.from_dict(cfg["recipe"]))
    return best


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.train", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", type=Path, required=True, help="JSON config (model, data, recipe, dev)")
    p.add_argument("--data", nargs="+", help="override data.roots")
    p.add_argument("--out", type=Path, default=Path("runs/default"))
    p.add_argument("--epochs", type=int)
    p.add_argument("--max-steps", type=int, help="stop after this many steps (checkpointed; resume later)")
    p.add_argument("--resume", action="store_true", help="continue from OUT/last.pt exactly")
    args = p.parse_args(argv)
    cfg = load_config(args.config, args)
    result = train(cfg, args.out, resume=args.resume, max_steps=args.max_steps)
    if result.rank == 0:
        print(json.dumps(result.summary(), default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

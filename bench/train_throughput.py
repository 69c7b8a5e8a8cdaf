"""Training throughput (images/s) of a config's network on this machine: forward, backward and
SGD step on random batches at a given crop size (data loading excluded; see the training log's
images_per_s for end-to-end figures).

    python bench/train_throughput.py --config training/configs/cpu_lite0.json --size 512
    python bench/train_throughput.py --config training/configs/paper_resnext101_c1k.json --size 512
"""
from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import torch

import _checkout  # noqa: F401  (the checkout on sys.path)
from training.losses import BlendedLoss
from training.train import build_model, read_config


def measure(model_cfg: dict, size: int, batch: int, steps: int, warmup: int = 1, channels_last: bool = False,
            clock: Callable[[], float] = time.perf_counter) -> float:
    """Images per second of ``steps`` SGD steps after ``warmup`` (``channels_last``: the model
    and batch in NHWC, as the recipe's ``channels_last`` trains; ``clock``: wall time, or
    ``time.process_time`` for the CPU seconds of all threads, steadier on a busy machine)."""
    cfg = dict(model_cfg)
    cfg["pretrained_backbone"] = None  # timing does not need ImageNet weights
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    model = build_model(cfg).to(memory_format=memory_format).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    loss_fn = BlendedLoss()
    x = torch.rand(batch, 3, size, size).contiguous(memory_format=memory_format)
    y = torch.rand(batch, 1, size, size)
    for i in range(warmup + steps):
        if i == warmup:
            start = clock()
        loss, _ = loss_fn(model(x), y, epoch=1)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return batch * steps / (clock() - start)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", type=Path, nargs="+", required=True)
    p.add_argument("--size", type=int, default=512)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--steps", type=int, default=3)
    args = p.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, crop {args.size}, batch {args.batch}")
    for path in args.config:
        cfg = read_config(path)
        ips = measure(cfg["model"], args.size, args.batch, args.steps)
        print(f"{path.name:40s} {cfg['model']['backbone']:20s} {ips:7.2f} images/s")


if __name__ == "__main__":
    main()

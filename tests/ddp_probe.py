"""Run under torchrun by test_train: trains a tiny config with DDP on gloo and saves each rank's
final weights, to check that all ranks hold identical weights."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

from training.train import build_model, train


def main() -> None:
    cfg = json.loads(Path(sys.argv[1]).read_text())
    out = Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    result = train(cfg, out / "run")
    state = {k: v.detach().clone() for k, v in result.model.state_dict().items()}
    torch.save(state, out / f"rank{result.rank}.pt")
    if result.rank == 0:  # rank 0's initial weights, which DDP broadcast to every rank
        torch.manual_seed(cfg["recipe"]["seed"])
        torch.save(build_model(cfg["model"]).state_dict(), out / "rank0_initial.pt")


if __name__ == "__main__":
    main()

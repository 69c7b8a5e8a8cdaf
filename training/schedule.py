"""The "poly" learning-rate policy (Liu et al., ParseNet): lr = base * (1 - it / max_it) ** 0.9,
stepped once per iteration; torch's PolynomialLR is exactly that and stays at 0 after max_it."""
from __future__ import annotations

from torch.optim import Optimizer
from torch.optim.lr_scheduler import PolynomialLR


def poly_lr(base: float, it: int, max_it: int, power: float = 0.9) -> float:
    return base * (1.0 - min(it, max_it) / max_it) ** power


def poly_scheduler(optimizer: Optimizer, total_iters: int, power: float = 0.9) -> PolynomialLR:
    return PolynomialLR(optimizer, total_iters=total_iters, power=power)

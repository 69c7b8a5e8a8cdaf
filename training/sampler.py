"""A resumable, distributed epoch sampler.

The order of epoch ``e`` is a permutation drawn from ``seed + e`` alone and split across ranks
like ``DistributedSampler``; ``start`` skips the batches a resumed run has already seen, so a
resumed run sees exactly the data an uninterrupted one would have.
"""
from __future__ import annotations

from typing import Iterator

import torch
from torch.utils.data import Sampler


class EpochSampler(Sampler[int]):
    def __init__(self, length: int, seed: int, rank: int = 0, world_size: int = 1):
        self.length, self.seed, self.rank, self.world_size = length, seed, rank, world_size
        self.per_rank = length // world_size
        self.epoch = 0
        self.start = 0

    def set_epoch(self, epoch: int, start: int = 0) -> None:
        """Select epoch ``epoch`` and skip its first ``start`` samples of this rank."""
        self.epoch, self.start = epoch, start

    def __iter__(self) -> Iterator[int]:
        g = torch.Generator().manual_seed(self.seed + self.epoch)
        order = torch.randperm(self.length, generator=g)[: self.per_rank * self.world_size]
        mine = order[self.rank :: self.world_size].tolist()
        return iter(mine[self.start :])

    def __len__(self) -> int:
        return self.per_rank - self.start

"""Training data: DIM composition (compose.py), readers for the layouts users have
(readers.py), augmentation (augment.py), the training dataset (dataset.py), pseudo-alphas from
trimaps and masks (pseudo_alpha.py) and the reproducible preparation of ../shared/data
(prepare.py).

``build_dataset(data_cfg, length, seed)`` is what the training loop calls.
"""
from .dataset import DataConfig, MattingDataset, build_dataset

__all__ = ["DataConfig", "MattingDataset", "build_dataset"]

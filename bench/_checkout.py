"""Puts the checkout on ``sys.path`` so ``python bench/NAME.py`` runs from a clone without
installing the package (imported first by every bench script)."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def dev_set_parser(doc: str | None):
    """An argument parser with the options every dev-set bench takes: ``--images``, ``--alphas``
    (the dev set written by ``python -m training.data.prepare``), ``--model`` and ``--limit``."""
    import argparse

    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--images", type=Path, default=Path("build/data/dev/image"))
    p.add_argument("--alphas", type=Path, default=Path("build/data/dev/alpha"))
    p.add_argument("--model", type=Path, default=None, help="model file (default: the installed one)")
    p.add_argument("--limit", type=int, default=0, help="only N images (0: all)")
    return p

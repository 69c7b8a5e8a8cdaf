"""Puts the checkout on ``sys.path`` so ``python bench/NAME.py`` runs from a clone without
installing the package (imported first by every bench script)."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

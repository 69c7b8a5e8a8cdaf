"""What the dev-set benches share: which source a dev image comes from, one prediction per image
scored several ways, and the per-source Markdown table."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Callable

import numpy as np
from tqdm import tqdm

from matting.evaluation import EvalPair, score
from matting.imageio import load_image

# The base dev set (training.data.prepare) names no sources: they follow from the stems.
BASE_SOURCES = ("portraits", "animal composites", "pets", "horses")
# Dev v2's subject groups: the sources each one gathers (``sources.json`` names, or the above).
GROUPS = {
    "people": ("portraits", "people_ccp", "davis_people"),
    "animals": ("animal composites", "pets", "horses", "davis_animals"),
    "plants": ("plants",),
    "objects and vehicles": ("davis_vehicles",),
}


def base_source(name: str) -> str:
    """A base dev image's source, from its stem (see training.data.prepare)."""
    if name.startswith("p3m"):
        return "portraits"
    if name.startswith(("am2k", "gfm")):
        return "animal composites"
    if name.startswith("horse"):
        return "horses"
    return "pets"


def run_settings(engine) -> str:
    """How an engine runs its network: "bf16, flip", "fp32"."""
    return engine.model_info["precision"] + (", flip" if engine.flip else "")


def engine_label(engine, refine: bool | None = None) -> str:
    """"MSIA 0.3.2 + refiner (bf16, flip)": the model's version and how the engine runs it
    (``refine`` overrides the engine's own setting, as ``predict(refine=...)`` does)."""
    info = engine.model_info
    refined = engine.refine if refine is None else refine and engine.has_refiner
    part = " + refiner" if refined else " network alone" if engine.has_refiner else ""
    return f"MSIA {info['version']}{part} ({run_settings(engine)})"


# prepare's source names shown under the names the tables use
LABELS = {"pseudo_gt_portrait": "portraits", "pseudo_gt_animal": "animal composites"}


def read_sources(*image_folders: Path) -> Callable[[str], str]:
    """A dev image's source by name: ``sources.json`` beside each ``image/`` folder (written by
    ``training.data.prepare``), else the base set's stem rule (sets prepared before it wrote one)."""
    named: dict[str, str] = {}
    for images in image_folders:
        path = Path(images).parent / "sources.json"
        if path.is_file():
            named.update(json.loads(path.read_text()))

    def source(name: str) -> str:
        found = named.get(name) or base_source(name)
        return LABELS.get(found, found)

    return source


def score_each(predict: Callable[[np.ndarray], np.ndarray], sets: dict[str, list[EvalPair]], name: str) -> dict[str, list[dict]]:
    """Run ``predict`` once per image (after an untimed warm-up) and score the prediction against
    every set's pair of that index (``sets`` are parallel lists: whole image, band, ...)."""
    keys = list(sets)
    first = sets[keys[0]]
    predict(load_image(first[0].image).rgb)
    rows: dict[str, list[dict]] = {k: [] for k in keys}
    for i, pair in enumerate(tqdm(first, desc=name[:30], unit="img")):
        rgb = load_image(pair.image).rgb
        start = time.perf_counter()
        pred = predict(rgb)
        seconds = time.perf_counter() - start
        for k in keys:
            rows[k].append(score(sets[k][i], pred, seconds))
    return rows


def table(results: dict[str, list[dict]], sources: Callable[[str], str], order: tuple[str, ...], label: str) -> str:
    """Markdown: one row per (model, source) with SAD, MSE, Gradient, Connectivity, s/img;
    ``results`` maps a model's name to its rows, ``order`` lists the sources (or groups) to show
    after "all", ``sources`` gives a row's source (or group) from the image name."""
    lines = [f"| model ({label}) | source | n | SAD | MSE | Gradient | Connectivity | s/img |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for model, rows in results.items():
        for source in ("all",) + tuple(order):
            sel = [r for r in rows if source == "all" or sources(r["name"]) == source]
            if not sel:
                continue
            m = {k: float(np.mean([r[k] for r in sel])) for k in ("sad", "mse", "grad", "conn", "seconds")}
            lines.append(f"| {model} | {source} | {len(sel)} | {m['sad']:.2f} | {m['mse']:.4f} | {m['grad']:.2f} | "
                         f"{m['conn']:.2f} | {m['seconds']:.3f} |")
    return "\n".join(lines)

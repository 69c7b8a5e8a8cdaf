"""Strokes the network listens to: the strokes file, the click protocol, the guidance stem's
zero start, and the engine's refusal of strokes for a model that cannot take them."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from skimage import data

from matting.engine import MattingEngine
from matting.guidance import Strokes, click_radius, read_strokes, simulate_click, write_strokes
from matting.network import build_from_config
from matting.weights import load_model, save_model
from training.train import load_init


def test_strokes_file_round_trip(tmp_path) -> None:
    strokes = Strokes.empty(60, 80)
    strokes.add_click(20, 30, True, radius=5)
    strokes.add_click(45, 70, False, radius=4)
    path = write_strokes(tmp_path / "s.png", strokes)
    back = read_strokes(path, (60, 80))
    assert np.array_equal(back.subject, strokes.subject) and np.array_equal(back.background, strokes.background)
    assert back.subject[20, 30] and back.background[45, 70] and not back.subject[45, 70]
    bigger = read_strokes(path, (120, 160))  # a file of another size is scaled to the photo
    assert bigger.subject[40, 60] and bigger.background[90, 140]


def test_a_newer_click_overrides_an_older_one_and_thin_strokes_survive_the_downscale() -> None:
    strokes = Strokes.empty(400, 400)
    strokes.add_click(100, 100, True, radius=10)
    strokes.add_click(100, 100, False, radius=3)
    assert strokes.background[100, 100] and not strokes.subject[100, 100] and strokes.subject[100, 108]
    strokes.subject[300, 10:390] = True  # a one-pixel line
    maps = strokes.maps(50, 50)
    assert maps.shape == (2, 50, 50) and maps[0, 37, 2:48].all()


def test_simulated_click_goes_deep_into_the_largest_wrong_region() -> None:
    truth = np.zeros((100, 100), np.float32)
    truth[10:90, 10:90] = 1
    pred = truth.copy()
    pred[20:60, 20:60] = 0  # a 40 px hole: missed subject
    pred[0:5, 95:100] = 1  # a small kept corner
    y, x, positive = simulate_click(pred, truth)
    assert positive and 35 <= y <= 44 and 35 <= x <= 44
    assert simulate_click(truth, truth) is None
    assert simulate_click(pred, truth, min_depth=30) is None
    assert click_radius((4000, 6000)) == 90


def test_guidance_starts_at_zero_so_the_matte_is_unchanged(shipped_model_path, tmp_path) -> None:
    """A model without guidance (the shipped network with its guidance convs dropped) that gains
    them (training's ``load_init``) predicts exactly what it did, with or without strokes, until it
    is trained; the engine refuses strokes for the model without them."""
    shipped, meta = load_model(shipped_model_path)
    info = {k: v for k, v in meta.items() if k != "config"}
    plain_net = build_from_config(replace(shipped.config, guidance=False))
    plain_net.load_state_dict({k: v for k, v in shipped.state_dict().items() if not k.startswith("guidance.")})
    plain_path = save_model(plain_net, tmp_path / "plain.safetensors", info)
    guided = build_from_config(replace(shipped.config, guidance=True))
    load_init(guided, plain_path)
    assert all(torch.count_nonzero(p) == 0 for p in guided.guidance.parameters())
    path = save_model(guided, tmp_path / "guided.safetensors", info)
    rgb = data.chelsea()
    plain = MattingEngine(plain_path, device="cpu", max_side=160)
    engine = MattingEngine(path, device="cpu", max_side=160)
    strokes = Strokes.empty(*rgb.shape[:2])
    strokes.add_click(150, 200, True)
    assert engine.takes_strokes and not plain.takes_strokes
    a, b = plain.predict(rgb), engine.predict(rgb, guidance=strokes)
    assert np.abs(a - b).max() < 2e-3  # half-precision files
    with pytest.raises(ValueError, match="does not take strokes"):
        plain.predict(rgb, guidance=strokes)
    with pytest.raises(ValueError, match="strokes of size"):
        engine.predict(rgb, guidance=Strokes.empty(10, 10))


def test_the_shipped_model_listens_to_a_click_and_is_unchanged_without_one(shipped_model_path) -> None:
    """The shipped model takes strokes: a subject click on the chair behind the cat (background in
    the automatic matte) raises the alpha there, while empty strokes give the automatic matte to
    the bit."""
    engine = MattingEngine(shipped_model_path, device="cpu", max_side=256)
    rgb = data.chelsea()
    auto = engine.predict(rgb)
    assert engine.takes_strokes
    assert np.array_equal(engine.predict(rgb, guidance=Strokes.empty(*rgb.shape[:2])), auto)
    y, x = np.unravel_index(int(np.argmin(np.where(np.arange(rgb.shape[1]) < 80, auto, 9.0))), auto.shape)
    strokes = Strokes.empty(*rgb.shape[:2])
    strokes.add_click(y, x, True)
    clicked = engine.predict(rgb, guidance=strokes)
    near = (slice(max(0, y - 5), y + 6), slice(max(0, x - 5), x + 6))
    print("alpha at the click", float(auto[near].mean()), "->", float(clicked[near].mean()))
    assert clicked[near].mean() > auto[near].mean() + 0.2

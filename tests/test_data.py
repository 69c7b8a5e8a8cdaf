"""Training data on tiny folders the tests make: DIM composition, readers for each layout,
the dataset's augmentation, pseudo-alphas, and the preparation step end to end."""
from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from training.data import DataConfig, MattingDataset, build_dataset
from training.data.augment import crop_window, random_crop_resize
from training.data.compose import composite, fit_background
from training.data.pseudo_alpha import trimap_from_labels, review, trimap_from_mask
from training.data.readers import (DatasetLayoutError, read_backgrounds, read_composition1k,
                                   read_distinctions646, read_images_alphas)


def write(path: Path, array: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), array)
    return path


def blob_alpha(h: int = 48, w: int = 64) -> np.ndarray:
    a = np.zeros((h, w), np.uint8)
    cv2.circle(a, (w // 2, h // 2), min(h, w) // 3, 255, -1)
    return cv2.GaussianBlur(a, (0, 0), 2)


def test_composite_rounds_by_default_and_truncates_on_request() -> None:
    fg = np.full((1, 2, 3), 200, np.uint8)
    bg = np.full((1, 2, 3), 101, np.uint8)
    alpha = np.array([[128, 255]], np.uint8)  # 128/255 * 200 + 127/255 * 101 = 150.70...
    assert composite(fg, alpha, bg)[0, 0, 0] == 151
    assert composite(fg, alpha, bg, rounding="truncate")[0, 0, 0] == 150
    assert composite(fg, alpha, bg)[0, 1, 0] == 200


def test_background_is_only_upscaled_then_top_left_cropped() -> None:
    bg = np.arange(4 * 6 * 3, dtype=np.uint8).reshape(4, 6, 3)
    assert np.array_equal(fit_background(bg, 2, 3), bg[:2, :3])  # big enough: crop, no resize
    up = fit_background(bg, 8, 6)  # ratio max(6/6, 8/4) = 2
    assert up.shape == (8, 6, 3)


def test_readers_for_each_layout_and_mismatch_named(tmp_path) -> None:
    a = blob_alpha()
    rgb = np.full(a.shape + (3,), 90, np.uint8)
    for stem in ("x", "y"):
        write(tmp_path / "c1k/fg" / f"{stem}.png", rgb)
        write(tmp_path / "c1k/alpha" / f"{stem}.png", a)
        write(tmp_path / "d646/FG" / f"{stem}.png", rgb)
        write(tmp_path / "d646/GT" / f"{stem}.png", a)
        write(tmp_path / "plain/images" / f"{stem}.jpg", rgb)
        write(tmp_path / "plain/alphas" / f"{stem}.png", a)
    assert [p.fg.stem for p in read_composition1k(tmp_path / "c1k")] == ["x", "y"]
    assert len(read_distinctions646(tmp_path / "d646")) == 2
    pairs = read_images_alphas(tmp_path / "plain/images", tmp_path / "plain/alphas", tmp_path / "cache")
    assert all(p.fg.is_file() for p in pairs)  # foreground estimated once and cached
    write(tmp_path / "c1k/fg/z.png", rgb)
    with pytest.raises(DatasetLayoutError, match=r"z: no matching file"):
        read_composition1k(tmp_path / "c1k")
    write(tmp_path / "bgs/b1.jpg", rgb)
    (tmp_path / "list.txt").write_text(f"{tmp_path / 'bgs/b1.jpg'}\n{tmp_path / 'bgs/missing.jpg'}\n")
    with pytest.raises(DatasetLayoutError, match="missing.jpg"):
        read_backgrounds(tmp_path / "list.txt")


@pytest.fixture()
def tiny_set(tmp_path):
    a = blob_alpha(80, 100)
    rng = np.random.default_rng(0)
    for stem in ("s1", "s2", "s3"):
        write(tmp_path / "d/FG" / f"{stem}.png", rng.integers(0, 255, a.shape + (3,), dtype=np.uint8))
        write(tmp_path / "d/GT" / f"{stem}.png", a)
    for i in range(3):
        write(tmp_path / "bg" / f"b{i}.jpg", rng.integers(0, 255, (60, 70, 3), dtype=np.uint8))
    return {"layout": "distinctions646", "roots": [str(tmp_path / "d")], "backgrounds": str(tmp_path / "bg"),
            "crop_sizes": [48, 64], "out_size": 32, "second_subject_prob": 0.5}


def test_dataset_shapes_ranges_and_determinism(tiny_set) -> None:
    ds = build_dataset(tiny_set, length=6, seed=3)
    item = ds[2]
    assert item["image"].shape == (3, 32, 32) and item["alpha"].shape == (1, 32, 32)
    assert item["image"].dtype == torch.float32 and 0 <= float(item["image"].min()) and float(item["image"].max()) <= 1
    assert torch.equal(ds[2]["image"], build_dataset(tiny_set, length=6, seed=3)[2]["image"])
    ds.set_epoch(1)
    assert not torch.equal(ds[2]["image"], item["image"])  # a new background and crop each epoch


def test_crop_is_centred_on_the_unknown_region() -> None:
    alpha = np.zeros((200, 200), np.uint8)
    alpha[150:, 150:] = 255
    alpha[148:150, 150:] = 128  # the only soft pixels
    rng = np.random.default_rng(0)
    for _ in range(10):
        y, x = crop_window(alpha, 40, rng, p_center_unknown=1.0)
        assert y <= 149 < y + 40


def test_whole_view_is_the_largest_square() -> None:
    """``p_whole = 1``: a 200x300 subject is seen whole in height, not as a 40 px part of it."""
    alpha = np.zeros((200, 300), np.uint8)
    alpha[20:180, 120:180] = 255  # a subject 160 px tall
    image = np.dstack([alpha] * 3)
    rng = np.random.default_rng(0)
    for _ in range(5):
        _, a = random_crop_resize(image, alpha, (40,), 50, rng, p_center_unknown=0.0, flip=False, p_whole=1.0)
        rows = np.nonzero(a.max(axis=1) > 127)[0]
        assert a.shape == (50, 50) and 38 <= rows.max() - rows.min() + 1 <= 42  # 160/200 of 50 px


def test_two_subjects_union_alpha(tiny_set) -> None:
    cfg = DataConfig.from_dict({**tiny_set, "second_subject_prob": 1.0, "composite_prob": 1.0})
    from training.data.dataset import read_pairs

    ds = MattingDataset(read_pairs(cfg), read_backgrounds(cfg.backgrounds), cfg, 4, seed=0)
    image, alpha = ds._composite(ds.pairs[0], np.random.default_rng(1))
    single = cv2.imread(str(ds.pairs[0].alpha), cv2.IMREAD_GRAYSCALE)
    assert (alpha >= single).all() and (alpha > single).any()


def test_pseudo_alpha_helpers() -> None:
    mask = np.zeros((100, 100), np.uint8)
    mask[20:80, 20:80] = 255
    tri = trimap_from_mask(mask, band_fraction=0.03)
    assert tri[50, 50] == 255 and tri[0, 0] == 0 and tri[20, 50] == 128
    assert set(np.unique(trimap_from_labels(np.array([[1, 2, 3]], np.uint8)))) == {255, 0, 128}
    assert review(np.zeros((10, 10), np.float32))[0].startswith("alpha mean")


def subject_photo(rng: np.random.Generator, h: int = 60, w: int = 80) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A dark noisy photo with a yellow block, its trimap and its mask."""
    photo = rng.integers(0, 80, (h, w, 3), dtype=np.uint8)
    photo[15:45, 20:60] = (200, 180, 40)
    tri = np.zeros((h, w), np.uint8)
    tri[15:45, 20:60] = 128
    tri[19:41, 24:56] = 255
    mask = np.zeros((h, w), np.uint8)
    mask[15:45, 20:60] = 255
    return photo, tri, mask


def test_prepare_end_to_end_on_a_tiny_shared_folder(tmp_path) -> None:
    from training.data.prepare import main as prepare

    shared = tmp_path / "shared"
    rng = np.random.default_rng(0)
    (h, w), (photo, tri, mask) = (60, 80), subject_photo(rng)
    for stem in ("Abyssinian_1", "Abyssinian_2"):
        write(shared / "masks/oxford_pets/images" / f"{stem}.jpg", photo)
        write(shared / "masks/oxford_pets/masks" / f"{stem}.png", tri)
    write(shared / "masks/weizmann_horse/images/horse001.jpg", photo)
    write(shared / "masks/weizmann_horse/masks/horse001.png", mask)
    write(shared / "pseudo_gt/images/p3m_a.jpg", photo)
    write(shared / "pseudo_gt/alphas/p3m_a.png", cv2.GaussianBlur(mask, (0, 0), 1))
    (shared / "photos/images").mkdir(parents=True)
    (shared / "photos/trimaps").mkdir(parents=True)
    for i in range(2):
        write(shared / f"backgrounds/bsds500/test_{i}.jpg", rng.integers(0, 255, (50, 50, 3), dtype=np.uint8))
    assert prepare(["--shared", str(shared), "--out", str(tmp_path / "out"), "--workers", "1"]) == 0
    index = json.loads((tmp_path / "out/index.json").read_text())
    assert {p["source"] for p in index["pairs"]} == {"pets", "horses", "pseudo_gt_portrait"}
    for rec in index["pairs"]:
        alpha = cv2.imread(rec["alpha"], cv2.IMREAD_GRAYSCALE)
        assert alpha.shape == (h, w) and alpha[30, 40] > 200 and alpha[2, 2] < 30
    assert {p["split"] for p in index["pairs"]} == {"dev"}  # so few files: all held out
    assert len(list((tmp_path / "out/dev/image").iterdir())) == index["dev_images"] > 0
    assert (tmp_path / "out/contact_pets.png").is_file()


def test_offline_composer_writes_a_composition1k_style_set(tmp_path) -> None:
    from training.data.compose_set import compose_set

    a = blob_alpha(30, 40)
    fg = np.full(a.shape + (3,), 250, np.uint8)
    for stem in ("f1", "f2"):
        write(tmp_path / "fg" / f"{stem}.png", fg)
        write(tmp_path / "alpha" / f"{stem}.png", a)
    for i in range(3):
        write(tmp_path / "bg" / f"b{i}.png", np.full((20, 20, 3), 10 * i, np.uint8))  # smaller: upscaled
    assert compose_set(tmp_path / "fg", tmp_path / "alpha", tmp_path / "bg", 2, tmp_path / "out", "truncate") == 4
    merged = sorted(p.name for p in (tmp_path / "out/merged").iterdir())
    assert merged == ["f1_0.png", "f1_1.png", "f2_0.png", "f2_1.png"]
    img = cv2.imread(str(tmp_path / "out/merged/f1_1.png"))
    assert img.shape == (30, 40, 3) and img[15, 20, 0] == 250 and img[0, 0, 0] == 10  # background 1
    assert compose_set(tmp_path / "fg", tmp_path / "alpha", tmp_path / "bg", 2, tmp_path / "out") == 0  # resume


def test_prepare_more_sources_holds_out_whole_sequences(tmp_path) -> None:
    """People, DAVIS frames and flowers go to their own root; a DAVIS sequence is never split
    between dev and train; sources.json names every dev image's source."""
    from training.data.prepare import main as prepare

    shared = tmp_path / "shared"
    rng = np.random.default_rng(0)
    photo, tri, mask = subject_photo(rng)
    write(shared / "masks/ccp_person/images/0001.jpg", photo)
    write(shared / "masks/ccp_person/masks/0001.png", mask)
    for sequence in ("dog", "camel", "cows"):
        for frame in ("00000", "00008"):
            write(shared / f"masks/davis2016/images/{sequence}_{frame}.jpg", photo)
            write(shared / f"masks/davis2016/masks/{sequence}_{frame}.png", mask)
    write(shared / "masks/oxford17_flowers/images/image_0001.jpg", photo)
    write(shared / "masks/oxford17_flowers/trimaps/image_0001.png", tri)
    write(shared / "backgrounds/bsds500/test_0.jpg", rng.integers(0, 255, (50, 50, 3), dtype=np.uint8))
    out = tmp_path / "more"
    assert prepare(["--shared", str(shared), "--out", str(out), "--workers", "1", "--sources", "more"]) == 0
    pairs = json.loads((out / "index.json").read_text())["pairs"]
    assert {p["source"] for p in pairs} == {"people_ccp", "davis_animals", "plants"}
    splits = {}
    for p in (p for p in pairs if p["source"] == "davis_animals"):
        splits.setdefault(p["group"], set()).add(p["split"])
    assert all(len(s) == 1 for s in splits.values())  # whole sequences
    assert sorted(s.pop() for s in splits.values()) == ["dev", "dev", "train"]  # 2 of 3 held out
    sources = json.loads((out / "dev/sources.json").read_text())
    assert sources["ccp_0001"] == "people_ccp" and sources["flower_image_0001"] == "plants"
    assert sorted(p.stem for p in (out / "dev/image").iterdir()) == sorted(sources)

"""What 0.3.0's data adds: photo degradations, subjects far away, sources drawn by share, small
subjects kept by the review, and a dev set spread over several folders."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from matting.imageio import read_rgb8
from matting.resources import sample_path
from training.data import DataConfig, MattingDataset
from training.data.augment import head_crop
from training.data.dataset import draw_weights, paste, read_pairs
from training.data.degrade import DegradeConfig, degrade, exposure, jpeg, noise, resize_round_trip, white_balance
from training.data.pseudo_alpha import review
from training.data.readers import Pair, read_backgrounds
from training.devset import DevSet


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    rgb = read_rgb8(sample_path("chelsea.jpg"))
    return cv2.resize(rgb, (256, round(256 * rgb.shape[0] / rgb.shape[1])), interpolation=cv2.INTER_AREA)


def detail(image: np.ndarray) -> float:
    """Mean absolute Laplacian: the fine detail left in an image."""
    return float(np.abs(cv2.Laplacian(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32), cv2.CV_32F)).mean())


def test_each_degradation_changes_the_photo_as_named(photo) -> None:
    rng = np.random.default_rng(0)
    assert exposure(photo, 1.4, 1.0).mean() > photo.mean() + 10
    assert exposure(photo, 0.6, 1.0).mean() < photo.mean() - 10
    warm = white_balance(photo, np.array([1.1, 1.0, 0.9]))
    assert warm[..., 0].mean() > photo[..., 0].mean() and warm[..., 2].mean() < photo[..., 2].mean()
    assert detail(resize_round_trip(photo, 0.4)) < 0.7 * detail(photo)
    noisy = noise(photo, 6.0, rng)
    assert 4.0 < float(np.std(noisy.astype(np.float32) - photo)) < 7.0  # clipping trims a little
    q30, q95 = jpeg(photo, 30), jpeg(photo, 95)
    err = [float(np.abs(x.astype(np.float32) - photo).mean()) for x in (q30, q95)]
    assert err[0] > 2 * err[1] > 0


def test_degrade_is_off_by_default_and_seeded(photo) -> None:
    assert degrade(photo, DegradeConfig(), np.random.default_rng(0)) is photo
    cfg = DegradeConfig.from_dict({"p_noise": 1.0, "p_jpeg": 1.0, "p_exposure": 0.5})
    a = degrade(photo, cfg, np.random.default_rng(5))
    assert np.array_equal(a, degrade(photo, cfg, np.random.default_rng(5)))
    assert a.shape == photo.shape and a.dtype == np.uint8 and not np.array_equal(a, photo)
    with pytest.raises(ValueError, match="p_nois"):
        DegradeConfig.from_dict({"p_nois": 1.0})


def test_paste_puts_a_small_subject_anywhere_with_its_alpha(photo) -> None:
    h, w = photo.shape[:2]
    subject = np.zeros((100, 100), np.uint8)
    subject[20:80, 30:70] = 255
    fg = np.full((100, 100, 3), (250, 0, 0), np.uint8)
    image, alpha = paste(photo, np.zeros((h, w), np.uint8), fg, subject, 0.25, np.random.default_rng(2))
    ys, xs = np.nonzero(alpha > 127)
    side = min(h, w) * 0.25  # the subject's 100 px box scaled to a quarter of the frame
    assert abs((ys.max() - ys.min() + 1) - 0.6 * side) <= 2 and abs((xs.max() - xs.min() + 1) - 0.4 * side) <= 2
    inside = alpha == 255
    assert (image[inside] == (250, 0, 0)).all() and np.array_equal(image[alpha == 0], photo[alpha == 0])


def test_head_crop_is_a_square_round_the_top_of_the_subject(photo) -> None:
    """A standing figure (head disc over a body box) in a real photo: the crop is a square of a
    third to three fifths of its height, holding the whole head, the feet left out."""
    h, w = photo.shape[:2]
    alpha = np.zeros((h, w), np.uint8)
    cv2.circle(alpha, (130, 40), 14, 255, -1)  # head: rows 26-54
    alpha[54:160, 105:155] = 255  # body down to row 159: height 134
    for seed in range(20):
        image, a = head_crop(photo, alpha, np.random.default_rng(seed))
        side = a.shape[0]
        assert a.shape == image.shape[:2] and side == a.shape[1] and 0.33 * 134 - 1 <= side <= 0.6 * 134
        assert (a == 255).sum() > 0 and (a[0] == 0).all()  # the head's top is inside, below the crop's top edge
        assert (a > 0).sum() >= (alpha[26:55] > 0).sum()  # the whole head
    empty = np.zeros((h, w), np.uint8)
    assert head_crop(photo, empty, np.random.default_rng(0))[0] is photo


def test_source_shares_draw_each_source_by_its_share_not_its_size() -> None:
    sources = ["big"] * 900 + ["small"] * 100 + ["unnamed"] * 50
    cfg = DataConfig.from_dict({"source_shares": {"big": 0.5, "small": 0.5}})
    w = draw_weights(sources, cfg)
    assert w[:900].sum() == pytest.approx(0.5) and w[900:1000].sum() == pytest.approx(0.5) and w[1000:].sum() == 0
    by_weight = draw_weights(sources, DataConfig.from_dict({"source_weights": {"small": 9.0}}))
    assert by_weight[900] == pytest.approx(9 * by_weight[0])
    with pytest.raises(ValueError, match="name none"):
        draw_weights(sources, DataConfig.from_dict({"source_shares": {"other": 1.0}}))


def sample_dataset(tmp_path: Path, **options) -> MattingDataset:
    """Four items of the shipped sample photos as foregrounds (an ellipse alpha), over their own
    mirrored copies as backgrounds, with ``options`` over the plain settings."""
    alpha = np.zeros((120, 160), np.uint8)
    cv2.ellipse(alpha, (80, 60), (40, 50), 0, 0, 360, 255, -1)
    for i, path in enumerate(sample_path(n) for n in ("chelsea.jpg", "coffee.jpg")):
        rgb = cv2.resize(read_rgb8(path), (160, 120), interpolation=cv2.INTER_AREA)
        (tmp_path / "d/FG").mkdir(parents=True, exist_ok=True)
        (tmp_path / "d/GT").mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(tmp_path / f"d/FG/s{i}.png"), rgb[..., ::-1])
        cv2.imwrite(str(tmp_path / f"d/GT/s{i}.png"), alpha)
        cv2.imwrite(str(tmp_path / f"bg{i}.jpg"), rgb[::-1, ::-1, ::-1])
    cfg = DataConfig.from_dict({"layout": "distinctions646", "roots": [str(tmp_path / "d")], "backgrounds": str(tmp_path),
                                "background_pattern": "bg*", "crop_sizes": [96], "out_size": 64, "composite_prob": 1.0,
                                "second_subject_prob": 0.0, "p_whole": 1.0, **options})
    return MattingDataset(read_pairs(cfg), read_backgrounds(str(tmp_path), "bg*"), cfg, 4, seed=1)


def test_dataset_items_with_small_subjects_and_degradations(tmp_path) -> None:
    """Real sample photos as foregrounds: items are made, seeded, and differ from clean ones."""
    clean = sample_dataset(tmp_path)
    real = sample_dataset(tmp_path, small_subject_prob=1.0, small_subject_scale=[0.3, 0.3], degrade={"p_noise": 1.0})
    for i in range(4):
        a_clean, a_small = clean[i]["alpha"], real[i]["alpha"]
        assert float(a_small.mean()) < 0.5 * float(a_clean.mean())  # the subject is far away
    assert np.array_equal(real[3]["image"].numpy(), real[3]["image"].numpy())


def test_whole_image_colour_jitter_changes_colours_not_the_alpha(tmp_path) -> None:
    clean = sample_dataset(tmp_path, colour_jitter_prob=0.0)
    jittered = sample_dataset(tmp_path, colour_jitter_prob=0.0, image_jitter_prob=1.0)
    for i in range(4):
        a, b = clean[i], jittered[i]
        assert np.array_equal(a["alpha"].numpy(), b["alpha"].numpy())
        outside = (a["alpha"][0] == 0).numpy()  # the background changes colour too, not only the subject
        assert np.abs(a["image"].numpy()[:, outside] - b["image"].numpy()[:, outside]).mean() > 0.02


def test_distractor_photos_stay_background_behind_a_full_size_subject(tmp_path) -> None:
    """A green photo whose own subject is a cow (its pair's alpha): with distractor_prob 1 every
    full-size composite of the cat shows green where its alpha is 0, and the cow never enters the
    alpha; small subjects keep the ordinary backgrounds."""
    base = sample_dataset(tmp_path)
    green = np.zeros((120, 160, 3), np.uint8)
    green[..., 1] = 255
    unit_green = np.array([[0.0], [1.0], [0.0]])  # per channel, as the items hold images
    cv2.imwrite(str(tmp_path / "cow_0.png"), green[..., ::-1])
    cv2.imwrite(str(tmp_path / "cow_0_alpha.png"), np.full((120, 160), 255, np.uint8))
    cow = Pair(tmp_path / "cow_0_alpha.png", tmp_path / "cow_0.png", tmp_path / "cow_0.png", "cows")
    cat = next(p for p in base.pairs if p.alpha.stem == "s0")
    cat = Pair(cat.alpha, cat.fg, None, "cats")

    def items(**options) -> list[dict]:
        cfg = DataConfig.from_dict({**base.cfg.__dict__, "source_shares": {"cats": 1.0},
                                    "distractor_groups": ["cow"], **options})
        ds = MattingDataset([cat, cow], base.backgrounds, cfg, 6, seed=2)
        return [ds[i] for i in range(len(ds))]

    for item in items(distractor_prob=1.0):
        image, alpha = item["image"].numpy(), item["alpha"][0].numpy()
        assert 0.05 < alpha.mean() < 0.95  # the cat's ellipse, never the all-white cow
        assert (image[:, alpha == 0] == unit_green).all()
    for item in items(distractor_prob=1.0, small_subject_prob=1.0):
        image, alpha = item["image"].numpy(), item["alpha"][0].numpy()
        assert not (image[:, alpha == 0] == unit_green).all()
    with pytest.raises(ValueError, match="name no training photo"):
        items(distractor_prob=0.5, distractor_groups=["horse"])


def test_review_keeps_small_subjects_when_asked() -> None:
    alpha = np.zeros((100, 100), np.float32)
    alpha[40:50, 40:50] = 1.0  # 1 % of the frame
    assert review(alpha)[0] is not None
    assert review(alpha, min_mean=0.002)[0] is None


def test_dev_set_from_several_folders_spread_by_limit(tmp_path) -> None:
    def folder(name: str, n: int) -> tuple[str, str]:
        for k in range(n):
            for sub in ("image", "alpha"):
                (tmp_path / name / sub).mkdir(parents=True, exist_ok=True)
                cv2.imwrite(str(tmp_path / name / sub / f"{name}{k}.png"), np.full((8, 8), k, np.uint8))
        return str(tmp_path / name / "image"), str(tmp_path / name / "alpha")

    (i1, a1), (i2, a2) = folder("old", 4), folder("new", 8)
    dev = DevSet.from_config({"images": [i1, i2], "alphas": [a1, a2], "limit": 6})
    names = [s.name for s in dev.samples]
    assert len(names) == 6 and any(n.startswith("old") for n in names) and any(n.startswith("new") for n in names)
    assert len(DevSet.from_config({"images": [i1, i2], "alphas": [a1, a2]}).samples) == 12
    assert DevSet.from_config({"images": str(Path(i1)), "alphas": a1}).samples[0].name == "old0"
    with pytest.raises(ValueError, match="2 image folders but 1"):
        DevSet.from_config({"images": [i1, i2], "alphas": [a1]})

"""SAD, MSE, Gradient and Connectivity on small hand-checked cases."""
from __future__ import annotations

import numpy as np
import pytest

from matting.metrics import (
    connectivity_error,
    evaluate_all,
    gauss_derivative_kernel,
    gradient_error,
    mse,
    sad,
)


def test_sad_and_mse_by_hand() -> None:
    pred = np.array([[0.0, 0.5], [1.0, 0.25]])
    gt = np.array([[0.0, 1.0], [0.5, 0.25]])
    assert sad(pred, gt) == pytest.approx(1.0 / 1000)  # |0| + |-.5| + |.5| + 0
    assert mse(pred, gt) == pytest.approx((0.25 + 0.25) / 4)


def test_uint8_is_scaled_by_255() -> None:
    pred = np.array([[255, 0]], np.uint8)
    gt = np.array([[0, 0]], np.uint8)
    assert sad(pred, gt) == pytest.approx(1.0 / 1000)
    assert mse(pred, gt) == pytest.approx(0.5)


def test_uint16_is_scaled_by_65535() -> None:
    pred = np.array([[65535, 0, 32768]], np.uint16)
    gt = np.array([[0, 0, 32768]], np.uint16)
    assert sad(pred, gt) == pytest.approx(1.0 / 1000)
    assert mse(pred, gt) == pytest.approx(1.0 / 3)


def test_trimap_counts_unknown_only_and_forces_definite_pixels() -> None:
    pred = np.array([[0.2, 0.7, 0.4]])
    gt = np.array([[0.0, 1.0, 0.5]])
    trimap = np.array([[0, 255, 128]], np.uint8)
    assert sad(pred, gt, trimap) == pytest.approx(0.1 / 1000)
    assert mse(pred, gt, trimap) == pytest.approx(0.01)
    # Forcing matters for gradient and connectivity, which look at neighbours:
    assert gradient_error(pred, gt, trimap) == pytest.approx(
        gradient_error(np.array([[0.0, 1.0, 0.4]]), gt, trimap))


def test_perfect_prediction_scores_zero() -> None:
    rng = np.random.default_rng(0)
    gt = rng.random((20, 24))
    assert evaluate_all(gt, gt) == {"sad": 0.0, "mse": 0.0, "grad": 0.0, "conn": 0.0}


def test_gradient_kernel_matches_matlab_gaussgradient() -> None:
    hx = gauss_derivative_kernel(1.4)
    # halfsize = ceil(1.4 * sqrt(-2 log(sqrt(2 pi) * 1.4 * 0.01))) = ceil(1.4 * 2.588...) = 4
    assert hx.shape == (9, 9)
    assert float((hx**2).sum()) == pytest.approx(1.0)
    assert np.allclose(hx[:, 4], 0) and hx[4, 3] > 0 > hx[4, 5]  # odd in x, derivative along columns
    assert np.allclose(hx, hx[::-1, :])  # even in y


def test_gradient_of_constant_maps_is_zero_and_of_an_edge_is_not() -> None:
    flat = np.full((9, 9), 0.3)
    edge = np.zeros((9, 9))
    edge[:, 5:] = 1.0
    assert gradient_error(flat, np.full((9, 9), 0.7)) == 0.0  # mat2gray of a constant is 0
    assert gradient_error(flat, edge) > 0.0
    # Scaling a map does not change its gradient error (mat2gray normalises by min and max).
    assert gradient_error(edge * 0.5, edge) == pytest.approx(0.0, abs=1e-12)


def test_gradient_of_an_impulse_by_hand() -> None:
    # A single 1 in a field of 0s (mat2gray leaves it as is) against an all-zero truth (gradient
    # 0). Away from the borders the responses are the kernels themselves, so
    # sum |grad|^2 = sum hx^2 + sum hy^2 = 1 + 1 (unit L2 norm): the error is 2 / 1000.
    pred = np.zeros((15, 15))
    pred[7, 7] = 1.0
    assert gradient_error(pred, np.zeros((15, 15))) == pytest.approx(2.0 / 1000)
    # Counting only the unknown pixels of a trimap counts only their share of that sum.
    trimap = np.zeros((15, 15), np.uint8)
    trimap[7, :] = 128
    hx = gauss_derivative_kernel(1.4)
    expected = float((hx[4, :] ** 2).sum() + (hx.T[4, :] ** 2).sum())  # row 7 of gx and gy
    assert gradient_error(pred, np.zeros((15, 15)), trimap) == pytest.approx(expected / 1000)


def test_connectivity_hand_computed_case() -> None:
    gt = np.array([[1.0, 1.0, 0.0, 0.0]])
    pred = np.array([[1.0, 1.0, 0.0, 1.0]])
    # Every threshold: the largest component of (pred>=t)&(gt>=t) is the first two pixels.
    # l = 1 there; elsewhere l = 0 (first threshold 0.1 already excludes them).
    # pixel 3: pred d = 1 >= .15 -> phi 0; gt d = 0 -> phi 1; |0 - 1| = 1. Others agree.
    assert connectivity_error(pred, gt) == pytest.approx(1.0 / 1000)


def test_connectivity_never_picks_the_background_label() -> None:
    # A frame mostly of background with a small 2-pixel foreground island: label 0 (background)
    # is the most common label. Taking argmax(bincount(labels)) would pick it and count the
    # island as disconnected; the correct rule picks the island and finds no error.
    gt = np.zeros((6, 6))
    gt[2, 2:4] = 1.0
    assert connectivity_error(gt.copy(), gt) == 0.0
    pred = gt.copy()
    pred[5, 5] = 1.0  # a stray disconnected pixel in the prediction only
    assert connectivity_error(pred, gt) == pytest.approx(1.0 / 1000)


def test_size_mismatch_is_refused() -> None:
    with pytest.raises(ValueError, match="differ in size"):
        sad(np.zeros((2, 2)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="trimap"):
        mse(np.zeros((2, 2)), np.zeros((2, 2)), np.zeros((3, 2), np.uint8))

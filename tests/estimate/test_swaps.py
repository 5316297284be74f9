"""Left/right swap fixing on synthetic tracks."""

from __future__ import annotations

import numpy as np

from videosync.estimate.swaps import fix_left_right_swaps
from videosync.poses.layouts import COCO17_FLIP


def walking(n: int = 20) -> np.ndarray:
    """A person 400 px tall whose left joints sit 60 px right of the right joints, drifting slowly."""
    kp = np.zeros((n, 17, 3), dtype=np.float32)
    base_y = np.array([0, -5, -5, 0, 0, 60, 60, 130, 130, 200, 200, 210, 210, 300, 300, 400, 400], np.float32)
    side = np.array([0, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1], np.float32)
    for t in range(n):
        kp[t, :, 0] = 500 + 2 * t + 30 * side
        kp[t, :, 1] = 300 + base_y
        kp[t, :, 2] = 1
    return kp


def mirror(pose: np.ndarray) -> np.ndarray:
    return pose[..., list(COCO17_FLIP), :]


def test_a_swapped_stretch_is_undone():
    truth = walking()
    raw = truth.copy()
    for t in range(8, 13):
        raw[t] = mirror(raw[t])
    fixed, n = fix_left_right_swaps(raw)
    assert np.allclose(fixed, truth)
    assert n == 5 * 3  # 5 frames x (face, arms, legs)


def test_only_the_legs_swapped():
    truth = walking()
    raw = truth.copy()
    legs = [11, 12, 13, 14, 15, 16]
    raw[5, legs] = truth[5, [COCO17_FLIP[j] for j in legs]]
    fixed, n = fix_left_right_swaps(raw)
    assert np.allclose(fixed, truth) and n == 1


def test_swap_in_the_first_frames_is_fixed_by_the_majority():
    truth = walking()
    raw = truth.copy()
    raw[:3] = mirror(truth[:3])
    fixed, _ = fix_left_right_swaps(raw)
    assert np.allclose(fixed, truth)


def test_a_gradual_turn_is_not_a_swap():
    # the person turns around: left and right joints cross over 20 frames (3 px per frame)
    kp = walking(21)
    side = np.array([0, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1], np.float32)
    for t in range(21):
        kp[t, :, 0] = 500 + 30 * side * np.cos(np.pi * t / 20)
    fixed, n = fix_left_right_swaps(kp)
    assert n == 0 and np.array_equal(fixed, kp)


def test_no_comparison_across_a_long_gap():
    truth = walking()
    raw = truth.copy()
    raw[10:] = mirror(truth[10:])
    index = np.arange(20)
    index[10:] += 30  # 30 frames missing between row 9 and row 10
    fixed, n = fix_left_right_swaps(raw, index)
    assert n == 0 and np.array_equal(fixed, raw)

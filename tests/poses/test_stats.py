"""Statistics of a person's keypoints: jitter, size, joint speed, smoothed positions."""

import numpy as np
import pytest

from tests.sync.test_refine import FPS, jittered_pair
from videosync.poses import PoseTrack
from videosync.poses.stats import (
    image_jitter,
    joint_speed,
    keypoint_jitter,
    person_size,
    relative_jitter,
    smooth_positions,
)


def test_joint_speed_is_a_least_squares_slope_that_ignores_jitter():
    kp = np.zeros((7, 3, 3))
    kp[..., 2] = 1.0
    kp[:, 0, 0], kp[:, 0, 1] = 3.0 * np.arange(7), 4.0 * np.arange(7)  # 3 and 4 px per frame: speed 5
    kp[:, 1, 0] = 100.0 + 2.0 * (-1.0) ** np.arange(7)  # a still joint with +-2 px of jitter
    kp[:, 2, :2] = 50.0
    kp[3, 2, 2] = 0.0  # a still joint, unseen in frame 3
    speed = joint_speed(kp, half_window=2)
    np.testing.assert_allclose(speed[:, 0], 5.0)  # also at the ends, where the window is cut
    # jitter: frame differences say 4 px per frame; the slope over +-2 frames says 0. In frame 1
    # the window is frames 0..3 (y = 2, -2, 2, -2 about t = 1.5): slope -4 / 5 -> speed 0.8
    np.testing.assert_allclose(speed[2:5, 1], 0.0, atol=1e-12)
    assert speed[1, 1] == pytest.approx(0.8)
    np.testing.assert_allclose(speed[:, 2], 0.0, atol=1e-12)  # still; 0 (unknown) where unseen


def test_person_size_is_the_median_larger_side_of_the_joint_box():
    kp = np.zeros((2, 17, 3), dtype=np.float32)
    kp[0, :2] = [[0, 0, 1], [10, 40, 1]]  # 10 x 40 -> 40
    kp[1, :3] = [[0, 0, 1], [30, 20, 1], [5, 5, 0.1]]  # 30 x 20 -> 30; the low-score joint is ignored
    assert person_size(PoseTrack(kp, fps=FPS, width=100, height=100)) == pytest.approx(35.0)


def test_keypoint_jitter_measures_the_added_noise_not_the_motion():
    a, b = jittered_pair(0.03)
    # the smooth motion alone (0.25 m sines at 0.3-1.5 Hz) hardly counts: under 0.2 % of the size
    assert relative_jitter(a) < 0.002
    assert keypoint_jitter(b) == pytest.approx(0.03 * person_size(b), rel=0.1)
    assert relative_jitter(b) == pytest.approx(0.03, rel=0.1)


def test_image_jitter_is_per_axis_share_of_the_image():
    """4 px of noise in x on an 800 px wide image and 3 px in y on a 600 px high one are both
    0.5 % of the image: that is what the network's input (x / width, y / height) sees."""
    import dataclasses

    a, _ = jittered_pair(0.0)
    a = dataclasses.replace(a, width=800, height=600)
    kp = a.keypoints.copy()
    noise = np.random.default_rng(1).normal(0.0, 1.0, kp[..., :2].shape) * np.array([4.0, 3.0])
    kp[..., :2] += noise
    assert image_jitter(a) < 0.001  # the motion alone: a fifth of the noise, a 2 % change in quadrature
    assert image_jitter(a.with_keypoints(kp)) == pytest.approx(0.005, rel=0.1)


def test_smooth_positions_hand_values():
    """A joint at x = 0, 10, 20, 30, 40 (a straight line) is unchanged; one outlier at frame 2
    (x = 23 instead of 20) is pulled back: the line through frames 0-4 (+-2) of 0, 10, 23, 30, 40
    has the value 20.6 at frame 2. A joint seen in fewer than 3 frames of its window keeps its
    position, and scores are not touched."""
    kp = np.zeros((5, 2, 3))
    kp[:, 0, 0] = [0, 10, 20, 30, 40]
    kp[:, 0, 2] = 0.9
    line = smooth_positions(kp, 2)
    np.testing.assert_allclose(line[:, 0, 0], [0, 10, 20, 30, 40], atol=1e-9)
    kp[2, 0, 0] = 23.0
    assert smooth_positions(kp, 2)[2, 0, 0] == pytest.approx(20.6)
    kp[:, 1, :2] = [[5, 5], [6, 6], [7, 9], [8, 8], [9, 9]]
    kp[:, 1, 2] = [0.9, 0.0, 0.9, 0.0, 0.0]  # seen in frames 0 and 2 only
    out = smooth_positions(kp, 2)
    np.testing.assert_array_equal(out[:, 1], kp[:, 1])
    np.testing.assert_array_equal(out[..., 2], kp[..., 2])

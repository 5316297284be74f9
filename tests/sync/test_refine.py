"""Geometric refinement: exact on true two-view projections, and silent when the geometry says nothing."""

import numpy as np
import pytest

from videosync.poses import PoseTrack
from videosync.sync.methods import make_method
from videosync.sync.methods.refined import RefinedMethod
from videosync.sync.refine import person_size, refine_offset, sampson_distance
from videosync.synth.camera import Camera, look_at

FPS = 30.0


def moving_body(n: int, seed: int = 0, still: bool = False) -> np.ndarray:
    """``(n, 17, 3)`` world points (metres): 17 joints around a body, each on its own smooth path."""
    rng = np.random.default_rng(seed)
    rest = np.c_[rng.uniform(-0.3, 0.3, 17), rng.uniform(0.0, 1.8, 17), rng.uniform(-0.2, 0.2, 17)]
    if still:
        return np.repeat(rest[None], n, axis=0)
    t = np.arange(n)[:, None, None] / FPS
    freq = rng.uniform(0.3, 1.5, (1, 17, 3))
    phase = rng.uniform(0, 2 * np.pi, (1, 17, 3))
    return rest[None] + 0.25 * np.sin(2 * np.pi * freq * t + phase)


def view(points: np.ndarray, azimuth_deg: float, frames: slice) -> PoseTrack:
    """The points seen by a fixed 1280x720 camera 4 m away at ``azimuth_deg``, rows ``frames``."""
    n = len(points)
    az = np.deg2rad(azimuth_deg)
    pos = np.array([4 * np.sin(az), 1.4, 4 * np.cos(az)])
    cam = Camera(1280, 720, 900.0, 640.0, 360.0, np.repeat(pos[None], n, 0),
                 np.repeat(look_at(pos, np.array([0.0, 0.9, 0.0])), n, 0))
    uv, _depth = cam.project(points)
    kp = np.concatenate([uv, np.ones(uv.shape[:2] + (1,))], axis=2)[frames]
    return PoseTrack(kp.astype(np.float32), fps=FPS, width=1280, height=720)


def test_sampson_distance_hand_value():
    # rectified pair (F of a pure x translation): epipolar lines are image rows; a 2 px vertical
    # disagreement is 2 / sqrt(2) px in the symmetric first-order distance
    F = np.array([[0.0, 0, 0], [0, 0, -1], [0, 1, 0]])
    d = sampson_distance(F, np.array([[0.0, 0.0], [10.0, 3.0]]), np.array([[5.0, 2.0], [-4.0, 3.0]]))
    np.testing.assert_allclose(d, [np.sqrt(2.0), 0.0], atol=1e-12)


@pytest.mark.parametrize("coarse_error", [-3.4, 2.0, 4.6])
def test_refinement_recovers_the_exact_offset_from_a_coarse_guess(coarse_error):
    body = moving_body(200, seed=1)
    a = view(body, 0.0, slice(20, 170))
    b = view(body, 100.0, slice(27, 177))  # frame i of a = frame i - 7 of b
    ref = refine_offset(a, b, -7 + coarse_error)
    assert ref.accepted, ref.reason
    assert ref.offset_frames == pytest.approx(-7.0, abs=0.25)
    assert ref.coarse_offset_frames == pytest.approx(-7 + coarse_error)
    assert ref.contrast > 0.5
    # noiseless views: a deep dip and a near-zero error at the minimum -> full geometric confidence
    assert ref.relative_error < 0.005 and ref.confidence == pytest.approx(1.0)


def test_person_size_is_the_median_larger_side_of_the_joint_box():
    kp = np.zeros((2, 17, 3), dtype=np.float32)
    kp[0, :2] = [[0, 0, 1], [10, 40, 1]]  # 10 x 40 -> 40
    kp[1, :3] = [[0, 0, 1], [30, 20, 1], [5, 5, 0.1]]  # 30 x 20 -> 30; the low-score joint is ignored
    assert person_size(PoseTrack(kp, fps=FPS, width=100, height=100)) == pytest.approx(35.0)


def test_refinement_keeps_the_coarse_offset_when_geometry_is_silent():
    still = moving_body(150, still=True)
    ref = refine_offset(view(still, 0.0, slice(0, 150)), view(still, 90.0, slice(0, 150)), 2.0)
    assert not ref.accepted and ref.offset_frames == 2.0 and "distinct" in ref.reason
    assert ref.confidence == 0.0

    body = moving_body(200, seed=2)
    a, b = view(body, 0.0, slice(0, 150)), view(body, 60.0, slice(0, 150))
    few = b.with_keypoints(np.where(np.arange(17)[None, :, None] < 3, b.keypoints, 0.0))
    ref = refine_offset(a, few, 1.0, min_points=1000)
    assert not ref.accepted and ref.offset_frames == 1.0 and "fewer than 1000" in ref.reason

    far = refine_offset(a, b, 200.0)  # a guess far outside the recordings' overlap
    assert not far.accepted and "overlap" in far.reason


def test_refined_method_reports_what_it_did():
    body = moving_body(220, seed=3)
    a = view(body, 0.0, slice(30, 180))
    b = view(body, 140.0, slice(25, 175))  # true offset +5
    method = make_method("ssm", refine=True)
    assert isinstance(method, RefinedMethod) and method.name == "ssm+geometry"
    est = method.estimate(a, b)
    ref = est.diagnostics["refinement"]
    assert est.offset_frames == pytest.approx(5.0, abs=0.25) and ref.accepted
    assert est.offset_seconds == pytest.approx(est.offset_frames / FPS)
    assert est.confidence == pytest.approx(max(ref.confidence, method.inner.estimate(a, b).confidence))

"""Long pairs matched coarse to fine (videosync.sync.coarse): hand values and real poses."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import videosync.sync.coarse as coarse
from videosync.poses import PoseTrack
from videosync.sync.bounds import UNBOUNDED, OffsetBounds
from videosync.sync.methods import make_method
from videosync.sync.methods.base import rival_note


def track(n: int, fps: float = 30.0, first: int = 0) -> PoseTrack:
    kp = np.zeros((n, 17, 3), np.float32)
    kp[..., 0] = np.arange(first, first + n)[:, None]  # x = the frame number
    kp[..., 2] = 1.0
    return PoseTrack(kp, fps=fps, width=640, height=480, frame_index=np.arange(first, first + n))


def test_lower_rate_keeps_every_kth_frame_renumbered():
    low = coarse.lower_rate(track(10, first=3), 2)
    assert low.fps == 15.0 and low.meta["stride"] == 2 and low.meta["source_fps"] == 30.0
    np.testing.assert_array_equal(low.frame_index, [2, 3, 4, 5, 6])  # frames 4, 6, ..., 12 of 3..12
    np.testing.assert_array_equal(low.keypoints[:, 0, 0], [4, 6, 8, 10, 12])
    assert coarse.lower_rate(track(5), 1) is not None and len(coarse.lower_rate(track(5), 1)) == 5


def test_coarse_stride_reads_down_to_the_coarse_rate():
    assert [coarse.coarse_stride(f) for f in (10.0, 15.0, 25.0, 29.97, 30.0, 60.0, 120.0)] == [1, 1, 1, 1, 2, 4, 8]


def test_long_pair_counts_the_comparisons_a_whole_matching_makes(monkeypatch):
    monkeypatch.setattr(coarse, "LONG_PAIR_CELLS", 100 * 100)
    assert not coarse.long_pair(track(100), track(100), UNBOUNDED)  # exactly the limit
    assert coarse.long_pair(track(101), track(100), UNBOUNDED)
    # a bound makes the matching a band: 1000 rows x (2 * (10 + 30) + 1) columns
    assert coarse.long_pair(track(1000), track(1000), OffsetBounds(10))
    assert not coarse.long_pair(track(120), track(1000), OffsetBounds(10))  # 120 x 81 < 100 x 100


def test_busiest_stretch_is_where_the_joints_move():
    still = track(300)
    kp = still.keypoints.copy()
    kp[..., 0] = 0.0
    kp[200:240, :, 0] = 50.0 * np.sin(np.arange(40) / 3.0)[:, None]  # moves in frames 200-239 only
    part = coarse.busiest_stretch(still.with_keypoints(kp), 2.0)  # 60 frames
    assert len(part) == 60 and part.frame_index[0] <= 200 and part.frame_index[-1] >= 239


@pytest.fixture(scope="module")
def long_pair_tracks():
    pytest.importorskip("benchmarks.speed_media")
    from benchmarks.speed_media import long_tracks

    try:
        return long_tracks(3000, 700)  # the demo's OpenPose poses played back and forth; B 700 frames later
    except (OSError, FileNotFoundError):
        pytest.skip("../shared/data/pose2sim-demo is not present")


def test_a_long_pair_is_found_coarse_to_fine_to_the_frame(long_pair_tracks, monkeypatch):
    a, b = long_pair_tracks
    monkeypatch.setattr(coarse, "LONG_PAIR_CELLS", 1000 * 1000)
    monkeypatch.setattr(coarse, "LONG_STRETCH_SECONDS", 20.0)
    method = make_method("sesyn", refine=False)
    est = method.estimate(a, b)
    steps = est.diagnostics["coarse_to_fine"]
    assert est.offset_frames == pytest.approx(-700.0, abs=1.0)
    assert est.rate == pytest.approx(1.0) and est.fps_a == est.fps_b == 30.0
    assert steps["stretch_frames"][1] - steps["stretch_frames"][0] < 3000  # not all of A was needed
    assert est.diagnostics["stride"] == (2, 2)


def test_coarse_notes_quote_the_inputs_frames(long_pair_tracks):
    a, b = long_pair_tracks
    method = make_method("sesyn", refine=False)
    low = method.estimate_whole(coarse.lower_rate(a.frames_between(1000, 1600), 2), coarse.lower_rate(b, 2))
    # as if a rival 50 coarse frames (100 frames of B) away had cost confidence
    found = dataclasses.replace(low, fit=dataclasses.replace(low.fit, runner_up_offset=50.0, uniqueness=0.5,
                                                                   runner_up_ratio=0.8),
                                notes=[rival_note(50.0, 0.8), "a note of the pair's description"])
    found.diagnostics["matching_parts"] = None
    scaled = coarse.estimate_at_source_rate(found, 2, 2)
    notes = coarse._notes_at_source_rate(found, scaled, 2, 2, UNBOUNDED, UNBOUNDED)
    assert scaled.fit.runner_up_offset == 100.0 and scaled.offset_frames == pytest.approx(2 * low.offset_frames)
    assert notes == [rival_note(100.0, 0.8), "a note of the pair's description"]


def test_a_coarse_stretch_settles_on_the_method_s_own_scale():
    from types import SimpleNamespace

    from videosync.tunables import DEFAULT_MIN_CONFIDENCE, UNCALIBRATED_MIN_CONFIDENCE

    def est(confidence, notes=(), uniqueness=1.0):
        return SimpleNamespace(confidence=confidence, notes=list(notes), fit=SimpleNamespace(uniqueness=uniqueness))

    # the method's own score (the demo's long pair: 0.26), not the calibrated one, meets the threshold
    between = (UNCALIBRATED_MIN_CONFIDENCE + DEFAULT_MIN_CONFIDENCE) / 2
    assert coarse._settled(est(between))
    assert not coarse._settled(est(UNCALIBRATED_MIN_CONFIDENCE - 0.01))
    assert not coarse._settled(est(0.9, notes=["a rival offset"]))
    assert not coarse._settled(est(0.9, uniqueness=0.5))

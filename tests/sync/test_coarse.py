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
    notes = coarse.notes_at_source_rate(found, scaled, UNBOUNDED, UNBOUNDED)
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


def estimate_with_every_field():
    """A pair estimate (rate 1.5) with every number in frames set to a hand value: its fit, the
    soft votes, the matching's parts and halves, the geometric searches and the preview."""
    from videosync.sync.fit import OffsetFit
    from videosync.sync.methods.base import FramePreview, PairEstimate
    from videosync.sync.refine import Refinement

    fit = OffsetFit(offset_frames=-100.0, rate=1.5, confidence=0.6, inlier_ratio=0.5, n_pairs=300, n_inliers=150,
                    n_overlap=250, median_offset=-101.0, residual_std=0.5, offset_stderr=0.1, nominal_rate=1.5,
                    rate_estimate=1.4, rate_stderr=0.02, rate_source="nominal", chance=0.05, quality=0.7,
                    tolerance=2.0, inliers=np.ones(300, bool), runner_up_ratio=0.8, uniqueness=0.4,
                    runner_up_offset=-85.0, beyond_bounds=-130.0)

    def search(offset):
        return Refinement(offset_frames=offset, accepted=True, reason="", coarse_offset_frames=offset - 1.0,
                          shifts=np.array([offset - 1.0, offset]), wide_offset_frames=offset + 0.5,
                          beyond_bounds=offset + 2.0)

    diagnostics = {"votes": (np.array([-110.0, -100.0, -90.0]), np.array([1.0, 5.0, 4.0])),
                   "matching_parts": ([-100.5, -99.5], [40.0, 160.0]), "halves": ((-100.25, -99.75), (50.0, 150.0)),
                   "beyond_bounds": -130.0, "slides": False, "refinement": search(-99.0),
                   "refinement_rival": search(-84.0), "refinement_reverse": search(66.0)}
    preview = FramePreview(np.zeros((3, 2)), np.zeros((4, 2)), step_a=2, step_b=3, first_a=5, first_b=7)
    return PairEstimate("m", -100.0, -100.0 / 15.0, 1.5, 0.6, 10.0, 15.0, fit=fit, pairs_a=np.array([10.0, 20.0]),
                        pairs_b=np.array([-85.0, -70.0]), diagnostics=diagnostics, preview=preview)


def test_an_estimate_at_a_stride_is_told_in_the_inputs_frames_field_by_field():
    """Made on every 2nd frame of A and 3rd of B: offsets of B (the answer, the fit's, the votes',
    the parts', the searches') times 3, frames of A (matched frames, parts' centres, the overlap)
    times 2, spreads times 3, rates times 3 / 2; the reverse search (offsets of A) times 2."""
    est = estimate_with_every_field()
    out = coarse.estimate_at_source_rate(est, 2, 3)
    assert (out.offset_frames, out.rate, out.fps_a, out.fps_b) == (-300.0, 2.25, 20.0, 45.0)
    assert out.offset_seconds == pytest.approx(est.offset_seconds)
    f = out.fit
    assert (f.offset_frames, f.median_offset, f.runner_up_offset, f.beyond_bounds) == (-300.0, -303.0, -255.0, -390.0)
    assert (f.residual_std, f.offset_stderr, f.tolerance) == (1.5, pytest.approx(0.3), 6.0)
    assert (f.rate, f.nominal_rate, f.rate_estimate, f.rate_stderr) == (2.25, 2.25, pytest.approx(2.1), 0.03)
    assert (f.n_overlap, f.n_inliers, f.n_pairs) == (500, 150, 300)  # the overlap's frames; matches stay counted
    d = out.diagnostics
    np.testing.assert_array_equal(d["votes"][0], [-330.0, -300.0, -270.0])
    assert d["matching_parts"] == ([-301.5, -298.5], [80.0, 320.0])
    assert d["halves"] == ((-300.75, -299.25), (100.0, 300.0)) and d["beyond_bounds"] == -390.0
    assert (d["refinement"].offset_frames, d["refinement"].coarse_offset_frames) == (-297.0, -300.0)
    np.testing.assert_array_equal(d["refinement_rival"].shifts, [-255.0, -252.0])
    assert (d["refinement_reverse"].offset_frames, d["refinement_reverse"].wide_offset_frames) == (132.0, 133.0)
    assert d["refinement_reverse"].beyond_bounds == 136.0 and d["stride"] == (2, 3) and d["slides"] is False
    np.testing.assert_array_equal(out.pairs_a, [20.0, 40.0])
    np.testing.assert_array_equal(out.pairs_b, [-255.0, -210.0])
    p = out.preview
    assert (p.step_a, p.step_b, p.first_a, p.first_b) == (4, 9, 10, 21)
    assert est.diagnostics["votes"][0][0] == -110.0 and "stride" not in est.diagnostics  # the input is kept
    assert coarse.estimate_at_source_rate(est, 1, 1) is est


def periodic_track(n: int, start_seconds: float, fps: float = 30.0) -> PoseTrack:
    """A motion that repeats every second (every joint a sinusoid), plus a little motion that does
    not repeat, so one repetition is the answer and the others a second away are rivals."""
    from tests.sync.synth import _REST, pose_at

    t = start_seconds + np.arange(n) / fps
    rest = np.array([320.0, 240.0]) + _REST[None]
    phase = np.linspace(0, 2 * np.pi, 34, endpoint=False).reshape(17, 2)
    xy = rest + 15 * np.sin(2 * np.pi * t[:, None, None] + phase[None]) + 0.3 * (pose_at(t, seed=1)[..., :2] - rest)
    return PoseTrack(np.concatenate([xy, np.ones((n, 17, 1))], axis=2).astype(np.float32), fps=fps, width=640,
                     height=480, frame_index=np.arange(n))


def test_a_long_pair_s_rivals_error_bar_and_overlap_are_in_the_inputs_frames(monkeypatch):
    """400 frames each at 30 fps, B 40 frames later (A's frame i is B's frame i + 40), a motion
    that repeats every 30 frames: matched on every 2nd frame (a long pair here), the rivals are
    the answer plus or minus one or two periods in the inputs' frames (10, 70, -20), not in the
    coarse tracks' (5, 35, -10: the answer's own peak, 20, among them); the error bar holds them,
    and the overlap is A's frames 0-359, 12 s."""
    from videosync.trust.assess import assess

    a, b = periodic_track(400, 10.0), periodic_track(400, 10.0 - 40 / 30.0)
    monkeypatch.setattr(coarse, "LONG_PAIR_CELLS", 200 * 200)
    est = make_method("simple").estimate(a, b)
    assert est.diagnostics["stride"] == (2, 2) and est.offset_frames == pytest.approx(40.0, abs=0.5)
    verdict = assess(est, a, b, UNBOUNDED, None)
    rivals = verdict.candidates[1:]
    assert sorted(round(c.offset_frames) for c in rivals) == [-20, 10, 70]
    assert all(0.3 <= c.share <= 1.0 for c in rivals)
    # the answer and its rivals hold under 90 %: without a calibrated spread of the rest, the error
    # bar is all of the searched range, 399 + 399 frames
    assert sum(c.probability for c in verdict.candidates) < 0.9 and verdict.uncertainty_frames == 798.0
    assert verdict.evidence["overlap_seconds"] == pytest.approx(12.0, abs=0.2)

"""bench_timemap's scoring of the calibration cases (the *varied* part), on hand-made truths."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from videosync.synth.scenarios import Truth
from videosync.sync.timemap import TimeMap

from benchmarks.bench_timemap import Answer, clear_of_steps, score_varied

# B lost 3 frames between A's frames 49 and 50: offset 10, then 7 (10 fps)
STEPPED = Truth(np.array([0.0, 49.0, 50.0, 99.0]), np.array([10.0, 59.0, 57.0, 106.0]), 1.0, 100)


def test_frames_within_a_second_of_a_true_step_are_left_out():
    frames, true_b = clear_of_steps(STEPPED, fps=10.0)
    assert frames.tolist() == list(range(0, 41)) + list(range(60, 100))  # |f - 50| >= 10
    assert true_b[frames.tolist().index(40)] == 50.0 and true_b[frames.tolist().index(60)] == 67.0


def test_a_constant_truth_keeps_every_frame_of_its_overlap():
    frames, true_b = clear_of_steps(Truth(np.array([5.0, 24.0]), np.array([-2.0, 17.0]), 1.0, 20), fps=30.0)
    assert frames.tolist() == list(range(5, 25)) and np.allclose(true_b, frames - 7.0)


def test_single_offset_and_time_map_errors_against_a_stepped_truth():
    est = SimpleNamespace(rate=1.0, offset_frames=10.0, confidence=0.9)
    tm = TimeMap.constant(8.5, 1.0, 1.0, (0, 106), uncertainty=1.0)
    tm.estimate = est
    out = score_varied(Answer(est, tm, 0.1, 0.1), STEPPED, fps_a=10.0)
    assert not out["constant"]
    assert out["base_err"] == 3.0  # offset 10 against 7 after the step
    assert out["tm_err"] == 1.5  # 8.5 against 10 before and 7 after
    assert out["beyond"] == 0.5  # 1.5 frames off with 1 frame stated
    assert out["moved"]  # 8.5 is not the single offset 10


def test_a_refused_pair_has_no_error():
    out = score_varied(Answer(None, None, 0.1, 0.0), STEPPED, fps_a=10.0)
    assert out["base_err"] == out["tm_err"] == float("inf") and not out["moved"]

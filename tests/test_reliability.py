"""Calibration metrics, checked against values worked out by hand."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from videosync.reliability import (
    answer_error,
    at_threshold,
    breakdown,
    calibrated_ece,
    default_threshold,
    expected_calibration_error,
    interval_coverage,
    load_calibration_set,
    outcome,
    plot_reliability,
    read_records,
    reliability_bins,
    summary,
)


def test_ece_of_a_tiny_example():
    conf = [0.05, 0.15, 0.95, 0.95, 0.5]
    right = [False, False, True, False, True]
    # bins 0, 1, 9 (two pairs, half right) and 5: (0.05 + 0.15 + 2 * 0.45 + 0.5) / 5
    assert expected_calibration_error(conf, right) == pytest.approx(0.32)


def test_a_calibrated_confidence_has_no_calibration_error():
    assert expected_calibration_error([0.75] * 4, [True, True, True, False]) == pytest.approx(0.0)
    assert expected_calibration_error([1.0, 1.0], [True, True]) == 0.0  # 1.0 falls in the last bin
    assert math.isnan(expected_calibration_error([], []))


def test_bins_are_equal_width_and_the_last_is_closed():
    found = reliability_bins([0.0, 0.1, 0.95, 1.0], [True, False, True, True], bins=10)
    assert [b.count for b in found] == [1, 1, 0, 0, 0, 0, 0, 0, 0, 2]
    assert (found[9].low, found[9].high) == (0.9, 1.0)
    assert found[9].mean_confidence == pytest.approx(0.975) and found[9].share_right == 1.0
    assert math.isnan(found[4].mean_confidence)


def test_interval_coverage_counts_errors_within_their_bar():
    assert interval_coverage([0.5, 2.0, 0.9, -3.0], [1.0, 1.0, np.nan, 4.0]) == pytest.approx(2 / 3)
    assert interval_coverage([0.5], [np.nan]) is None


def test_figures_at_a_threshold():
    fig = at_threshold([0.1, 0.3, 0.8, 0.9, 0.0], [True, False, True, False, False], 0.2,
                       refused=[False, False, False, False, True])
    assert (fig.pairs, fig.answered, fig.wrong_answered, fig.right, fig.right_answered) == (5, 3, 2, 2, 1)
    assert fig.answered_share == pytest.approx(0.6)
    assert fig.wrong_among_answered == pytest.approx(2 / 3)
    assert fig.right_answered_share == pytest.approx(0.5)
    assert at_threshold([0.9], [True], 0.2, refused=[True]).answered == 0


def test_the_default_threshold_is_aligns():
    """align without min_confidence refuses below the calibrated default, or below the former
    default for a method's own scores (no calibrator)."""
    from videosync.api import default_threshold as aligns
    from videosync.result import PairOffset
    from videosync.tunables import DEFAULT_MIN_CONFIDENCE, UNCALIBRATED_MIN_CONFIDENCE

    class Judged:
        def __init__(self, calibrated):
            self.calibrated = calibrated

    def pair(calibrated):
        p = PairOffset.__new__(PairOffset)
        object.__setattr__(p, "assessment", Judged(calibrated))
        return p

    assert default_threshold() == DEFAULT_MIN_CONFIDENCE == aligns([pair(True), pair(True)])
    assert default_threshold(calibrated=False) == UNCALIBRATED_MIN_CONFIDENCE == aligns([pair(True), pair(False)])


def record(case: str, offset: float | None, confidence: float = 0.5, role: str = "engine", **extra) -> dict:
    truth = {"a": [0.0, 3.0, 9.0], "b": [10.0, 13.0, 17.0], "rate": 1.0, "overlap_frames": 10}  # slides 10 -> 8
    answer = None if offset is None else {"offset_frames": offset, "rate": 1.0, "confidence": confidence}
    return {"case": case, "role": role, "truth": truth, "answer": answer, "refused": offset is None,
            "tags": {"conditions": extra.pop("conditions", [])}, **extra}


def test_the_error_is_the_worst_over_the_overlap():
    assert answer_error(record("x", 9.0)) == pytest.approx(1.0)  # 1 off at both ends
    assert outcome(record("x", 9.0)).right
    assert answer_error(record("x", 10.0)) == pytest.approx(2.0)
    refused = outcome(record("x", None))
    assert refused.refused and not refused.right and refused.confidence == 0.0 and refused.error == math.inf


def test_records_are_read_last_one_wins_and_a_cut_line_is_skipped(tmp_path):
    path = tmp_path / "r.jsonl"
    lines = [record("a", 1.0, fingerprint="old"), record("a", 9.0, fingerprint="new"),
             record("a", 9.0, role="baseline", fingerprint="new"), record("b", 2.0, fingerprint="old")]
    path.write_text("".join(json.dumps(r) + "\n" for r in lines) + '{"case": "c", "ro')
    got = read_records(path)
    assert sorted((r["case"], r["role"], r["fingerprint"]) for r in got) == [
        ("a", "baseline", "new"), ("a", "engine", "new"), ("b", "engine", "old")]
    assert {r["case"] for r in read_records(path, fingerprint="new")} == {"a"}
    assert read_records(tmp_path / "none.jsonl") == []


def test_summary_and_breakdown_by_condition():
    outs = [outcome(record("a", 9.0, 0.9, conditions=["tilt"])), outcome(record("b", 12.0, 0.8, conditions=["tilt", "gaps"])),
            outcome(record("c", None, conditions=["gaps"])), outcome(record("d", 9.0, 0.1))]
    s = summary(outs, threshold=0.2)
    assert s["pairs"] == 4 and s["refused_at_0"] == 1 and s["right"] == pytest.approx(0.5)
    assert s["threshold"].answered == 2 and s["threshold"].wrong_answered == 1
    assert s["coverage"] is None
    groups = breakdown(outs, lambda o: o.tags["conditions"] or ["none"])
    assert {k: [o.case for o in v] for k, v in groups.items()} == {"gaps": ["b", "c"], "none": ["d"], "tilt": ["a", "b"]}


def test_the_calibration_set_holds_the_answered_pairs_numeric_evidence(tmp_path):
    path = tmp_path / "calib.jsonl"
    lines = [record("a", 9.0, evidence={"votes": 1.5, "assumed": True, "note": "x"}),
             record("b", 12.0, evidence={"votes": 2.0, "dip": 3}),
             record("c", None), record("d", 9.0, role="baseline", evidence={"votes": 9.0})]
    path.write_text("".join(json.dumps(r) + "\n" for r in lines))
    x, names, right, error = load_calibration_set(path, inputs=False)
    assert names == ["assumed", "dip", "votes"]
    np.testing.assert_array_equal(x, [[1.0, np.nan, 1.5], [np.nan, 3.0, 2.0]])
    np.testing.assert_array_equal(right, [True, False])
    np.testing.assert_allclose(error, [1.0, 4.0])


def test_the_reliability_diagram_is_a_png(tmp_path):
    outs = [outcome(record(str(i), 9.0 if i % 2 else 12.0, i / 10)) for i in range(10)]
    path = plot_reliability({"engine": outs, "baseline": outs[:4]}, tmp_path / "r.png", title="t")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["r.png"]


def test_the_calibration_set_can_hold_what_the_engine_knew_about_the_inputs(tmp_path):
    path = tmp_path / "calib.jsonl"
    facts = [{"fps": 60.0, "fps_source": "video", "size_source": "video", "frames": 100, "valid_frames": 90,
              "upright_turns": 0},
             {"fps": 30.0, "fps_source": "assumed", "size_source": "extent", "frames": 50, "valid_frames": 50,
              "upright_turns": 1}]
    path.write_text(json.dumps(record("a", 9.0, evidence={"votes": 1.5}, inputs=facts)) + "\n")
    x, names, _, _ = load_calibration_set(path)
    got = dict(zip(names, x[0]))
    assert got["votes"] == 1.5 and got["input.1.fps_assumed"] == 1.0 and got["input.0.fps_assumed"] == 0.0
    assert got["input.1.size_from_extent"] == 1.0 and got["input.1.upright_turns"] == 1.0 and got["input.0.fps"] == 60.0


def test_the_calibration_error_a_calibrated_confidence_shows_by_chance():
    # one bin of two pairs at 0.5: both right (1/4) or none (1/4) is 0.5 off, one right (1/2) is 0
    assert calibrated_ece([0.5, 0.5]) == pytest.approx(0.25)
    # certain confidences cannot be off by chance; pairs in other bins weigh by their share
    assert calibrated_ece([1.0, 0.0]) == 0.0
    assert calibrated_ece([0.5, 0.5, 1.0, 1.0]) == pytest.approx(0.125)
    # one pair at 0.75: right (0.75) is 0.25 off, wrong (0.25) is 0.75 off
    assert calibrated_ece([0.75]) == pytest.approx(0.75 * 0.25 + 0.25 * 0.75)
    assert math.isnan(calibrated_ece([]))

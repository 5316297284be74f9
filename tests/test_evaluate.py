"""Evaluation runner: perturbations of Tables 5/6 and metrics on pairs with known offsets."""

import json

import numpy as np
import pytest

from videosync.datasets import find_pairs
from videosync.errors import CannotSynchronizeError
from videosync.evaluate import evaluate_method, perturb
from videosync.poses import save_npz
from tests.sync.synth import sampled_track


def test_perturb_drops_frames_but_keeps_the_window_extent():
    t = sampled_track(200, 30.0)
    d = perturb(t, np.random.default_rng(0), drop_rate=0.1)
    assert d.frame_index[0] == 0 and d.frame_index[-1] == 199
    assert 150 < len(d) < 200
    kept = d.frame_index
    np.testing.assert_array_equal(d.keypoints, t.keypoints[kept])


def test_perturb_noise_has_the_requested_spread_and_spares_missing_joints():
    t = sampled_track(400, 30.0)
    kp = t.keypoints.copy()
    kp[:, 3] = 0
    t = t.with_keypoints(kp)
    n = perturb(t, np.random.default_rng(1), noise_px=9.0)
    diff = (n.keypoints - t.keypoints)[..., :2]
    assert np.all(diff[:, 3] == 0)
    assert np.std(diff[:, [0, 1, 2] + list(range(4, 17))]) == pytest.approx(9.0, rel=0.05)


class _Fixed:
    """A stand-in method that answers fixed offsets, refusing one pair."""

    name = "fixed"

    def __init__(self, answers):
        self.answers = iter(answers)
        self.max_offsets = []

    def estimate(self, a, b, *, bounds):
        self.max_offsets.append(bounds.max_frames)
        value = next(self.answers)
        if value is None:
            raise CannotSynchronizeError("no idea")
        return type("E", (), {"offset_frames": value, "confidence": 0.5})()


def test_metrics_over_pairs_count_a_refusal_as_zero(tmp_path):
    root = tmp_path / "d"
    pairs = []
    for i, k in enumerate([4, -10]):
        save_npz(sampled_track(40, 30.0, seed=i), root / f"p{i}/a.npz")
        save_npz(sampled_track(40, 30.0, seed=i), root / f"p{i}/b.npz")
        pairs.append({"id": f"p{i}", "split": "test", "a": f"p{i}/a.npz", "b": f"p{i}/b.npz", "offset_frames": k})
    (root / "manifest.json").write_text(json.dumps({"pairs": pairs}))
    method = _Fixed([5, None])
    result = evaluate_method(method, find_pairs(root))
    assert result.refused == 1 and method.max_offsets == [None, None]  # every offset searched
    assert result.metrics["frm_err"] == pytest.approx((1 + 10) / 2)
    assert result.metrics["acc5"] == pytest.approx(0.5)
    assert [r["pred"] for r in result.rows] == [5, 0]
    banded = _Fixed([5, 5])
    assert evaluate_method(banded, find_pairs(root), max_offset=30).settings["max_offset"] == 30
    assert banded.max_offsets == [30, 30]

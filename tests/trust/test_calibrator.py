"""The calibrator's JSON format: applied by hand-computed arithmetic, loaded without pickle,
and refused with one line when damaged."""

import json
import math

import numpy as np
import pytest

from videosync.errors import ModelError
from videosync.trust.calibrator import (
    Calibration, LinearModel, MonotoneMap, TreeEnsemble, load_calibrations, save_calibrations)


def _calibration(isotonic=None):
    prob = LinearModel(("a", "b"), np.array([1.0, 0.0]), np.array([2.0, 1.0]), np.array([1.0, -1.0]), 0.5)
    scale = LinearModel(("a",), np.array([0.0]), np.array([1.0]), np.array([math.log(2.0)]), 0.0)
    return Calibration(prob, isotonic, scale, scale_factor=1.5, info={"n": 3})


def test_confidence_is_the_logistic_of_the_standardised_evidence():
    cal = _calibration()
    # z = 1 * (3 - 1) / 2 - 1 * (1 - 0) / 1 + 0.5 = 0.5
    assert cal.confidence({"a": 3.0, "b": 1.0}) == pytest.approx(1 / (1 + math.exp(-0.5)))
    # a missing or NaN feature counts as its mean: z = 0 - 1 + 0.5
    assert cal.confidence({"b": 1.0, "a": float("nan")}) == pytest.approx(1 / (1 + math.exp(0.5)))


def test_isotonic_map_and_local_half_width():
    cal = _calibration(MonotoneMap(np.array([0.0, 0.5, 1.0]), np.array([0.0, 0.2, 1.0])))
    p = 1 / (1 + math.exp(-0.5))  # 0.6225 -> 0.2 + (p - 0.5) / 0.5 * 0.8
    assert cal.confidence({"a": 3.0, "b": 1.0}) == pytest.approx(0.2 + (p - 0.5) * 1.6)
    # exp(log 2 * 3) = 8, times 1.5
    assert cal.local_half_width({"a": 3.0}) == pytest.approx(12.0)


def _trees():
    """Two stumps on standardised features: a <= 0 -> -1 else +2; b <= 1 -> +0.5 else -0.5."""
    def stump(feature, threshold, low, high):
        return {"feature": np.array([feature, -2, -2]), "threshold": np.array([threshold, -2.0, -2.0]),
                "left": np.array([1, -1, -1]), "right": np.array([2, -1, -1]), "value": np.array([0.0, low, high])}
    return TreeEnsemble(("a", "b"), np.array([1.0, 0.0]), np.array([2.0, 1.0]), 0.25,
                        (stump(0, 0.0, -1.0, 2.0), stump(1, 1.0, 0.5, -0.5)))


def test_trees_add_their_leaves_to_the_intercept():
    trees = _trees()
    # a = 3 -> (3 - 1) / 2 = 1 > 0: +2; b = 1 -> 1 <= 1: +0.5; 0.25 + 2 + 0.5
    assert trees({"a": 3.0, "b": 1.0}) == pytest.approx(2.75)
    # a missing -> its mean -> 0 <= 0: -1; b = 4 > 1: -0.5
    assert trees({"b": 4.0}) == pytest.approx(0.25 - 1.0 - 0.5)


def test_trees_round_trip_and_a_looping_tree_is_refused(tmp_path):
    path = tmp_path / "cal.json"
    scale = LinearModel(("a",), np.array([0.0]), np.array([1.0]), np.array([0.0]), 0.0)
    save_calibrations({"m": Calibration(_trees(), None, scale, 1.0)}, path)
    loaded = load_calibrations(path)["m"]
    assert loaded.confidence({"a": 3.0, "b": 1.0}) == pytest.approx(1 / (1 + math.exp(-2.75)))
    doc = json.loads(path.read_text())
    doc["methods"]["m"]["probability"]["trees"][0]["left"] = [0, -1, -1]  # a node that is its own child
    path.write_text(json.dumps(doc))
    with pytest.raises(ModelError, match="cal.json"):
        load_calibrations(path)


def test_round_trip_through_json(tmp_path):
    path = tmp_path / "cal.json"
    save_calibrations({"sesyn+geometry": _calibration()}, path, meta={"split": "calib"})
    loaded = load_calibrations(path)["sesyn+geometry"]
    assert loaded.confidence({"a": 3.0, "b": 1.0}) == pytest.approx(_calibration().confidence({"a": 3.0, "b": 1.0}))
    assert loaded.info == {"n": 3}


@pytest.mark.parametrize("damage", [
    lambda d: "not json",
    lambda d: {**d, "format": "other"},
    lambda d: {**d, "methods": {"m": {**d["methods"]["m"], "scale_factor": -1}}},
    lambda d: {**d, "methods": {"m": {**d["methods"]["m"], "probability": {"features": ["a"], "mean": [0], "scale": [0], "coef": [1], "intercept": 0}}}},
    lambda d: {**d, "methods": {"m": {**d["methods"]["m"], "isotonic": {"x": [0, 1], "y": [1, 0]}}}},
    lambda d: {**d, "methods": {"m": {}}},
])
def test_a_damaged_file_is_one_model_error(tmp_path, damage):
    path = tmp_path / "cal.json"
    save_calibrations({"m": _calibration()}, path)
    doc = damage(json.loads(path.read_text()))
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    with pytest.raises(ModelError, match="cal.json"):
        load_calibrations(path)


def test_a_method_score_below_its_refusal_level_caps_the_probability_before_the_map(tmp_path):
    iso = MonotoneMap(np.array([0.0, 1.0]), np.array([0.0, 0.5]))  # halves what it is given
    cal = Calibration(_calibration().probability, iso, _calibration().log_scale, 1.5, cap=("m", 0.2))
    p = 1 / (1 + math.exp(-0.5))  # the model's probability for a = 3, b = 1
    assert cal.confidence({"a": 3.0, "b": 1.0, "m": 0.9}) == pytest.approx(p / 2)  # above the level: no cap
    assert cal.confidence({"a": 3.0, "b": 1.0, "m": 0.1}) == pytest.approx(0.05)  # capped at 0.1, halved
    path = tmp_path / "cal.json"
    save_calibrations({"m": cal}, path)
    assert load_calibrations(path)["m"].confidence({"a": 3.0, "b": 1.0, "m": 0.1}) == pytest.approx(0.05)


def test_far_error_distribution_round_trips_and_a_decreasing_one_is_refused(tmp_path):
    path = tmp_path / "cal.json"
    far = MonotoneMap(np.array([0.0, 0.1, 0.6]), np.array([0.0, 0.5, 1.0]))
    save_calibrations({"m": _calibration()}, path)
    assert load_calibrations(path)["m"].far is None  # a file without it: the error bar spans the range
    cal = _calibration()
    save_calibrations({"m": Calibration(cal.probability, None, cal.log_scale, 1.5, far=far)}, path)
    assert load_calibrations(path)["m"].far(0.35) == pytest.approx(0.75)
    doc = json.loads(path.read_text())
    doc["methods"]["m"]["far"]["y"] = [0.0, 0.9, 0.5]
    path.write_text(json.dumps(doc))
    with pytest.raises(ModelError, match="invalid calibrator"):
        load_calibrations(path)

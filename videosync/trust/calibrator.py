"""Evidence -> calibrated probability and error bar: the fitted model, stored as plain JSON.

A pair's answer comes with evidence (:mod:`videosync.trust.evidence`: how distinct the soft-vote
peak is, how deep the geometric dip, how much the keypoints jitter, how long the overlap, ...).
The calibrator turns it into

* ``confidence``: the probability that the answer is within 1 frame of the truth, from
  gradient-boosted trees (or a linear model) on the standardised evidence followed by an
  isotonic map (the model ranks, the isotonic map makes "0.8" mean 8 in 10 on pairs it was not
  fitted on);
* ``local_scale_frames``: the spread of the answer around the truth when it is in the right
  neighbourhood, ``exp(a + b . x)`` on the same evidence, with a factor making its 90 % interval
  hold on the fitting pairs;
* ``far``: where the truth lies when no listed candidate holds it (the error as a fraction of the
  searched range), so a doubtful answer's error bar reaches as far as wrong answers fall
  (:func:`videosync.trust.assess.interval_half_width` combines both with the candidates).

Why JSON and not a pickled scikit-learn object: a model file must never run code when loaded,
and the arithmetic of shallow trees, a linear model and a piecewise-linear map is a few lines of numpy, so
the runtime needs no scikit-learn. The fitting lives in ``scripts/fit_calibrator.py`` and is
done on a split of the calibration benchmark that is used neither for tuning the engine nor for
reporting (``benchmarks/bench_calibration.py``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from videosync.errors import ModelError

FORMAT = "videosync-calibrator"
VERSION = 1


@dataclass(frozen=True)
class LinearModel:
    """``coef . (x - mean) / scale + intercept`` over named features (missing or NaN -> the mean)."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def design(self, evidence: Mapping[str, float]) -> np.ndarray:
        """``(F,)`` standardised feature vector of one pair's evidence."""
        return _standardised(self.features, self.mean, self.scale, evidence)

    def __call__(self, evidence: Mapping[str, float]) -> float:
        return float(self.design(evidence) @ self.coef + self.intercept)

    def to_json(self) -> dict[str, Any]:
        return {"features": list(self.features), "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                "coef": self.coef.tolist(), "intercept": float(self.intercept)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LinearModel:
        features, mean, scale = _standardiser_from_json(data)
        coef = np.asarray(data["coef"], dtype=np.float64).reshape(-1)
        if len(coef) != len(features) or not np.isfinite(coef).all():
            raise ValueError("coef must be finite and one per feature")
        return cls(features, mean, scale, coef, _finite(data["intercept"], "intercept"))


@dataclass(frozen=True)
class TreeEnsemble:
    """``intercept + sum of regression trees`` over the standardised features (gradient-boosted
    trees of depth 2: the logit of P(within a frame) where evidence interacts, e.g. a dip that
    means much on a long overlap and little on a short one). Each tree is arrays over its nodes:
    ``feature``, ``threshold`` (go left when ``x[feature] <= threshold``), ``left``, ``right``
    (-1 at a leaf) and ``value`` (a leaf's contribution, learning rate included)."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    intercept: float
    trees: tuple[dict[str, np.ndarray], ...]

    def __call__(self, evidence: Mapping[str, float]) -> float:
        x = _standardised(self.features, self.mean, self.scale, evidence)
        total = self.intercept
        for tree in self.trees:
            node = 0
            while tree["left"][node] >= 0:
                node = tree["left"][node] if x[tree["feature"][node]] <= tree["threshold"][node] else tree["right"][node]
            total += float(tree["value"][node])
        return float(total)

    def to_json(self) -> dict[str, Any]:
        return {"kind": "trees", "features": list(self.features), "mean": self.mean.tolist(),
                "scale": self.scale.tolist(), "intercept": float(self.intercept),
                "trees": [{k: v.tolist() for k, v in tree.items()} for tree in self.trees]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TreeEnsemble:
        features, mean, scale = _standardiser_from_json(data)
        return cls(features, mean, scale, _finite(data["intercept"], "intercept"),
                   tuple(_tree_from_json(t, len(features)) for t in data["trees"]))


def _tree_from_json(data: Mapping[str, Any], n_features: int) -> dict[str, np.ndarray]:
    """One tree's arrays, checked so that evaluating it always ends at a leaf."""
    tree = {k: np.asarray(data[k], dtype=np.float64).reshape(-1) for k in ("feature", "threshold", "left", "right", "value")}
    n = len(tree["value"])
    if n == 0 or any(len(v) != n for v in tree.values()) or not all(np.isfinite(v).all() for v in tree.values()):
        raise ValueError("a tree's arrays must be finite, non-empty and of equal length")
    for k in ("feature", "left", "right"):
        tree[k] = tree[k].astype(np.int64)
    inner = tree["left"] >= 0
    nodes = np.arange(n)
    if (((tree["left"] <= nodes) | (tree["right"] <= nodes) | (tree["right"] >= n) | (tree["left"] >= n))[inner].any()
            or (tree["feature"][inner] < 0).any() or (tree["feature"][inner] >= n_features).any()):
        raise ValueError("a tree's children must come after their node and its features exist")
    return tree


def _standardised(features: Sequence[str], mean: np.ndarray, scale: np.ndarray,
                  evidence: Mapping[str, float]) -> np.ndarray:
    """``(F,)`` standardised feature vector of one pair's evidence (missing or NaN -> the mean)."""
    x = np.array([_number(evidence.get(name)) for name in features], dtype=np.float64)
    x = np.where(np.isfinite(x), x, mean)
    return (x - mean) / scale


def _standardiser_from_json(data: Mapping[str, Any]) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    features = tuple(str(f) for f in data["features"])
    mean, scale = (np.asarray(data[k], dtype=np.float64).reshape(-1) for k in ("mean", "scale"))
    if len(mean) != len(features) or len(scale) != len(features):
        raise ValueError("mean and scale must be one per feature")
    if not (np.isfinite(mean).all() and np.isfinite(scale).all() and (scale > 0).all()):
        raise ValueError("mean must be finite and scale positive")
    return features, mean, scale


def _finite(value: Any, name: str) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite")
    return number


def probability_model_from_json(data: Mapping[str, Any]) -> LinearModel | TreeEnsemble:
    """The logit model of a calibration: gradient-boosted trees or a linear model."""
    return TreeEnsemble.from_json(data) if data.get("kind") == "trees" else LinearModel.from_json(data)


@dataclass(frozen=True)
class MonotoneMap:
    """A non-decreasing piecewise-linear map (an isotonic regression's steps), flat outside."""

    x: np.ndarray
    y: np.ndarray

    def __call__(self, value: float) -> float:
        return float(np.interp(value, self.x, self.y))

    def to_json(self) -> dict[str, Any]:
        return {"x": self.x.tolist(), "y": self.y.tolist()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MonotoneMap:
        x = np.asarray(data["x"], dtype=np.float64).reshape(-1)
        y = np.asarray(data["y"], dtype=np.float64).reshape(-1)
        if len(x) != len(y) or len(x) < 2 or not (np.isfinite(x).all() and np.isfinite(y).all()):
            raise ValueError("x and y must be finite, of equal length >= 2")
        if (np.diff(x) < 0).any() or (np.diff(y) < 0).any() or y.min() < 0 or y.max() > 1:
            raise ValueError("the map must be non-decreasing with values in [0, 1]")
        return cls(x, y)


@dataclass(frozen=True)
class Calibration:
    """The fitted models of one synchronization method (e.g. ``sesyn+geometry``)."""

    probability: LinearModel | TreeEnsemble  # logit of P(|error| <= 1 frame)
    isotonic: MonotoneMap | None  # the model's probability -> calibrated probability
    log_scale: LinearModel  # log of the local error scale, frames of B
    scale_factor: float  # local scale x this = the half-width holding 90 % of near answers
    #: weight of "the truth is at no listed candidate" against the rivals' vote shares
    #: (:func:`videosync.trust.candidates.candidate_probabilities`)
    elsewhere: float = 1.0
    info: dict[str, Any] = field(default_factory=dict)
    #: ``(feature, level)``: when the evidence's ``feature`` is below ``level``, the model's
    #: probability is capped at it before the isotonic map (the method's own score below its
    #: refusal level: a case the calibration set may not show, e.g. two different people)
    cap: tuple[str, float] | None = None
    #: where the truth lies when it is at no listed candidate: the share of such pairs (y) whose
    #: error is within a fraction x of the searched range (an empirical distribution function;
    #: :func:`videosync.trust.assess.interval_half_width`); None: the error bar then spans the range
    far: MonotoneMap | None = None

    def confidence(self, evidence: Mapping[str, float]) -> float:
        """P(the answer is within 1 frame of the truth) given the pair's evidence."""
        p = 1.0 / (1.0 + math.exp(-float(np.clip(self.probability(evidence), -40, 40))))
        p = self.capped(p, evidence)
        return float(np.clip(self.isotonic(p) if self.isotonic is not None else p, 0.0, 1.0))

    def capped(self, p: float, evidence: Mapping[str, float]) -> float:
        if self.cap is None:
            return p
        value = _number(evidence.get(self.cap[0]))
        return min(p, value) if math.isfinite(value) and value < self.cap[1] else p

    def local_half_width(self, evidence: Mapping[str, float]) -> float:
        """Half-width (frames of B) of the 90 % interval of an answer in the right neighbourhood."""
        return float(self.scale_factor * math.exp(float(np.clip(self.log_scale(evidence), -10, 10))))

    def to_json(self) -> dict[str, Any]:
        return {"probability": self.probability.to_json(),
                "isotonic": None if self.isotonic is None else self.isotonic.to_json(),
                "log_scale": self.log_scale.to_json(), "scale_factor": float(self.scale_factor),
                "elsewhere": float(self.elsewhere), "info": self.info,
                "cap": None if self.cap is None else [self.cap[0], float(self.cap[1])],
                "far": None if self.far is None else self.far.to_json()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Calibration:
        factor, elsewhere = float(data["scale_factor"]), float(data.get("elsewhere", 1.0))
        if not (math.isfinite(factor) and factor > 0 and math.isfinite(elsewhere) and elsewhere >= 0):
            raise ValueError("scale_factor must be positive and elsewhere non-negative")
        iso, cap, far = data.get("isotonic"), data.get("cap"), data.get("far")
        if cap is not None:
            cap = (str(cap[0]), _finite(cap[1], "cap level"))
        return cls(probability_model_from_json(data["probability"]), None if iso is None else MonotoneMap.from_json(iso),
                   LinearModel.from_json(data["log_scale"]), factor, elsewhere, dict(data.get("info") or {}), cap,
                   None if far is None else MonotoneMap.from_json(far))


def save_calibrations(calibrations: Mapping[str, Calibration], path: str | Path, *, meta: Mapping[str, Any] | None = None
                      ) -> None:
    """Write ``{method name: Calibration}`` as one JSON file (atomically)."""
    from videosync.fileio import atomic_path

    doc = {"format": FORMAT, "version": VERSION, "meta": dict(meta or {}),
           "methods": {name: cal.to_json() for name, cal in calibrations.items()}}
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(doc, indent=1))


def load_calibrations(path: str | Path) -> dict[str, Calibration]:
    """``{method name: Calibration}`` from a file written by :func:`save_calibrations`.

    Raises:
        ModelError: the file is missing, not JSON, or not a valid calibrator.
    """
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"cannot read the calibrator ({exc.__class__.__name__})", path) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("version") != VERSION:
        raise ModelError(f"not a {FORMAT} file of version {VERSION}", path)
    try:
        return {str(name): Calibration.from_json(entry) for name, entry in dict(doc["methods"]).items()}
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"invalid calibrator ({exc})", path) from None


def _number(value: Any) -> float:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float, np.floating, np.integer)):
        return float(value)
    return float("nan")


#: The shipped calibrator, beside the shipped model.
SHIPPED = Path(__file__).resolve().parents[2] / "models" / "calibration.json"


def file_sha256(path: str | Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def calibration_for(method: str, model: str | Path | None = None, path: str | Path | None = None
                    ) -> tuple[Calibration | None, str | None]:
    """The calibration of ``method`` (e.g. ``"sesyn+geometry"``) from ``path`` (default: the
    shipped file), and why there is none when there is none (a sentence for the user).

    A calibration fitted with one SeSyn model says nothing about another one's evidence, so for
    the methods that embed with the network it applies only when ``model`` (default: the one
    :func:`videosync.model.checkpoint.default_model_path` picks) is the file it was fitted with.
    """
    path = Path(path) if path is not None else SHIPPED
    if not path.is_file():
        return None, f"no calibrator ({path.name} is missing): confidences are the method's own scores"
    calibrations = _cached(str(path), path.stat().st_mtime_ns)
    cal = calibrations.get(method)
    if cal is None:
        return None, f"method {method} has no fitted calibrator: its confidence is its own score, not a probability"
    wanted = cal.info.get("model_sha256")
    if wanted:
        from videosync.model.checkpoint import default_model_path

        used = Path(model) if model is not None else default_model_path()
        if used is None or not used.is_file() or file_sha256(used) != wanted:
            return None, ("the calibrator was fitted with another model: confidences are the method's own "
                          "scores (scripts/fit_calibrator.py fits one for yours)")
    return cal, None


_CACHE: dict[tuple[str, int], dict[str, Calibration]] = {}


def _cached(path: str, mtime: int) -> dict[str, Calibration]:
    if (path, mtime) not in _CACHE:
        _CACHE[path, mtime] = load_calibrations(path)
    return _CACHE[path, mtime]

"""Evidence -> calibrated probability and error bar: the fitted model, stored as plain JSON.

A pair's answer comes with evidence (:mod:`videosync.trust.evidence`: how distinct the soft-vote
peak is, how deep the geometric dip, how much the keypoints jitter, how long the overlap, ...).
The calibrator turns it into

* ``confidence``: the probability that the answer is within 1 frame of the truth, from a
  logistic regression on the standardised evidence followed by an isotonic map (the logistic
  ranks, the isotonic map makes "0.8" mean 8 in 10 on the pairs it was fitted on);
* ``local_scale_frames``: the spread of the answer around the truth when it is in the right
  neighbourhood, ``exp(a + b . x)`` on the same evidence, with a factor making its 90 % interval
  hold on the fitting pairs (:func:`videosync.trust.interval.interval_half_width` combines it with
  the candidates).

Why JSON and not a pickled scikit-learn object: a model file must never run code when loaded,
and the arithmetic of a logistic model and a piecewise-linear map is a few lines of numpy, so
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
        x = np.array([_number(evidence.get(name)) for name in self.features], dtype=np.float64)
        x = np.where(np.isfinite(x), x, self.mean)
        return (x - self.mean) / self.scale

    def __call__(self, evidence: Mapping[str, float]) -> float:
        return float(self.design(evidence) @ self.coef + self.intercept)

    def to_json(self) -> dict[str, Any]:
        return {"features": list(self.features), "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                "coef": self.coef.tolist(), "intercept": float(self.intercept)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LinearModel:
        features = tuple(str(f) for f in data["features"])
        arrays = [np.asarray(data[k], dtype=np.float64).reshape(-1) for k in ("mean", "scale", "coef")]
        if any(len(a) != len(features) for a in arrays) or not all(np.isfinite(a).all() for a in arrays):
            raise ValueError("mean, scale and coef must be finite and one per feature")
        if (arrays[1] <= 0).any():
            raise ValueError("scale must be positive")
        intercept = float(data["intercept"])
        if not math.isfinite(intercept):
            raise ValueError("intercept must be finite")
        return cls(features, *arrays, intercept)


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

    probability: LinearModel  # logit of P(|error| <= 1 frame)
    isotonic: MonotoneMap | None  # logistic probability -> calibrated probability
    log_scale: LinearModel  # log of the local error scale, frames of B
    scale_factor: float  # local scale x this = the half-width holding 90 % of near answers
    #: weight of "the truth is at no listed candidate" against the rivals' vote shares
    #: (:func:`videosync.trust.candidates.candidate_probabilities`)
    elsewhere: float = 1.0
    info: dict[str, Any] = field(default_factory=dict)

    def confidence(self, evidence: Mapping[str, float]) -> float:
        """P(the answer is within 1 frame of the truth) given the pair's evidence."""
        p = 1.0 / (1.0 + math.exp(-float(np.clip(self.probability(evidence), -40, 40))))
        return float(np.clip(self.isotonic(p) if self.isotonic is not None else p, 0.0, 1.0))

    def local_half_width(self, evidence: Mapping[str, float]) -> float:
        """Half-width (frames of B) of the 90 % interval of an answer in the right neighbourhood."""
        return float(self.scale_factor * math.exp(float(np.clip(self.log_scale(evidence), -10, 10))))

    def to_json(self) -> dict[str, Any]:
        return {"probability": self.probability.to_json(),
                "isotonic": None if self.isotonic is None else self.isotonic.to_json(),
                "log_scale": self.log_scale.to_json(), "scale_factor": float(self.scale_factor),
                "elsewhere": float(self.elsewhere), "info": self.info}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Calibration:
        factor, elsewhere = float(data["scale_factor"]), float(data.get("elsewhere", 1.0))
        if not (math.isfinite(factor) and factor > 0 and math.isfinite(elsewhere) and elsewhere >= 0):
            raise ValueError("scale_factor must be positive and elsewhere non-negative")
        iso = data.get("isotonic")
        return cls(LinearModel.from_json(data["probability"]), None if iso is None else MonotoneMap.from_json(iso),
                   LinearModel.from_json(data["log_scale"]), factor, elsewhere, dict(data.get("info") or {}))


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


def logistic_from_sklearn(features: Sequence[str], mean: np.ndarray, scale: np.ndarray, model: Any) -> LinearModel:
    """A :class:`LinearModel` from a fitted scikit-learn linear model (used by the fitting script)."""
    return LinearModel(tuple(features), np.asarray(mean, np.float64), np.asarray(scale, np.float64),
                       np.asarray(model.coef_, np.float64).reshape(-1), float(np.ravel(model.intercept_)[0]))


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

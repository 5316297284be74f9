"""Does the confidence tell the truth? Calibration metrics over synchronization results, and the
records of the calibration benchmark (``benchmarks/bench_calibration.py``) read back for them.

A pair's answer is **right** when it is within ``WITHIN_FRAMES`` (1) frame of the truth
everywhere in the overlap (frames of B, see :class:`videosync.synth.scenarios.Truth`); a pair
refused even at threshold 0 has no answer, counts as not right, with confidence 0. The
confidence is read as the result gives it, so the same figures measure a calibrator once one is
shipped. What is measured:

* the **reliability diagram**: in equal-width confidence bins (``N_BINS`` = 10 over [0, 1], the
  last one closed), the share of right answers against the mean confidence;
* the **expected calibration error** (ECE): the bins' ``|share right - mean confidence|``
  weighted by their share of the pairs, beside the ECE a perfectly calibrated confidence would
  show on the same pairs by chance (its floor on a few hundred pairs);
* the **coverage** of the 90 % interval: the share of answers whose error is within their
  ``uncertainty_frames`` (when results carry one);
* at a threshold (``align``'s default ``min_confidence``): the share of pairs **answered**, the
  share of answered pairs that are **wrong** (more than a frame off), and the share of the pairs
  whose forced guess is right that are answered (**right answered**).

:func:`load_calibration_set` gives a split's records as arrays for fitting a calibrator.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from videosync.fileio import atomic_path

#: An answer within this many frames (of B) of the truth everywhere in the overlap is right.
WITHIN_FRAMES = 1.0
#: Equal-width confidence bins of the reliability diagram and the ECE.
N_BINS = 10
#: The share of pairs an error bar should hold the truth for.
INTERVAL_LEVEL = 0.9


def default_threshold(calibrated: bool = True) -> float:
    """The confidence below which ``align`` refuses by default, for calibrated confidences or a
    method's own scores (:func:`videosync.trust.assess.default_min_confidence`)."""
    from videosync.trust.assess import default_min_confidence

    return default_min_confidence(calibrated)


# ---------------------------------------------------------------------------------- metrics
@dataclass
class Bin:
    low: float
    high: float
    count: int
    mean_confidence: float
    share_right: float


def _bin_index(conf: np.ndarray, bins: int) -> np.ndarray:
    return np.minimum((conf * bins).astype(int), bins - 1)


def reliability_bins(confidence: np.ndarray, right: np.ndarray, bins: int = N_BINS) -> list[Bin]:
    """Equal-width bins over [0, 1] (a confidence of exactly 1 in the last one); empty bins are
    kept with NaN means."""
    conf = np.clip(np.asarray(confidence, dtype=float), 0.0, 1.0)
    ok = np.asarray(right, dtype=bool)
    index = _bin_index(conf, bins)
    out = []
    for b in range(bins):
        mine = index == b
        n = int(mine.sum())
        out.append(Bin(b / bins, (b + 1) / bins, n, float(conf[mine].mean()) if n else math.nan,
                       float(ok[mine].mean()) if n else math.nan))
    return out


def expected_calibration_error(confidence: np.ndarray, right: np.ndarray, bins: int = N_BINS) -> float:
    """Sum over the bins of ``count / total * |share right - mean confidence|`` (NaN if empty)."""
    total = len(np.asarray(confidence))
    if total == 0:
        return math.nan
    return float(sum(b.count / total * abs(b.share_right - b.mean_confidence)
                     for b in reliability_bins(confidence, right, bins) if b.count))


def calibrated_ece(confidence: np.ndarray, bins: int = N_BINS) -> float:
    """The ECE a perfectly calibrated confidence would still show on these pairs by chance: each
    pair right with probability its confidence, the count of right answers in a bin then
    Poisson-binomial (scipy's, exact). On a few hundred pairs it is well above 0 (about 0.04 on
    300), so it is the floor a measured ECE is read against (NaN if empty)."""
    from scipy.stats import poisson_binom  # here: the CLI imports this module and starts faster without

    conf = np.clip(np.asarray(confidence, dtype=float), 0.0, 1.0)
    if not len(conf):
        return math.nan
    index = _bin_index(conf, bins)
    total = 0.0
    for b in range(bins):
        p = conf[index == b]
        if not len(p):
            continue
        k = np.arange(len(p) + 1)
        gap = np.abs(k / len(p) - p.mean())
        total += len(p) / len(conf) * float(np.sum(poisson_binom(p).pmf(k) * gap))
    return total


def interval_coverage(error: np.ndarray, uncertainty: np.ndarray) -> float | None:
    """Share of answers whose ``|error|`` is at most their ``uncertainty`` (both in frames), over
    the answers that carry a finite uncertainty; None when none does (not available)."""
    err = np.abs(np.asarray(error, dtype=float))
    unc = np.asarray(uncertainty, dtype=float)
    has = np.isfinite(unc)
    if not has.any():
        return None
    return float(np.mean(err[has] <= unc[has]))


@dataclass
class ThresholdFigures:
    pairs: int
    answered: int
    wrong_answered: int
    right: int
    right_answered: int

    @property
    def answered_share(self) -> float:
        return self.answered / self.pairs if self.pairs else math.nan

    @property
    def wrong_among_answered(self) -> float:
        return self.wrong_answered / self.answered if self.answered else math.nan

    @property
    def right_answered_share(self) -> float:
        return self.right_answered / self.right if self.right else math.nan


def at_threshold(confidence: np.ndarray, right: np.ndarray, threshold: float,
                 refused: np.ndarray | None = None) -> ThresholdFigures:
    """What ``align`` with ``min_confidence=threshold`` does: answer the pairs whose confidence is
    at least the threshold (never one refused even at 0)."""
    conf = np.asarray(confidence, dtype=float)
    ok = np.asarray(right, dtype=bool)
    answered = conf >= threshold
    if refused is not None:
        answered &= ~np.asarray(refused, dtype=bool)
    return ThresholdFigures(len(conf), int(answered.sum()), int((answered & ~ok).sum()), int(ok.sum()),
                            int((answered & ok).sum()))


# ---------------------------------------------------------------------------------- records
@dataclass
class Outcome:
    """One pair's result as the metrics read it."""

    case: str
    role: str
    confidence: float
    right: bool
    error: float
    refused: bool
    uncertainty: float
    tags: dict[str, Any] = field(default_factory=dict)
    evidence: dict[str, Any] = field(default_factory=dict)
    wall_s: float = math.nan


def read_records(path: str | Path, fingerprint: str | None = None) -> list[dict[str, Any]]:
    """The benchmark's JSON lines, the last one per (case, role) (a rerun appends; a line cut by
    a kill is skipped); only those with ``fingerprint`` when given."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    path = Path(path)
    if not path.is_file():
        return []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(rec, dict) and (fingerprint is None or rec.get("fingerprint") == fingerprint):
                latest[rec.get("case", ""), rec.get("role", "")] = rec
    return list(latest.values())


def answer_error(record: dict[str, Any]) -> float:
    """The answer's largest error over the overlap (frames of B), from the record's truth; inf
    when refused."""
    from videosync.synth.scenarios import Truth

    answer = record.get("answer")
    if record.get("refused") or not answer:
        return math.inf
    return Truth.from_json(record["truth"]).worst_error(answer["offset_frames"], answer.get("rate"))


def outcome(record: dict[str, Any]) -> Outcome:
    answer = record.get("answer") or {}
    error = answer_error(record)
    uncertainty = answer.get("uncertainty_frames")
    return Outcome(
        case=record["case"], role=record["role"], confidence=float(answer.get("confidence", 0.0) or 0.0),
        right=error <= WITHIN_FRAMES, error=error, refused=bool(record.get("refused")),
        uncertainty=math.nan if uncertainty is None else float(uncertainty), tags=record.get("tags", {}),
        evidence=record.get("evidence") or {}, wall_s=float(record.get("wall_s", math.nan)))


def summary(outcomes: list[Outcome], threshold: float, bins: int = N_BINS) -> dict[str, Any]:
    """Every figure of the report for a group of pairs."""
    conf = np.array([o.confidence for o in outcomes], dtype=float)
    right = np.array([o.right for o in outcomes], dtype=bool)
    refused = np.array([o.refused for o in outcomes], dtype=bool)
    answered = ~refused
    return {
        "pairs": len(outcomes),
        "refused_at_0": int(refused.sum()),
        "right": float(right.mean()) if len(right) else math.nan,
        "mean_confidence": float(conf.mean()) if len(conf) else math.nan,
        "ece": expected_calibration_error(conf, right, bins),
        "ece_if_calibrated": calibrated_ece(conf, bins),
        "coverage": interval_coverage(np.array([o.error for o in outcomes])[answered],
                                      np.array([o.uncertainty for o in outcomes])[answered]),
        "threshold": at_threshold(conf, right, threshold, refused),
        "median_wall_s": float(np.median([o.wall_s for o in outcomes])) if outcomes else math.nan,
    }


def breakdown(outcomes: list[Outcome], groups: Callable[[Outcome], Iterable[str]]) -> dict[str, list[Outcome]]:
    """Pairs by group; a pair may be in several (its conditions), sorted by group name."""
    out: dict[str, list[Outcome]] = {}
    for o in outcomes:
        for g in groups(o):
            out.setdefault(g, []).append(o)
    return dict(sorted(out.items()))


def input_features(record: dict[str, Any]) -> dict[str, float]:
    """What the engine knew about each input (``input.0.`` the reference, ``input.1.`` the other):
    frame rate, frames with a pose, quarter turns, and whether the rate was assumed and the size
    taken from the poses' extent."""
    out: dict[str, float] = {}
    for i, facts in enumerate(record.get("inputs") or []):
        out.update({f"input.{i}.fps": facts.get("fps"), f"input.{i}.frames": facts.get("frames"),
                    f"input.{i}.valid_frames": facts.get("valid_frames"),
                    f"input.{i}.upright_turns": facts.get("upright_turns"),
                    f"input.{i}.fps_assumed": facts.get("fps_source") == "assumed",
                    f"input.{i}.size_from_extent": facts.get("size_source") == "extent"})
    return out


def load_calibration_set(path: str | Path, role: str = "engine", fingerprint: str | None = None,
                         inputs: bool = True) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray]:
    """A split's records (the calibrator's ``calib`` split) as ``(features, names, right,
    error)``: one row per pair that got an answer, one column per numeric evidence scalar (and,
    with ``inputs``, :func:`input_features`; booleans as 0/1, NaN where a pair lacks one),
    whether the answer is right, and its error (frames of B). Pairs refused even at threshold 0
    have no evidence and are left out."""
    records = [r for r in read_records(path, fingerprint) if r.get("role") == role and not r.get("refused")]
    rows = [{**(r.get("evidence") or {}), **(input_features(r) if inputs else {})} for r in records]
    names = sorted({k for row in rows for k, v in row.items() if isinstance(v, (bool, int, float)) or v is None})
    x = np.full((len(rows), len(names)), np.nan)
    for i, row in enumerate(rows):
        for j, name in enumerate(names):
            v = row.get(name)
            if isinstance(v, (bool, int, float)):
                x[i, j] = float(v)
    outs = [outcome(r) for r in records]
    return x, names, np.array([o.right for o in outs], dtype=bool), np.array([o.error for o in outs])


# ---------------------------------------------------------------------------------- picture
def plot_reliability(groups: dict[str, list[Outcome]], path: str | Path, title: str = "",
                     bins: int = N_BINS) -> Path:
    """The reliability diagram of each group (e.g. the engine and the baseline) side by side,
    each with the share of pairs per bin below it, written as a PNG (Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, len(groups), figsize=(4.2 * len(groups), 5.6), squeeze=False,
                             gridspec_kw={"height_ratios": [3, 1]})
    for col, (name, outs) in enumerate(groups.items()):
        conf = np.array([o.confidence for o in outs])
        right = np.array([o.right for o in outs])
        found = reliability_bins(conf, right, bins)
        centres = [(b.low + b.high) / 2 for b in found]
        top, bottom = axes[0, col], axes[1, col]
        top.bar(centres, [0 if b.count == 0 else b.share_right for b in found], width=1 / bins,
                edgecolor="black", color="#4c72b0", label="share within 1 frame")
        top.plot([0, 1], [0, 1], "--", color="gray", label="calibrated")
        top.set(xlim=(0, 1), ylim=(0, 1), ylabel="share within 1 frame",
                title=f"{name}\nECE {expected_calibration_error(conf, right, bins):.3f}, {len(outs)} pairs")
        top.legend(loc="upper left", fontsize=8)
        bottom.bar(centres, [b.count / max(1, len(outs)) for b in found], width=1 / bins, color="gray",
                   edgecolor="black")
        bottom.set(xlim=(0, 1), xlabel="confidence", ylabel="share of pairs")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=100)
    plt.close(fig)
    return Path(path)

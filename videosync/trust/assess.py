"""One place turns a pair's evidence into what the user is told: a calibrated confidence, an
error bar, the candidate offsets and, when the answer is not trusted, the reason.

Data flow: a method's :class:`~videosync.sync.methods.base.PairEstimate` ->
:func:`videosync.trust.evidence.pair_evidence` -> the shipped calibrator
(:mod:`videosync.trust.calibrator`, fitted on a split of ``benchmarks/bench_calibration.py`` that
is used neither for tuning nor for reporting) -> :class:`Assessment`. Without a calibrator for
the method (a custom method, or one never calibrated) the method's own confidence is kept and
the assessment says it is not calibrated.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from videosync.poses import PoseTrack
from videosync.sync.bounds import OffsetBounds
from videosync.trust.calibrator import Calibration, MonotoneMap
from videosync.trust.candidates import candidate_probabilities, vote_peaks
from videosync.trust.evidence import pair_evidence
from videosync.trust.reasons import Reason
from videosync.tunables import (
    DEFAULT_MIN_CONFIDENCE,
    DEFAULT_SEPARATION,
    INTERVAL_LEVEL,
    MIN_OVERLAP_SECONDS,
    NO_SHARED_MOTION_AGREEMENT,
    REPEATED_MOTION_SHARE,
    RIVAL_SECONDS,
    UNCALIBRATED_HALF_WIDTH_FRAMES,
    UNCALIBRATED_MIN_CONFIDENCE,
)


@dataclass(frozen=True)
class Candidate:
    """An offset the pair could have (frames of B) and the probability that it is the right one."""

    offset_frames: float
    probability: float
    #: its soft votes over the answer's (1 for the answer itself): the evidence behind the probability
    share: float = 1.0

    def to_json(self) -> dict[str, float]:
        return {"offset_frames": round(float(self.offset_frames), 3), "probability": round(float(self.probability), 4)}


@dataclass
class Assessment:
    """What the answer of one pair is worth.

    Attributes:
        confidence: P(the answer is within 1 frame of the truth) (the method's own score when
            ``calibrated`` is False).
        uncertainty_frames: half-width (frames of B) of the interval around the answer that holds
            the truth with probability ``INTERVAL_LEVEL`` (0.9); wide when a rival offset is likely.
        candidates: the answer first, then the rival offsets a repetition away, each with its
            probability.
        reason: why the answer would be refused were its confidence below ``align``'s threshold
            (the first specific problem the evidence shows, else WEAK_EVIDENCE): named whatever
            the confidence, since the threshold is ``align``'s decision
            (:meth:`videosync.result.PairOffset.refusal` names it only for a refused answer).
        evidence: the named numbers the confidence was computed from.
        calibrated: whether a fitted calibrator made the confidence.
    """

    confidence: float
    uncertainty_frames: float
    candidates: list[Candidate]
    reason: Reason | None
    evidence: dict[str, float] = field(repr=False, default_factory=dict)
    calibrated: bool = False


def assess(estimate: Any, track_a: PoseTrack, track_b: PoseTrack, bounds: OffsetBounds,
           calibration: Calibration | None) -> Assessment:
    """The :class:`Assessment` of ``estimate`` (a PairEstimate of ``track_b`` against ``track_a``)."""
    evidence = pair_evidence(estimate, track_a, track_b)
    if calibration is not None:
        confidence, local = calibration.confidence(evidence), calibration.local_half_width(evidence)
        elsewhere, far = calibration.elsewhere, calibration.far
    else:
        confidence, local, elsewhere, far = float(estimate.confidence), UNCALIBRATED_HALF_WIDTH_FRAMES, 1.0, None
    if ruled_out(evidence, estimate.diagnostics.get("beyond_bounds") is not None):
        confidence = 0.0
    rivals = rival_offsets(estimate, bounds)
    probabilities = candidate_probabilities(confidence, [share for _, share in rivals], elsewhere)
    candidates = [Candidate(float(estimate.offset_frames), probabilities[0])]
    candidates += [Candidate(offset, p, share) for (offset, share), p in zip(rivals, probabilities[1:])]
    evidence["searched_frames"] = searched = _widest(track_a, track_b, bounds, estimate.rate)
    width = interval_half_width(candidates, local, searched, far=far)
    return Assessment(confidence, width, candidates, refusal_reason(evidence, candidates, estimate),
                      evidence, calibration is not None)


def rival_offsets(estimate: Any, bounds: OffsetBounds) -> list[tuple[float, float]]:
    """Peaks of the matching's soft votes a repetition away from the answer: ``(offset, share)``."""
    votes = estimate.diagnostics.get("votes")
    fit = estimate.fit
    if votes is None or fit is None or fit.rate_source != "nominal":
        return []  # votes are binned at the nominal rate: not comparable with a fitted one
    separation = max(DEFAULT_SEPARATION, RIVAL_SECONDS * estimate.fps_b)
    allowed = None if bounds.max_frames is None else (-float(bounds.max_frames), float(bounds.max_frames))
    return vote_peaks(votes[0], votes[1], float(estimate.offset_frames), separation, allowed)


def _widest(track_a: PoseTrack, track_b: PoseTrack, bounds: OffsetBounds, rate: float) -> float:
    """The largest error an answer inside the searched range can have (frames of B): the interval
    when the evidence cannot narrow it."""
    if bounds.max_frames is not None:
        return 2.0 * float(bounds.max_frames)
    span_b = float(track_b.frame_index[-1] - track_b.frame_index[0]) if len(track_b) else 0.0
    span_a = float(track_a.frame_index[-1] - track_a.frame_index[0]) if len(track_a) else 0.0
    return span_b + abs(rate) * span_a


def interval_half_width(candidates: list[Candidate], local: float, widest: float,
                        level: float = INTERVAL_LEVEL, far: MonotoneMap | None = None) -> float:
    """The smallest half-width around the answer (``candidates[0]``) holding ``level`` of the
    probability (frames of B).

    The answer's mass counts from ``local`` (its own spread: the interval holds ``level`` of its
    near answers by construction of ``local``, the calibrator's scale factor), each rival's from
    its distance plus ``local``, and the mass at no listed candidate (1 minus the listed ones)
    spreads as ``far``: the share of wrong answers whose truth lies within a fraction ``u`` of
    ``widest`` (the largest error the searched range allows), fitted with the calibrator. Without
    ``far`` that mass sits nowhere in particular, so the interval is then ``widest``.
    """
    answer = candidates[0].offset_frames
    steps = [(float(local), candidates[0].probability)]
    steps += [(abs(c.offset_frames - answer) + local, c.probability) for c in candidates[1:]]
    rest = max(0.0, 1.0 - sum(p for _, p in steps))
    if far is None or not (0 < widest < math.inf):
        rest = 0.0  # the unlisted mass is nowhere in particular: only widest holds it

    def mass(w: float, upto: bool = True) -> float:
        """The probability within ``w`` (``upto`` False: steps at ``w`` itself not counted)."""
        listed = sum(p for at, p in steps if (at <= w if upto else at < w))
        return listed + (rest * far(w / widest) if rest else 0.0)

    points = sorted({w for w, _ in steps if w < widest} | ({widest * u for u in far.x if u < 1} if rest else set()))
    lo = 0.0
    for hi in [*points, widest]:
        if mass(lo) >= level:
            return float(lo)
        top = mass(hi, upto=False)  # between lo and hi the mass grows linearly (far is piecewise linear)
        if top >= level:
            return float(lo + (hi - lo) * (level - mass(lo)) / (top - mass(lo)))
        lo = hi
    return float(max(widest, local))


def refusal_reason(evidence: dict[str, float], candidates: list[Candidate], estimate: Any) -> Reason:
    """Why this answer would be refused, checked in the order of :class:`Reason`: WEAK_EVIDENCE
    when the evidence names no specific problem (the confidence alone is too low)."""
    overlap = evidence.get("overlap_seconds", math.nan)
    if math.isfinite(overlap) and overlap < MIN_OVERLAP_SECONDS:
        return Reason.NO_OVERLAP
    if estimate.diagnostics.get("beyond_bounds") is not None:
        return Reason.OUTSIDE_BOUNDS
    if evidence.get("rate_unresolved"):
        return Reason.FRAME_RATE_UNKNOWN
    if evidence.get("drift_flagged"):
        return Reason.NOT_CONSTANT
    if any(c.share >= REPEATED_MOTION_SHARE for c in candidates[1:]):
        return Reason.REPEATED_MOTION
    agreement = evidence.get("fit_agreement", math.nan)
    if not evidence.get("geo_conclusive") and math.isfinite(agreement) and agreement < NO_SHARED_MOTION_AGREEMENT:
        return Reason.NO_SHARED_MOTION
    return Reason.WEAK_EVIDENCE


def ruled_out(evidence: Mapping[str, float], beyond_bounds: bool) -> bool:
    """Whether the method itself says no single offset in the range explains the pair (a slide,
    a frame rate left unknown, an answer held at the bound): confidence 0, whatever the
    calibrator would say."""
    return bool(evidence.get("drift_flagged") or evidence.get("rate_unresolved") or beyond_bounds)


def likely_candidates(candidates: list[Candidate], share: float = REPEATED_MOTION_SHARE) -> list[Candidate]:
    """The answer (``candidates[0]``) and the rivals worth naming in a refusal (at least ``share``
    of the answer's votes), most probable first."""
    named = candidates[:1] + [c for c in candidates[1:] if c.share >= share]
    return sorted(named, key=lambda c: -c.probability)


def default_min_confidence(calibrated: bool = True) -> float:
    """``align``'s refusal threshold when none is given: calibrated probabilities and a method's
    own scores are on different scales, so each has its own default."""
    return DEFAULT_MIN_CONFIDENCE if calibrated else UNCALIBRATED_MIN_CONFIDENCE

"""Robust fit of the line ``j = rate * i + offset`` through matched frame pairs.

The paper (eq. 14) takes the median of ``o_i - i`` over all matched pairs; that is arbitrary when
more than half of the matches are wrong, integer-valued, and assumes equal frame rates (it is
still reported as ``median_offset``). Here, in *source* frame numbers:

1. Nominal rate ``fps_b / fps_a``: the offset is the centre of the ``2 * tolerance`` wide window
   of ``j - rate * i`` that holds the most pairs, or, when the matching's soft votes are given,
   their mode, as long as ``MIN_SOFT_SUPPORT`` pairs agree with it.
2. Free rate (when asked): RANSAC over pairs of matches, then least squares on the inliers; used
   only when the data demand it (as many pairs explained, a rate several standard errors and
   half a frame over the span away from the nominal one, within a plausible factor of it).
3. The sub-frame offset is the mean of ``j - rate * i`` over the inliers.

Confidence, in [0, 1], is ``agreement * (0.5 + 0.5 * quality) * uniqueness``: the share of the
overlapping pairs that agree with the line above what random matches reach, the inliers' median
peakedness (which halves it at most), and how far ahead of the best *other* offset (at least
``separation`` away) the chosen one is, counted in the evidence that chose it (soft votes or
argmax matches). Why each part, and the measurements behind the thresholds:
``docs/design/confidence.md`` and ``docs/design/tunables.md``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from videosync.errors import CannotSynchronizeError
from videosync.sync.bounds import UNBOUNDED, OffsetBounds
from videosync.tunables import (
    DEFAULT_MIN_INLIERS,
    DEFAULT_SEPARATION,
    DEFAULT_TOLERANCE,
    LABEL_RATE_FACTOR,
    MIN_SOFT_SUPPORT,
    QUALITY_WEIGHT,
    RATE_MIN_SHIFT_FRAMES,
    RATE_MIN_SIGMAS,
    RATE_MIN_SPACING_FRAMES,
    RATE_MIN_SPACING_SHARE,
    RATE_TRIALS,
    RIVAL_SHARE_FREE,
    VIDEO_RATE_FACTOR,
)

@dataclass
class OffsetFit:
    """Result of :func:`fit_offset`. Frame numbers are source frame numbers.

    Attributes:
        offset_frames: sub-frame offset ``k``: frame ``i`` of A shows the same instant as frame
            ``rate * i + k`` of B (with rate 1: frame ``i + k``).
        rate: frames of B per frame of A used by the line.
        confidence: in [0, 1], see the module docstring.
        inlier_ratio: inliers / pairs whose predicted partner lies inside B.
        n_pairs: matched pairs given.
        n_inliers: pairs within ``tolerance`` of the line.
        n_overlap: pairs whose predicted partner lies inside B's frame range: the overlap's frames
            of A (``ka`` a pair once an estimate made on every ``ka``-th frame is renumbered).
        median_offset: the paper's eq. 14, ``median(j - nominal_rate * i)`` over all pairs.
        residual_std: standard deviation of the inliers' residuals (frames of B).
        offset_stderr: ``residual_std / sqrt(n_inliers)``; optimistic, since neighbouring
            matches are not independent.
        nominal_rate: the rate implied by the inputs' fps.
        rate_estimate, rate_stderr: the free-rate fit, when one was made.
        rate_source: ``"nominal"`` or ``"estimated"``: which rate the line uses.
        chance: inlier share expected from random matches.
        quality: median peakedness of the inliers (1 when none was given).
        tolerance: the inlier threshold used.
        inliers: boolean mask over the given pairs.
        runner_up_ratio: pairs agreeing on the best offset at least ``separation`` away from the
            chosen line, over the chosen line's inliers (0: no rival; 1: an equal rival).
        uniqueness: the factor that ratio puts on the confidence (see the module docstring).
        runner_up_offset: that best other offset (frames, like ``offset_frames``; with an
            estimated rate, at i = 0) when it is a peak of its own; None when it is only the
            shoulder of the chosen offset's peak or no offset lies ``separation`` away.
        beyond_bounds: where the agreeing matches point when that is clearly outside the bounds
            the offset was held in (:meth:`OffsetBounds.beyond`; the confidence is then 0: the
            answer at the bound is not the offset); None otherwise.
    """

    offset_frames: float
    rate: float
    confidence: float
    inlier_ratio: float
    n_pairs: int
    n_inliers: int
    n_overlap: int
    median_offset: float
    residual_std: float
    offset_stderr: float
    nominal_rate: float
    rate_estimate: float | None
    rate_stderr: float | None
    rate_source: str
    chance: float
    quality: float
    tolerance: float
    inliers: np.ndarray = field(repr=False)
    runner_up_ratio: float = 0.0
    uniqueness: float = 1.0
    runner_up_offset: float | None = None
    beyond_bounds: float | None = None


def _best_window(d: np.ndarray, tol: float, allowed: tuple[float, float] | None = None
                 ) -> tuple[float, np.ndarray]:
    """Offset whose ``+-tol`` window holds the most values, refined to the inliers' mean; with
    ``allowed``, only windows whose values may average to an offset inside it compete."""
    s = np.sort(d)
    counts = np.searchsorted(s, s + 2 * tol, side="right") - np.arange(len(s))
    if allowed is not None:
        counts = np.where((s + 2 * tol >= allowed[0]) & (s <= allowed[1]), counts, 0)
        if not counts.any():  # no value near the range: no window, no inliers
            return 0.5 * (allowed[0] + allowed[1]), np.zeros(len(d), bool)
    k = int(np.argmax(counts))
    return _window_at(d, float(np.median(s[k:k + counts[k]])), tol, allowed)


def _window_at(d: np.ndarray, b: float, tol: float, allowed: tuple[float, float] | None = None
               ) -> tuple[float, np.ndarray]:
    """The values within ``tol`` of ``b``, with ``b`` moved to their mean until it settles (and
    kept inside ``allowed`` when given)."""
    if allowed is not None:
        b = float(np.clip(b, *allowed))
    inl = np.abs(d - b) <= tol
    for _ in range(10):
        if not inl.any():
            break
        b_new = float(d[inl].mean())
        if allowed is not None:
            b_new = float(np.clip(b_new, *allowed))
        inl_new = np.abs(d - b_new) <= tol
        if b_new == b and np.array_equal(inl_new, inl):
            break
        b, inl = b_new, inl_new
    return b, inl


def _rival_share(residuals: np.ndarray, tol: float, separation: float, n_inliers: int,
                 allowed: tuple[float, float] | None = None) -> tuple[float, float | None]:
    """Most pairs inside a ``+-tol`` window centred ``separation`` or more from the chosen line
    (residual 0) and, with ``allowed``, inside that range of residuals, over the chosen line's
    ``n_inliers``; and that window's centre (a residual), None when there is no such window or it
    is not a peak of its own."""
    s = np.sort(residuals)
    counts = np.searchsorted(s, s + 2 * tol, side="right") - np.arange(len(s))
    far = np.abs(s + tol) >= separation
    if allowed is not None:
        far &= (s + tol >= allowed[0]) & (s + tol <= allowed[1])
    if not far.any():
        return 0.0, None
    k = int(np.flatnonzero(far)[np.argmax(counts[far])])
    centre = float(s[k:k + counts[k]].mean())  # of the values in the window, as for the chosen line
    beside = [int(np.sum(np.abs(s - c) <= tol)) for c in (centre - tol, centre + tol)]
    peak = counts[k] >= max(beside)  # a rival of its own, not the shoulder of the chosen line
    return float(counts[k]) / max(n_inliers, 1), centre if peak else None


def _soft_rival_share(offsets: np.ndarray, weights: np.ndarray, mode: float, separation: float
                      ) -> tuple[float, float | None]:
    """The most soft votes of an offset ``separation`` or more from ``mode``, over the mode's;
    and that offset (None when there is none, or when it is not a local maximum)."""
    at_mode = float(weights[np.argmin(np.abs(offsets - mode))])
    far = np.flatnonzero(np.abs(offsets - mode) >= separation)
    if not len(far) or at_mode <= 0:
        return 0.0, None
    k = far[np.argmax(weights[far])]
    # a rival of its own (a local maximum), not the shoulder of the chosen offset's peak
    peak = all(weights[k] >= weights[n] for n in (k - 1, k + 1) if 0 <= n < len(weights))
    return float(weights[k]) / at_mode, float(offsets[k]) if peak else None


def _line_fit(i: np.ndarray, j: np.ndarray) -> tuple[float, float, float]:
    """Least squares ``j = r i + b``; returns r, b and the standard error of r."""
    im, jm = i.mean(), j.mean()
    x = i - im
    sxx = float((x * x).sum())
    r = float((x * (j - jm)).sum() / sxx)
    b = float(jm - r * im)
    res = j - (r * i + b)
    dof = max(len(i) - 2, 1)
    se = float(np.sqrt((res * res).sum() / dof / sxx))
    return r, b, se


def _ransac_rate(
    i: np.ndarray, j: np.ndarray, r0: float, tol: float, n_trials: int, rng: np.random.Generator,
    max_factor: float = LABEL_RATE_FACTOR,
) -> tuple[float, float, np.ndarray] | None:
    """Best free line by RANSAC over pairs of matches with a rate within ``max_factor`` of ``r0``
    (either way), refit on its inliers."""
    span = float(i.max() - i.min())
    if span <= 0:
        return None
    k1 = rng.integers(0, len(i), n_trials)
    k2 = rng.integers(0, len(i), n_trials)
    di = i[k2] - i[k1]
    ok = np.abs(di) >= max(RATE_MIN_SPACING_FRAMES, RATE_MIN_SPACING_SHARE * span)
    if not ok.any():
        return None
    r = (j[k2[ok]] - j[k1[ok]]) / di[ok]
    b = j[k1[ok]] - r * i[k1[ok]]
    plausible = (r > r0 / max_factor) & (r < r0 * max_factor)
    r, b = r[plausible], b[plausible]
    if len(r) == 0:
        return None
    best_count, best = -1, (0.0, 0.0)
    for start in range(0, len(r), 64):  # bounded memory: 64 hypotheses x n pairs at a time
        rr, bb = r[start:start + 64], b[start:start + 64]
        counts = (np.abs(j[None, :] - (rr[:, None] * i[None, :] + bb[:, None])) <= tol).sum(1)
        k = int(np.argmax(counts))
        if counts[k] > best_count:
            best_count, best = int(counts[k]), (float(rr[k]), float(bb[k]))
    rate, off = best
    inl = np.abs(j - (rate * i + off)) <= tol
    for _ in range(10):
        if inl.sum() < 3:
            return None
        rate, off, _ = _line_fit(i[inl], j[inl])
        inl_new = np.abs(j - (rate * i + off)) <= tol
        if np.array_equal(inl_new, inl):
            break
        inl = inl_new
    return rate, off, inl


@dataclass
class _Line:
    """A line through the matches while it is being chosen (indices over the finite pairs).

    ``argmax_support``: the pairs in the best argmax window, the evidence that some offset exists
    at all; ``soft_mode``: the soft votes' offset when they chose the line; ``beyond``: where the
    inliers point when the bounds held the offset more than ``BEYOND_BOUNDS_FRAMES`` away.
    """

    rate: float
    offset: float
    inliers: np.ndarray
    argmax_support: int
    source: str = "nominal"
    soft_mode: float | None = None
    rate_estimate: float | None = None
    rate_stderr: float | None = None
    beyond: float | None = None


def _finite_pairs(i: np.ndarray, j: np.ndarray, nominal_rate: float, min_inliers: int
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The finite pairs' mask and their ``i`` and ``j``; raises when fewer than ``min_inliers``."""
    i = np.asarray(i, dtype=np.float64).reshape(-1)
    j = np.asarray(j, dtype=np.float64).reshape(-1)
    if i.shape != j.shape:
        raise ValueError("i and j must have the same length")
    finite = np.isfinite(i) & np.isfinite(j)
    if not nominal_rate > 0:
        raise ValueError("nominal_rate must be positive")
    n_pairs = int(finite.sum())
    if n_pairs < min_inliers:
        raise CannotSynchronizeError(
            f"only {n_pairs} frames could be matched (need at least {min_inliers} overlapping "
            "frames with a detected person)", reason="no_overlap")
    return finite, i[finite], j[finite]


def _votes_inside(votes: tuple[np.ndarray, np.ndarray] | None, bounds: OffsetBounds
                  ) -> tuple[np.ndarray, np.ndarray] | None:
    """The soft votes for offsets inside ``bounds`` (all of them when unbounded)."""
    if votes is None or bounds.offset_range is None:
        return votes
    low, high = bounds.offset_range
    inside = (votes[0] >= low) & (votes[0] <= high)
    return np.asarray(votes[0])[inside], np.asarray(votes[1])[inside]


def _nominal_line(d: np.ndarray, rate: float, tolerance: float,
                  votes: tuple[np.ndarray, np.ndarray] | None, bounds: OffsetBounds) -> _Line:
    """The offsets ``d = j - rate * i`` at the nominal rate: the fullest window of them, or the
    soft votes' mode when ``MIN_SOFT_SUPPORT`` pairs agree with it."""
    offset, inl = _best_window(d, tolerance, bounds.offset_range)
    line = _Line(rate, offset, inl, argmax_support=int(inl.sum()))
    if votes is not None and len(votes[1]) and np.max(votes[1]) > 0:
        mode = float(np.asarray(votes[0])[int(np.argmax(votes[1]))])
        soft_offset, soft_inl = _window_at(d, mode, tolerance, bounds.offset_range)
        if soft_inl.sum() >= MIN_SOFT_SUPPORT:
            line.offset, line.inliers, line.soft_mode = soft_offset, soft_inl, mode
    return line


def _free_line(line: _Line, i: np.ndarray, j: np.ndarray, tolerance: float, n_trials: int,
               seed: int | np.random.Generator, max_rate_factor: float, bounds: OffsetBounds) -> _Line:
    """``line``, or the free-rate line (RANSAC, then least squares on its inliers) when the data
    demand it: it explains as many pairs, its rate is plausible, several standard errors and
    ``RATE_MIN_SHIFT_FRAMES`` over the span away from the nominal one, and its offset allowed."""
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    r0 = line.rate
    free = _ransac_rate(i, j, r0, tolerance, n_trials, rng, max_rate_factor)
    if free is None:
        return line
    finl = free[2]
    fr, fb, se = _line_fit(i[finl], j[finl])
    line = dataclasses.replace(line, rate_estimate=fr, rate_stderr=se)
    span = float(i[finl].max() - i[finl].min())
    plausible = r0 / max_rate_factor <= fr <= r0 * max_rate_factor  # the refit may drift out
    if (plausible and bounds.contains(fb) and finl.sum() >= line.argmax_support
            and abs(fr - r0) > RATE_MIN_SIGMAS * se and abs(fr - r0) * span > RATE_MIN_SHIFT_FRAMES):
        line = dataclasses.replace(line, rate=fr, offset=fb, inliers=finl, source="estimated")
    return line


def _settled(line: _Line, i: np.ndarray, j: np.ndarray, bounds: OffsetBounds) -> tuple[_Line, np.ndarray]:
    """The line with its sub-frame offset (at the nominal rate the inliers' mean, held inside
    ``bounds``), and every pair's residual to it."""
    if line.source == "nominal":
        pointed = float((j[line.inliers] - line.rate * i[line.inliers]).mean())
        line = dataclasses.replace(line, offset=bounds.clip(pointed),
                                   beyond=pointed if bounds.beyond(pointed) else None)
    return line, j - (line.rate * i + line.offset)


def _agreement(line: _Line, i: np.ndarray, finite: np.ndarray, b_range: tuple[float, float] | None,
               n_candidates: np.ndarray | None, tolerance: float) -> tuple[int, float, float, float]:
    """``(n_overlap, inlier_ratio, chance, agreement)``: the pairs whose partner the line puts
    inside B, the inliers' share of them, the share random matches would reach, and the share
    above chance (see the module docstring)."""
    n_inliers = int(line.inliers.sum())
    if b_range is not None:
        pred = line.rate * i + line.offset
        in_b = (pred >= b_range[0] - tolerance) & (pred <= b_range[1] + tolerance)
    else:
        in_b = np.ones(len(i), bool)
    n_overlap = int(max(in_b.sum(), n_inliers))
    inlier_ratio = n_inliers / n_overlap
    chance = 0.0
    if n_candidates is not None:
        cand = np.asarray(n_candidates, np.float64).reshape(-1)[finite]
        sel = in_b if in_b.any() else np.ones(len(i), bool)
        chance = float(np.mean(np.minimum(1.0, (2 * tolerance + 1) / np.maximum(cand[sel], 1))))
    agreement = 0.0 if chance >= 1 else float(np.clip((inlier_ratio - chance) / (1 - chance), 0, 1))
    return n_overlap, inlier_ratio, chance, agreement


def _runner_up(line: _Line, res: np.ndarray, votes: tuple[np.ndarray, np.ndarray] | None,
               separation: float, tolerance: float, bounds: OffsetBounds) -> tuple[float, float | None]:
    """The best other offset's support over the chosen one's and that offset (see
    ``uniqueness``), in the evidence that chose the line: the soft votes or the matches."""
    if line.soft_mode is not None and line.source == "nominal":
        runner_up, rival = _soft_rival_share(np.asarray(votes[0], np.float64), np.asarray(votes[1], np.float64),
                                             line.soft_mode, separation)
        if rival is not None:  # the votes' offsets are whole frames; report the rival like the mode
            rival += line.offset - line.soft_mode
        return runner_up, rival
    allowed = None
    if bounds.offset_range is not None and line.source == "nominal":
        allowed = (bounds.offset_range[0] - line.offset, bounds.offset_range[1] - line.offset)
    runner_up, rival = _rival_share(res, tolerance, separation, int(line.inliers.sum()), allowed)
    return runner_up, None if rival is None else rival + line.offset


def fit_offset(
    i: np.ndarray, j: np.ndarray, *, nominal_rate: float = 1.0, estimate_rate: bool = False,
    quality: np.ndarray | None = None, n_candidates: np.ndarray | None = None,
    b_range: tuple[float, float] | None = None, tolerance: float = DEFAULT_TOLERANCE,
    min_inliers: int = DEFAULT_MIN_INLIERS, separation: float = DEFAULT_SEPARATION,
    n_trials: int = RATE_TRIALS, seed: int | np.random.Generator = 0,
    max_rate_factor: float = LABEL_RATE_FACTOR, votes: tuple[np.ndarray, np.ndarray] | None = None,
    bounds: OffsetBounds = UNBOUNDED,
) -> OffsetFit:
    """Fit ``j = rate * i + offset`` robustly through matched pairs (see the module docstring).

    Args:
        i, j: source frame numbers of the matched pairs in A, and in B (may be fractional).
        nominal_rate: ``fps_b / fps_a``.
        estimate_rate: also try a free rate (RANSAC: ``n_trials`` hypotheses, ``seed``) and use
            it when the data demand it, within ``max_rate_factor`` of the nominal rate
            (``VIDEO_RATE_FACTOR`` when both rates come from video timestamps).
        quality, n_candidates: optional per-pair peakedness in [0, 1], and number of columns
            each row was compared with (the chance level), for the confidence.
        b_range: first and last source frame of B: pairs whose partner the line puts outside it
            do not count in the inlier ratio (frames of A that B never saw cannot agree).
        tolerance, min_inliers: inlier threshold (frames of B); fewest agreeing pairs accepted.
        separation: distance (frames of B) beyond which another offset is a rival.
        votes: optional ``(offsets, weights)``, the matching's soft votes for ``j - nominal_rate * i``.
        bounds: the allowed offsets (``--max-offset``): the offset is chosen inside them (an
            estimated rate only used when its offset is); the evidence outside still counts
            against it (chance level, inlier ratio).

    Raises:
        CannotSynchronizeError: too few pairs, or too few that agree on one line.
    """
    finite, i_f, j_f = _finite_pairs(i, j, nominal_rate, min_inliers)
    r0 = float(nominal_rate)
    votes = _votes_inside(votes, bounds)
    line = _nominal_line(j_f - r0 * i_f, r0, tolerance, votes, bounds)
    if estimate_rate:
        line = _free_line(line, i_f, j_f, tolerance, n_trials, seed, max_rate_factor, bounds)
    most_agreeing = max(line.argmax_support, int(line.inliers.sum()))
    if most_agreeing < min_inliers:
        raise CannotSynchronizeError(f"only {most_agreeing} of {len(i_f)} matched frames agree on one offset "
                                     f"(need at least {min_inliers})", reason="no_shared_motion")
    line, res = _settled(line, i_f, j_f, bounds)
    n_inliers, residual_std = int(line.inliers.sum()), float(res[line.inliers].std())
    n_overlap, inlier_ratio, chance, agreement = _agreement(line, i_f, finite, b_range, n_candidates, tolerance)
    qual = 1.0 if quality is None else float(np.clip(
        np.median(np.asarray(quality, np.float64).reshape(-1)[finite][line.inliers]), 0.0, 1.0))
    runner_up, rival = _runner_up(line, res, votes, max(separation, 2 * tolerance), tolerance, bounds)
    uniqueness = float(np.clip((1.0 - runner_up) / (1.0 - RIVAL_SHARE_FREE), 0.0, 1.0))
    weight = (1 - QUALITY_WEIGHT) + QUALITY_WEIGHT * qual
    confidence = 0.0 if line.beyond is not None else agreement * weight * uniqueness
    mask = np.zeros(len(finite), bool)
    mask[np.flatnonzero(finite)[line.inliers]] = True
    return OffsetFit(
        offset_frames=float(line.offset), rate=float(line.rate), confidence=float(confidence),
        inlier_ratio=float(inlier_ratio), n_pairs=len(i_f), n_inliers=n_inliers, n_overlap=n_overlap,
        median_offset=float(np.median(j_f - r0 * i_f)), residual_std=residual_std,
        offset_stderr=residual_std / np.sqrt(n_inliers), nominal_rate=r0, rate_estimate=line.rate_estimate,
        rate_stderr=line.rate_stderr, rate_source=line.source, chance=chance, quality=qual,
        tolerance=float(tolerance), inliers=mask, runner_up_ratio=runner_up, uniqueness=uniqueness,
        runner_up_offset=rival, beyond_bounds=line.beyond,
    )

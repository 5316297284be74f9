"""Combine pairwise offsets between N inputs into one offset per input.

Each pairwise estimate says "input j's clock is ``d_ij`` seconds ahead of input i's":
``s_j - s_i = d_ij``. With more pairs than inputs - 1 the system is over-determined, which is
useful: a weighted least-squares solution averages out small errors, and a pair that does not fit
the others reveals a wrong estimate instead of silently shifting one camera.

Procedure:

1. Weighted least squares on the pairs with positive weight (the confidence), input 0 fixed at 0.
2. The residual of every pair is ``(s_j - s_i) - d_ij``. A pair *disagrees* when ``|residual|``
   exceeds ``threshold_frames`` (default 1.5) frames at the slowest input's fps: more than one
   frame of slack (each pairwise estimate may be off by half a frame) but less than two.
3. If some pair disagrees, the one with the largest residual is dropped and step 1 repeated, as
   long as dropping it leaves every input linked to input 0. This is what isolates a single bad
   pair among consistent ones. When the two largest residuals are within 10% of each other (the
   3-camera triangle with equal weights: one bad pair spreads equally over all three), the data
   cannot say which pair is wrong; we stop, keep the plain least-squares answer and set
   ``ambiguous``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from videosync.errors import CannotSynchronizeError
from videosync.poses import PoseTrack
from videosync.result import InputOffset, PairOffset

#: The standard normal's 95th percentile: a 90 % two-sided interval is +-Z_INTERVAL sigma.
Z_INTERVAL = 1.6449
from videosync.tunables import (
    MIN_UNCERTAINTY_FRAMES,
    AMBIGUOUS_CONFIDENCE_FACTOR,
    AMBIGUOUS_RESIDUAL_RATIO,
    DISAGREE_FRAMES,
    MIN_LINK_WEIGHT,
)


@dataclass(frozen=True)
class PairwiseOffset:
    """``s_j - s_i = offset_seconds`` measured with confidence ``weight`` (>= 0)."""

    i: int
    j: int
    offset_seconds: float
    weight: float = 1.0


@dataclass
class SolveResult:
    """Per-input offsets (seconds, input 0 at 0) and how well each pair agrees with them.

    Attributes:
        offsets_seconds: ``(n,)``: input k shows an instant ``offsets_seconds[k]`` later on its
            own clock than input 0 does.
        residuals_seconds: per given pair, ``(s_j - s_i) - offset_seconds``.
        used: per given pair, whether it took part in the final solve.
        disagreeing: indices of the pairs whose ``|residual|`` exceeds the threshold.
        threshold_seconds: the threshold used.
        ambiguous: a disagreement could not be pinned to one pair (see the module docstring).
    """

    offsets_seconds: np.ndarray
    residuals_seconds: np.ndarray
    used: np.ndarray
    disagreeing: list[int]
    threshold_seconds: float
    ambiguous: bool = False


def _connected(n: int, pairs: Sequence[PairwiseOffset], use: np.ndarray) -> np.ndarray:
    """Component label of every input in the graph of the used pairs."""
    ii = np.array([p.i for p, u in zip(pairs, use) if u], dtype=np.int64)
    jj = np.array([p.j for p, u in zip(pairs, use) if u], dtype=np.int64)
    graph = coo_matrix((np.ones(len(ii)), (ii, jj)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def _wls(n: int, pairs: Sequence[PairwiseOffset], use: np.ndarray) -> np.ndarray:
    rows = [k for k, u in enumerate(use) if u]
    a = np.zeros((len(rows), n))
    d = np.zeros(len(rows))
    for r, k in enumerate(rows):
        p = pairs[k]
        sw = np.sqrt(p.weight)
        a[r, p.j] += sw
        a[r, p.i] -= sw
        d[r] = sw * p.offset_seconds
    s = np.zeros(n)
    if n > 1:
        s[1:] = np.linalg.lstsq(a[:, 1:], d, rcond=None)[0]
    return s


def _check_pairs(n_inputs: int, pairs: Sequence[PairwiseOffset]) -> None:
    if n_inputs < 1:
        raise ValueError("n_inputs must be >= 1")
    for p in pairs:
        if not (0 <= p.i < n_inputs and 0 <= p.j < n_inputs) or p.i == p.j:
            raise ValueError(f"bad pair ({p.i}, {p.j}) for {n_inputs} inputs")
        if not (p.weight >= 0 and np.isfinite(p.weight) and np.isfinite(p.offset_seconds)):
            raise ValueError(f"pair ({p.i}, {p.j}) has a non-finite offset or negative weight")


def _solve_rejecting(n_inputs: int, pairs: Sequence[PairwiseOffset], use: np.ndarray, threshold_seconds: float,
                     reject: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """Steps 1-3 of the module docstring: the offsets, every pair's residual, the pairs used and
    whether a disagreement could not be pinned to one pair."""
    while True:
        s = _wls(n_inputs, pairs, use)
        res = np.array([(s[p.j] - s[p.i]) - p.offset_seconds for p in pairs])
        bad = use & (np.abs(res) > threshold_seconds)
        if not reject or not bad.any():
            return s, res, use, False
        order = [k for k in np.argsort(-np.abs(res)) if use[k]]
        worst = order[0]
        if len(order) > 1 and abs(res[order[1]]) >= AMBIGUOUS_RESIDUAL_RATIO * abs(res[worst]):
            return s, res, use, True
        trial = use.copy()
        trial[worst] = False
        trial_labels = _connected(n_inputs, pairs, trial)
        if np.any(trial_labels != trial_labels[0]):
            return s, res, use, True  # the bad pair is the only link of some input: nothing to compare
        use = trial


def solve_offsets(
    n_inputs: int,
    pairs: Sequence[PairwiseOffset],
    *,
    fps: Sequence[float] | None = None,
    threshold_seconds: float | None = None,
    threshold_frames: float = DISAGREE_FRAMES,
    reject: bool = True,
    names: Sequence[str] | None = None,
) -> SolveResult:
    """Per-input offsets from pairwise ones (see the module docstring).

    Args:
        n_inputs: number of inputs; pairs refer to them as 0 .. n_inputs - 1.
        pairs: the pairwise measurements; weight 0 means "do not use".
        fps: frame rate of every input, to express the threshold in frames of the slowest one.
        threshold_seconds: explicit threshold (overrides ``fps`` / ``threshold_frames``).
        threshold_frames: threshold in frames at ``min(fps)``.
        reject: drop disagreeing pairs one at a time (step 3); False keeps plain least squares.
        names: input names for error messages.

    Raises:
        CannotSynchronizeError: some input is not linked to input 0 by any usable pair.
    """
    _check_pairs(n_inputs, pairs)
    if threshold_seconds is None:
        if fps is None:
            raise ValueError("give fps or threshold_seconds")
        threshold_seconds = threshold_frames / float(min(fps))
    use = np.array([p.weight > 0 for p in pairs], dtype=bool)
    labels = _connected(n_inputs, pairs, use)
    unlinked = [k for k in range(n_inputs) if labels[k] != labels[0]]
    if unlinked:
        who = ", ".join(names[k] if names else f"input {k}" for k in unlinked)
        raise CannotSynchronizeError(
            f"no usable pairwise estimate links {who} to the reference input")
    s, res, use, ambiguous = _solve_rejecting(n_inputs, pairs, use, threshold_seconds, reject)
    disagreeing = [k for k in range(len(pairs)) if abs(res[k]) > threshold_seconds]
    return SolveResult(
        offsets_seconds=s,
        residuals_seconds=res,
        used=use,
        disagreeing=disagreeing,
        threshold_seconds=float(threshold_seconds),
        ambiguous=ambiguous,
    )


def solve_inputs(
    tracks: Sequence[PoseTrack], labels: Sequence[str], pairs: list[PairOffset], warnings: list[str],
    pair_notes: Sequence[str] = (),
) -> list[InputOffset]:
    """One consistent offset per input from all pairwise estimates (the N-camera policy).

    The offsets come from :func:`solve_offsets` (weighted least squares, the reference at 0).
    An input's confidence is that of the most confident pair linking it that agrees with the
    solution; a pair with confidence 0 still links its inputs (``MIN_LINK_WEIGHT``), so its input
    gets the best guess with confidence 0 instead of an error that hides the pair's own reason.
    Pairs that disagree are reported in ``warnings`` (and marked on the pairs, with their
    residuals), and an ambiguous solve multiplies every confidence by
    ``AMBIGUOUS_CONFIDENCE_FACTOR``.

    Raises:
        CannotSynchronizeError: an input no pair links to the reference; with ``pair_notes`` (the
            methods' caveats, by pair) the first one says why.
    """
    try:
        solution = solve_offsets(
            len(tracks),
            [PairwiseOffset(p.a, p.b, p.offset_seconds, max(p.confidence, MIN_LINK_WEIGHT)) for p in pairs],
            fps=[t.fps for t in tracks], names=list(labels),
        )
    except CannotSynchronizeError as exc:
        if not pair_notes:
            raise
        # a pair left out of the solve for a stated reason: say the reason, not only the effect
        raise CannotSynchronizeError(f"{str(exc).removeprefix('cannot synchronize: ')} ({pair_notes[0]})") from exc
    confidence = [1.0] + [0.0] * (len(tracks) - 1)
    for k, p in enumerate(pairs):
        p.residual_seconds = float(solution.residuals_seconds[k])
        p.disagrees = k in solution.disagreeing
        if p.disagrees:
            warnings.append(f"pair {labels[p.a]} / {labels[p.b]} disagrees with the others by "
                            f"{p.residual_seconds * tracks[p.b].fps:+.1f} frames")
        elif solution.used[k]:
            for idx in (p.a, p.b):
                if idx:
                    confidence[idx] = max(confidence[idx], p.confidence)
    if solution.ambiguous:
        warnings.append("the pairwise estimates disagree and no single pair explains it: offsets are uncertain")
        confidence = [confidence[0]] + [c * AMBIGUOUS_CONFIDENCE_FACTOR for c in confidence[1:]]
    spread = _uncertainty_seconds(len(tracks), pairs, solution.used, [t.fps for t in tracks])
    if solution.ambiguous:  # the disagreement itself is part of the uncertainty
        spread = spread + np.max(np.abs(solution.residuals_seconds))
    out = []
    for i, t in enumerate(tracks):
        seconds = 0.0 if i == 0 else float(solution.offsets_seconds[i])
        rate = next((p.rate for p in pairs if p.a == 0 and p.b == i), 1.0)
        entry = InputOffset(path=labels[i], offset_frames=seconds * t.fps, offset_seconds=seconds, fps=t.fps,
                            confidence=float(confidence[i]), n_frames=len(t), rate=rate,
                            uncertainty_frames=float(spread[i] * t.fps))
        _describe_from_pair(entry, i, pairs, solution.used)
        out.append(entry)
    return out


def _uncertainty_seconds(n: int, pairs: Sequence[PairOffset], used: np.ndarray, fps: Sequence[float]) -> np.ndarray:
    """Each input's 90 % half-width (seconds) from the pairs' own error bars, propagated through
    the least squares (reference fixed); with two inputs simply the pair's error bar."""
    rows = [k for k, u in enumerate(used) if u]
    out = np.zeros(n)
    if n < 2 or not rows:
        return out
    a = np.zeros((len(rows), n))
    sigma = np.zeros(len(rows))
    for r, k in enumerate(rows):
        p = pairs[k]
        a[r, p.b], a[r, p.a] = 1.0, -1.0
        sigma[r] = max(p.uncertainty_frames, MIN_UNCERTAINTY_FRAMES) / fps[p.b] / Z_INTERVAL
    info = (a[:, 1:] / sigma[:, None] ** 2).T @ a[:, 1:]
    cov = np.linalg.pinv(info)
    out[1:] = Z_INTERVAL * np.sqrt(np.clip(np.diag(cov), 0.0, None))
    return out


def _describe_from_pair(entry: InputOffset, index: int, pairs: Sequence[PairOffset], used: np.ndarray) -> None:
    """The candidates and the refusal reason of input ``index``: its pair with the reference when
    that pair was used, else the most confident used pair linking it."""
    linked = [p for p, u in zip(pairs, used) if u and index in (p.a, p.b) and p.assessment is not None]
    if index == 0 or not linked:
        return
    direct = [p for p in linked if p.a == 0 and p.b == index]
    best = direct[0] if direct else max(linked, key=lambda p: p.confidence)
    entry.reason = None if best.assessment.reason is None else best.assessment.reason.value
    if direct:  # rivals are offsets of this input against the reference only on the direct pair
        entry.candidates = list(best.assessment.candidates)

"""Where along the recording the offset of a pair steps: the change points of a time map.

Evidence. Around the pair's line (``j = rate * i + offset``) every frame ``i`` of A is compared
with the frames of B ``d = -W .. W`` frames off the line, in the method's own features:
``log(|f_a - f_b|^2 + eps)``, relative to the row's median (a frame of A that B cannot see, or
one without a person, says nothing: its row is 0). A single frame is weak and biased evidence
(slow motion leaves a valley several frames wide, and a still person none at all), so frames are
pooled into short windows (``TIMEMAP_WINDOW_SECONDS``) whose summed costs each cast a *vote*
against every offset: ``min(1, (cost - best) / tau)``. A window with clear motion votes 1 against
offsets two or three frames off its best; a window of a still person votes nearly 0 everywhere,
so it can neither create a step nor hide one.

Change points. The offsets of the windows are chosen by dynamic programming (Viterbi) over the
integer offsets ``d``: the sum of the windows' votes plus ``TIMEMAP_CHANGE_VOTES`` per step, a
step moving at most ``max_step`` frames. This is the exact minimiser of the penalised
piecewise-constant model that change-point libraries such as ``ruptures`` (PELT) solve, and it is
used instead of one of them because the levels here are a small discrete set known in advance:
Viterbi over them is linear in the recording's length with a few numpy operations per window,
while PELT with a custom cost would call Python for each candidate segment (quadratic in the
worst case), and the limit on each step (a repetition of the motion a second away is not a drop)
has no place in PELT's model.

Each step is then placed at the frame: between the last window that prefers the old offset and
the first that prefers the new one, the split that maximises the frames' own evidence. When
those windows are more than ``TIMEMAP_LOCATE_SECONDS`` apart (a still person around the step),
the step is *not located*: the time map widens its uncertainty rather than pretend to know.
Design and measurements: ``docs/design/drift.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from videosync.tunables import (
    TIMEMAP_BAND_FRAMES,
    TIMEMAP_BAND_SECONDS,
    TIMEMAP_CHANGE_VOTES,
    TIMEMAP_COST_FLOOR,
    TIMEMAP_DOUBT_VOTES,
    TIMEMAP_FEATURE_DIMS,
    TIMEMAP_LOCATE_SECONDS,
    TIMEMAP_PCA_ROWS,
    TIMEMAP_MAX_STEP_FRAMES,
    TIMEMAP_MAX_STEP_SECONDS,
    TIMEMAP_VOTE_PER_FRAME,
    TIMEMAP_WINDOW_FRAMES,
    TIMEMAP_WINDOW_SECONDS,
)


@dataclass(frozen=True)
class Evidence:
    """The frames of A (dense rows) compared with B around the line.

    Attributes:
        frames_a: ``(T,)`` source frame of A of every row.
        centre: ``(T,)`` the (integer) source frame of B on the line for every row.
        shifts: ``(D,)`` the offsets ``d`` compared: row ``t`` is compared with B's frame
            ``centre[t] + d``.
        cost: ``(T, D)`` the row's cost of each offset (0 where unknown; relative to the row).
        seen: ``(T,)`` rows with any evidence.
    """

    frames_a: np.ndarray
    centre: np.ndarray
    shifts: np.ndarray
    cost: np.ndarray
    seen: np.ndarray


def band_half_width(fps_b: float) -> int:
    """Offsets searched on each side of the line (frames of B): the frames a recording may lose
    in total, ``TIMEMAP_BAND_SECONDS`` of B and at least ``TIMEMAP_BAND_FRAMES``."""
    return int(max(TIMEMAP_BAND_FRAMES, round(TIMEMAP_BAND_SECONDS * fps_b)))


def max_step(fps_b: float) -> int:
    """The largest step (frames of B) between two neighbouring windows of the time map."""
    return int(max(TIMEMAP_MAX_STEP_FRAMES, round(TIMEMAP_MAX_STEP_SECONDS * fps_b)))


def window_rows(fps_a: float) -> int:
    """Rows of A pooled into one window."""
    return int(max(TIMEMAP_WINDOW_FRAMES, round(TIMEMAP_WINDOW_SECONDS * fps_a)))


def band_evidence(fa: np.ndarray, fb: np.ndarray, va: np.ndarray, vb: np.ndarray, frames_a: np.ndarray,
                  first_b: int, rate: float, offset: float, half_width: int) -> Evidence:
    """Every row of ``fa`` (dense rows of A, source frames ``frames_a``) against the rows of
    ``fb`` (dense rows of B from source frame ``first_b``) ``-half_width .. half_width`` frames
    off the line ``j = rate * i + offset``; ``va``/``vb`` mark the usable rows."""
    from videosync.sync.matching import pca_project

    if fa.shape[1] > TIMEMAP_FEATURE_DIMS and va.any() and vb.any():
        fa, fb = pca_project(fa, fb, TIMEMAP_FEATURE_DIMS, valid_a=va, valid_b=vb, max_fit_rows=TIMEMAP_PCA_ROWS)
    fa, fb = np.nan_to_num(fa).astype(np.float32), np.nan_to_num(fb).astype(np.float32)
    centre = np.rint(rate * frames_a.astype(np.float64) + offset).astype(np.int64)
    shifts = np.arange(-half_width, half_width + 1)
    d2 = np.full((len(fa), len(shifts)), np.nan)
    for n, d in enumerate(shifts):
        col = centre + d - first_b
        ok = va & (col >= 0) & (col < len(fb))
        ok[ok] &= vb[col[ok]]
        diff = fa[ok] - fb[col[ok]]
        d2[ok, n] = np.einsum("ij,ij->i", diff, diff)
    seen = np.isfinite(d2).any(axis=1)
    scale = float(np.nanmedian(d2)) if seen.any() else 1.0
    cost = np.log(d2 + TIMEMAP_COST_FLOOR * max(scale, 1e-12))
    with np.errstate(all="ignore"):
        cost -= np.nanmedian(np.where(seen[:, None], cost, 0.0), axis=1, keepdims=True)
    return Evidence(np.asarray(frames_a), centre, shifts, np.nan_to_num(cost, nan=0.0), seen)


def along_line(pair: Any, rate: float, offset: float) -> Evidence:
    """:func:`band_evidence` of a described pair (``PairFeatures``: dense tracks, features, usable
    rows) along ``j = rate * i + offset`` (source frames), ``band_half_width`` wide."""
    da, db = pair.da, pair.db
    return band_evidence(pair.fa, pair.fb, pair.va, pair.vb, da.frame_index, int(db.frame_index[0]), rate, offset,
                         band_half_width(db.fps))


def window_votes(cost: np.ndarray, rows: int) -> np.ndarray:
    """``(ceil(T / rows), D)``: each window of ``rows`` consecutive rows votes against every offset
    ``min(1, (its summed cost - the window's best) / (TIMEMAP_VOTE_PER_FRAME * rows))``."""
    n = -(-len(cost) // rows)
    padded = np.zeros((n * rows, cost.shape[1]))
    padded[:len(cost)] = cost
    curves = padded.reshape(n, rows, -1).sum(axis=1)
    return np.minimum(1.0, (curves - curves.min(axis=1, keepdims=True)) / (TIMEMAP_VOTE_PER_FRAME * rows))


def best_levels(votes: np.ndarray, penalty: float = TIMEMAP_CHANGE_VOTES, step: int = 1) -> np.ndarray:
    """The offset index of every window minimising the summed votes plus ``penalty`` per change,
    each change moving at most ``step`` indices (Viterbi; see the module docstring)."""
    n, levels = votes.shape
    width = 2 * step + 1
    back = np.empty((n, levels), dtype=np.int32)
    back[0] = np.arange(levels)
    acc = votes[0].astype(np.float64).copy()
    for w in range(1, n):
        padded = np.pad(acc, step, constant_values=np.inf)
        near = sliding_window_view(padded, width)  # near[k, s] = acc[k + s - step]
        arg = np.argmin(near, axis=1)
        moved = near[np.arange(levels), arg] + penalty
        stay = acc <= moved
        back[w] = np.where(stay, np.arange(levels), np.arange(levels) + arg - step)
        acc = np.where(stay, acc, moved) + votes[w]
    path = np.empty(n, dtype=np.int64)
    path[-1] = int(np.argmin(acc))
    for w in range(n - 1, 0, -1):
        path[w - 1] = back[w, path[w]]
    return path


@dataclass(frozen=True)
class Step:
    """One change of the offset, in rows of the evidence: the new offset index holds from row
    ``row`` on. The last window preferring the old offset starts at ``low`` and the first
    preferring the new one ends at ``high``; ``unsure`` rows lie between those two windows."""

    row: int
    low: int
    high: int
    before: int
    after: int
    unsure: int


def locate_steps(path: np.ndarray, votes: np.ndarray, cost: np.ndarray, rows: int, prefer: float = 0.5
                 ) -> list[Step]:
    """The steps of the windows' offsets ``path``, each placed at the row where the rows' own
    evidence switches best from the old offset to the new one, from the last window preferring
    the old one (by ``prefer`` votes) to the first preferring the new one, both included."""
    steps = []
    for w in np.flatnonzero(np.diff(path)) + 1:
        old, new = int(path[w - 1]), int(path[w])
        first = w - 1
        while first > 0 and votes[first, new] - votes[first, old] < prefer:
            first -= 1
        last = w
        while last < len(votes) - 1 and votes[last, old] - votes[last, new] < prefer:
            last += 1
        low, high = first * rows, min((last + 1) * rows, len(cost))
        prefers_old = cost[low:high, new] - cost[low:high, old]
        # rows [low, row) keep the old offset: the split where they prefer it most in total
        row = low + int(np.argmax(np.concatenate([[0.0], np.cumsum(prefers_old)])))
        steps.append(Step(row, low, high, old, new, max(0, (last - first - 1) * rows)))
    return steps


def located(step: Step, fps_a: float) -> bool:
    """Whether the evidence places ``step`` within ``TIMEMAP_LOCATE_SECONDS``: the windows that
    prefer the old and the new offset are at most that far apart."""
    return step.unsure <= TIMEMAP_LOCATE_SECONDS * fps_a


def doubt(votes: np.ndarray, level: np.ndarray, parts: np.ndarray, reach: int) -> np.ndarray:
    """Per part, how far (offset indices) the offset of some stretch of it could be from the
    part's: the largest distance ``k`` (at most ``reach``, plus the part's own fraction of an
    index) such that a run of the part's windows prefers offsets at least ``k`` away *on one
    side* by more than ``TIMEMAP_DOUBT_VOTES`` in total.

    Why: the path pays ``TIMEMAP_CHANGE_VOTES`` per step, so a stretch whose evidence for
    another offset is weak (a still person, the edge of the overlap) may hide a step the path
    did not take, and steps too close together (a ramp: a frame lost every second or less) are
    taken as one larger step; the frames between may then be off by that much, and the
    segment's error bar must say so (point 4 of issue 19). One side and "at least ``k``", not
    one offset: along a ramp each window prefers a different offset, each by one window's vote.
    ``votes`` ``(W, D)`` per window; ``level`` (fractional offset index the part reports) and
    ``parts`` per window. The best run is a maximum-subarray sum (Kadane, vectorised over ``k``).
    """
    out = np.zeros(int(parts.max()) + 1 if len(parts) else 1)
    far = np.arange(1, reach + 1)
    for part in range(len(out)):
        rows = np.flatnonzero(parts == part)
        if not len(rows):
            continue
        own = np.clip(np.rint(level[rows]).astype(np.int64), 0, votes.shape[1] - 1)
        for side in (1, -1):
            other = np.clip(own[:, None] + side * far[None, :], 0, votes.shape[1] - 1)
            # the best vote at distance k or more on this side (a running minimum from the far end)
            beyond = np.minimum.accumulate(votes[rows[:, None], other][:, ::-1], axis=1)[:, ::-1]
            advantage = votes[rows, own][:, None] - beyond  # > 0: prefers offsets that far
            best = run = np.zeros(len(far))
            for a in advantage:
                run = np.maximum(run + a, 0.0)
                best = np.maximum(best, run)
            doubtful = far[best > TIMEMAP_DOUBT_VOTES]
            if len(doubtful):
                fraction = float(np.max(side * (own - level[rows])))  # the part's offset off its index
                out[part] = max(out[part], float(doubtful.max()) + max(fraction, 0.0))
    return out

"""A time map per pair: offsets that step where frames were dropped and slide where clocks drift.

One offset for a whole recording is only right when both cameras recorded every frame at the
same rate. A webcam or phone that drops frames while writing a constant-rate file shifts every
later frame by the number lost; free-running clocks drift apart by tens to hundreds of ppm. The
time map describes input B against input A as

* **segments** of B's own frames, each with its own offset (frame ``i`` of A shows the instant
  of frame ``rate * i + offset`` of B) and an uncertainty (frames, 90 % interval half-width);
* **changes** between them, in A's frames, each with its step (whole frames: negative when B
  lost frames, positive when A did) and whether the evidence located it;
* one **rate**: the nominal ``fps_b / fps_a`` times ``1 + drift_ppm * 1e-6``.

How it is found (:func:`estimate_time_map`): the frames are compared along the pair's line
(:mod:`videosync.sync.changepoints`: windows' votes, dynamic programming, each step placed at
the frame); then one line with a common rate and an intercept per segment is fitted through the
frames' own best offsets (:func:`fit_levels`), which tells drift (a slope) from drops (steps);
the steps are rounded to whole frames, and the pair is estimated again with the lost frames put
back as gaps (:func:`restored_tracks`), by the same method with its geometric refinement: its
offset fixes every segment's to the sub-frame, and its test of parts checks that nothing is left
sliding. A pair whose offset does not change costs one banded comparison and stays one segment.
Design, evidence and limits: ``docs/design/drift.md``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from videosync.errors import CannotSynchronizeError
from videosync.poses import PoseTrack
from videosync.sync.bounds import UNBOUNDED, OffsetBounds
from videosync.sync.changepoints import (
    Evidence,
    Step,
    along_line,
    best_levels,
    doubt,
    locate_steps,
    located,
    max_step,
    window_rows,
    window_votes,
)
from videosync.sync.stepplace import geometric_cost, place_steps
from videosync.tunables import (
    RATE_MIN_SHIFT_FRAMES,
    RATE_MIN_SIGMAS,
    TIMEMAP_MAX_DRIFT_PPM,
    TIMEMAP_STEP_SUPPORT_VOTES,
)


@dataclass(frozen=True)
class Segment:
    """Frames ``first_frame .. last_frame`` of an input (its own frame numbers) whose frame ``j``
    shows the instant of the reference's frame ``(j - offset_frames) / rate``: the README's
    convention, frame ``i`` of the reference = frame ``rate * i + offset_frames`` here."""

    first_frame: int
    last_frame: int
    offset_frames: float
    uncertainty_frames: float

    @property
    def n_frames(self) -> int:
        return self.last_frame - self.first_frame + 1

    def to_json(self) -> dict[str, Any]:
        return {"first_frame": int(self.first_frame), "last_frame": int(self.last_frame),
                "offset_frames": round(float(self.offset_frames), 3),
                "uncertainty_frames": round(float(self.uncertainty_frames), 3)}


@dataclass(frozen=True)
class Change:
    """The offset steps by ``step_frames`` (frames of B; negative: B lost frames) from the
    reference's frame ``frame_a`` on; the evidence places it between frames ``low_a`` and
    ``high_a`` of the reference, within ``TIMEMAP_LOCATE_SECONDS`` when ``located``."""

    frame_a: int
    low_a: int
    high_a: int
    step_frames: float
    located: bool


@dataclass
class TimeMap:
    """Input B against input A (see the module docstring). ``offsets[s]`` holds from the
    reference's frame ``changes[s - 1].frame_a`` on; ``segments`` says the same in B's frames."""

    segments: list[Segment]
    changes: list[Change]
    offsets: list[float]
    rate: float
    nominal_rate: float
    drift_ppm: float = 0.0
    notes: list[str] = field(default_factory=list)
    #: the pair estimate the offsets come from (see :func:`estimate_time_map`)
    estimate: Any = field(default=None, repr=False)

    @classmethod
    def constant(cls, offset: float, rate: float, nominal_rate: float, frames_b: tuple[int, int],
                 uncertainty: float, drift_ppm: float = 0.0) -> TimeMap:
        """One segment over B's frames ``frames_b`` (first, last)."""
        return cls([Segment(frames_b[0], frames_b[1], float(offset), float(uncertainty))], [], [float(offset)],
                   float(rate), float(nominal_rate), float(drift_ppm))

    @property
    def longest(self) -> Segment:
        return max(self.segments, key=lambda s: s.n_frames)

    def b_frame(self, frames_a: np.ndarray) -> np.ndarray:
        """B's (fractional) frame showing the instant of each of A's ``frames_a``."""
        i = np.asarray(frames_a, dtype=np.float64)
        level = np.searchsorted([c.frame_a for c in self.changes], i, side="right")
        return self.rate * i + np.asarray(self.offsets)[level]

    def a_frame(self, frames_b: np.ndarray) -> np.ndarray:
        """A's (fractional) frame showing the instant of each of B's ``frames_b``; NaN for frames
        of B in no segment (instants A lost)."""
        j = np.asarray(frames_b, dtype=np.float64)
        out = np.full(j.shape, np.nan)
        for seg in self.segments:
            inside = (j >= seg.first_frame) & (j <= seg.last_frame)
            out[inside] = (j[inside] - seg.offset_frames) / self.rate
        first, last = self.segments[0], self.segments[-1]
        out[j < first.first_frame] = (j[j < first.first_frame] - first.offset_frames) / self.rate
        out[j > last.last_frame] = (j[j > last.last_frame] - last.offset_frames) / self.rate
        return out

    def to_json(self) -> dict[str, Any]:
        return {"segments": [s.to_json() for s in self.segments], "drift_ppm": round(float(self.drift_ppm), 1)}


# ------------------------------------------------------------------------------ levels and rate
@dataclass(frozen=True)
class Levels:
    """The line through the frames' own best offsets: B's frame ``nominal * i + slope * i +
    intercepts[s]`` for A's frame ``i`` in part ``s``; ``slope_stderr`` its standard error and
    ``span`` the frames of A it was fitted over."""

    slope: float
    slope_stderr: float
    intercepts: np.ndarray
    span: float


def _row_positions(ev: Evidence, level: np.ndarray, reach: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """For every row with evidence, B's sub-frame position of its best offset within ``reach`` of
    its part's ``level`` (a parabola through the three costs around the minimum); rows whose
    minimum lies at the edge of that reach (no minimum of their own) are left out."""
    cost, n = ev.cost, len(ev.shifts)
    rows = np.flatnonzero(ev.seen)
    lo = np.clip(level[rows] - reach, 0, n - 1)
    near = np.stack([cost[rows, np.clip(lo + k, 0, n - 1)] for k in range(2 * reach + 1)], axis=1)
    best = np.argmin(near, axis=1)
    inner = (best > 0) & (best < 2 * reach) & (lo + best > 0) & (lo + best < n - 1)
    rows, lo, best, near = rows[inner], lo[inner], best[inner], near[inner]
    y0, y1, y2 = (near[np.arange(len(rows)), best + k] for k in (-1, 0, 1))
    curvature = y0 - 2 * y1 + y2
    delta = np.where(curvature > 0, 0.5 * (y0 - y2) / np.where(curvature > 0, curvature, 1.0), 0.0)
    return rows, ev.centre[rows] + ev.shifts[lo + best] + np.clip(delta, -0.5, 0.5)


def fit_levels(ev: Evidence, parts: np.ndarray, level: np.ndarray, nominal_rate: float,
               rows_per_window: int) -> Levels | None:
    """One slope and an intercept per part (``parts[t]``: the part of row ``t``; ``level[t]``:
    its offset index) through the rows' own best offsets, by least squares with outliers (beyond
    three robust deviations) left out; None with too few rows.

    The slope's standard error is a delete-a-block jackknife over ``JACKKNIFE_BLOCKS``
    consecutive stretches: neighbouring frames share their errors (a feature looks at a second
    of motion, a detector errs for several frames), so the rows are not independent
    measurements and the textbook formula would see drift in noise.
    """
    rows, pos = _row_positions(ev, level)
    if len(rows) < 3 * rows_per_window:
        return None
    x = ev.frames_a[rows].astype(np.float64)
    y = pos - nominal_rate * x
    design = np.zeros((len(rows), int(parts.max()) + 2))
    design[:, 0] = x - x.mean()
    design[np.arange(len(rows)), 1 + parts[rows]] = 1.0
    keep = np.ones(len(rows), bool)
    for _ in range(3):
        coef = np.linalg.lstsq(design[keep], y[keep], rcond=None)[0]
        res = y - design @ coef
        keep = np.abs(res) <= 3 * 1.4826 * float(np.median(np.abs(res[keep]))) + 1e-9
    if keep.sum() < 3 * rows_per_window or np.ptp(x[keep]) == 0:
        return None
    if abs(coef[0]) > TIMEMAP_MAX_DRIFT_PPM * 1e-6 * nominal_rate:
        # no clock runs that far off: the slope stands for steps the segmentation missed or
        # split, and taking it as drift would shrink every step it found (so, no drift)
        coef = np.linalg.lstsq(design[keep][:, 1:], y[keep], rcond=None)[0]
        return Levels(0.0, math.inf, coef, float(np.ptp(x[keep])))
    stderr = _jackknife_slope(design[keep], y[keep])
    return Levels(float(coef[0]), stderr, coef[1:] - coef[0] * x.mean(), float(np.ptp(x[keep])))


#: Consecutive stretches the slope's jackknife leaves out in turn.
JACKKNIFE_BLOCKS = 12


def _jackknife_slope(design: np.ndarray, y: np.ndarray) -> float:
    """Standard error of the first coefficient by the delete-a-block jackknife (rows in order)."""
    blocks = np.array_split(np.arange(len(y)), JACKKNIFE_BLOCKS)
    slopes = []
    for block in blocks:
        keep = np.ones(len(y), bool)
        keep[block] = False
        sub = design[keep]
        used = np.abs(sub).sum(axis=0) > 0  # a part only inside the block has no intercept left
        slopes.append(np.linalg.lstsq(sub[:, used], y[keep], rcond=None)[0][0])
    slopes = np.asarray(slopes)
    k = len(slopes)
    return float(np.sqrt((k - 1) / k * np.sum((slopes - slopes.mean()) ** 2)))


def drift_is_measured(levels: Levels) -> bool:
    """A slope several standard errors from 0 (``RATE_MIN_SIGMAS``) is clock drift."""
    return abs(levels.slope) > RATE_MIN_SIGMAS * levels.slope_stderr


def drift_moves_frames(levels: Levels) -> bool:
    """Drift that moves the mapping by more than ``RATE_MIN_SHIFT_FRAMES`` over the recording:
    the band must follow it."""
    return drift_is_measured(levels) and abs(levels.slope) * levels.span > RATE_MIN_SHIFT_FRAMES


# ------------------------------------------------------------------------------ estimation
def feature_method(method: Any) -> Any:
    """The frame-matching method inside ``method`` (a refined one's inner method), or None for a
    method that matches no frames (speed-xcorr, audio): those get a constant time map."""
    from videosync.sync.methods.base import FeatureMatchingMethod

    inner = getattr(method, "inner", method)
    return inner if isinstance(inner, FeatureMatchingMethod) else None


def keep_features(method: Any) -> None:
    """Have the frame-matching method inside ``method`` keep its estimates' features, so that
    :func:`estimate_time_map` reuses them instead of describing the pair again."""
    inner = feature_method(method)
    if inner is not None:
        inner.keep_features = True


def pair_features(inner: Any, estimate: Any, track_a: PoseTrack, track_b: PoseTrack) -> Any:
    """The pair's :class:`~videosync.sync.methods.base.PairFeatures`: those ``estimate`` matched
    when it kept them for these very tracks, else described by ``inner``."""
    described = getattr(estimate, "described", None)
    kept = described.of(track_a, track_b) if described is not None else None
    return kept if kept is not None else inner.describe_pair(track_a, track_b)


@dataclass
class _Segmentation:
    """The evidence along one line, the offset index of every row and the rows' parts."""

    evidence: Evidence
    steps: list[Step]
    level: np.ndarray
    parts: np.ndarray
    rows_per_window: int
    #: the cost the steps were found on (the features' and the geometry's), when not ``evidence``'s
    step_cost: np.ndarray | None = None


def _segment(pair: Any, rate: float, offset: float) -> _Segmentation:
    """Compare the pair along ``j = rate * i + offset`` and find where its offset steps."""
    return _segmented(along_line(pair, rate, offset), pair.da.fps, pair.db.fps)


def _segmented(ev: Evidence, fps_a: float, fps_b: float) -> _Segmentation:
    """Where the offset of ``ev`` steps: the windows' votes, their best path, its steps placed."""
    rows = window_rows(fps_a)
    votes = window_votes(ev.cost, rows)
    path = best_levels(votes, step=max_step(fps_b))
    return _with_steps(ev, _merged(locate_steps(path, votes, ev.cost, rows), rows), int(path[0]), rows)


def _with_steps(ev: Evidence, steps: list[Step], first_level: int, rows: int) -> _Segmentation:
    """The segmentation of ``ev`` by ``steps``: every row's offset index and part."""
    level = np.full(len(ev.cost), first_level, dtype=np.int64)
    parts = np.zeros(len(ev.cost), dtype=np.int64)
    for n, step in enumerate(steps):
        level[step.row:] = step.after
        parts[step.row:] = n + 1
    return _Segmentation(ev, steps, level, parts, rows)


def _merged(steps: list[Step], rows: int) -> list[Step]:
    """Steps of the path in neighbouring windows, the same way and with overlapping evidence, are
    one change (a drop larger than one window's step). Steps further apart stay two, however
    unsure their places: merged, the offset between them would be neither's."""
    out: list[Step] = []
    for step in steps:
        last = out[-1] if out else None
        if (last is not None and step.low < last.high and step.row - last.row <= 2 * rows
                and (step.after - step.before) * (last.after - last.before) > 0):
            row = step.row if abs(step.after - step.before) > abs(last.after - last.before) else last.row
            out[-1] = Step(row, last.low, max(last.high, step.high), last.before, step.after,
                           max(last.unsure, step.unsure))
        elif last is not None and step.row <= last.row:  # placed before the previous one: just after it
            out.append(dataclasses.replace(step, row=last.row + 1))
        else:
            out.append(step)
    return out


def _whole_steps(levels: Levels, rate: float) -> np.ndarray:
    """The steps between consecutive parts in whole frames: of B when B lost frames (negative),
    of A (``rate`` frames of B each) when A did."""
    raw = np.diff(levels.intercepts)
    return np.where(raw < 0, np.round(raw), np.round(raw / rate) * rate)


def _drop_parts(seg: _Segmentation, keep_steps: np.ndarray) -> _Segmentation:
    """``seg`` without the steps not in ``keep_steps`` (their parts joined to the previous one)."""
    steps = [s for s, keep in zip(seg.steps, keep_steps) if keep]
    parts = np.zeros_like(seg.parts)
    for n, step in enumerate(steps):
        parts[step.row:] = n + 1
    # the rows keep the path's offsets: a drifting pair's path follows the slide in 1-frame steps
    # that round to none, and its rows' best offsets are searched near the path (_row_positions)
    return dataclasses.replace(seg, steps=steps, parts=parts)


def _window_levels(seg: _Segmentation, offsets: list[float], rate: float, parts: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The windows' votes ``(W, D)`` (on the cost the steps were found on), each window's part
    ``(W,)`` (``parts`` per row, default ``seg``'s), and ``(W, len(offsets))``: the fractional
    offset index of ``offsets[k]`` (B's frame ``rate * i + offsets[k]``) at every window."""
    ev = seg.evidence
    cost = ev.cost if seg.step_cost is None else seg.step_cost
    rows = seg.rows_per_window
    votes = window_votes(cost, rows)
    mid = np.minimum(np.arange(len(votes)) * rows + rows // 2, len(cost) - 1)
    part = (seg.parts if parts is None else parts)[mid]
    base = rate * ev.frames_a[mid] - ev.centre[mid] - ev.shifts[0]
    return votes, part, base[:, None] + np.asarray(offsets, dtype=np.float64)[None, :]


def _doubts(seg: _Segmentation, fps_b: float, offsets: list[float], rate: float, parts: np.ndarray | None = None
            ) -> np.ndarray:
    """Per part (``parts`` per row, default ``seg``'s), how many frames a stretch of it could be
    off the offset reported for it (``offsets[part]``: B's frame ``rate * i + offset``)
    (:func:`videosync.sync.changepoints.doubt`, on the cost its steps were found on), at least
    the step to a neighbour whose level its windows hardly rule out (:func:`_weak_steps`)."""
    votes, part, levels = _window_levels(seg, offsets, rate, parts)
    own = levels[np.arange(len(part)), part]
    return np.maximum(doubt(votes, own, part, max_step(fps_b)), _weak_steps(votes, part, levels))


def _weak_steps(votes: np.ndarray, part: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Per part, the largest step (frames) to a neighbouring part whose offset its own windows
    prefer theirs over by less than ``TIMEMAP_STEP_SUPPORT_VOTES`` in total. Why: the path pays
    ``TIMEMAP_CHANGE_VOTES`` for a step, so a short stretch at the overlap's edge or a noisy one
    can buy one; on pairs that lost nothing such steps moved right answers by 1-3 frames
    (drift.md, session 8), and their segment's error bar must reach the neighbour's offset."""
    n_parts = levels.shape[1]
    out = np.zeros(n_parts)
    top = votes.shape[1] - 1
    for p in range(n_parts):
        windows = np.flatnonzero(part == p)
        own = np.clip(np.rint(levels[windows, p]).astype(np.int64), 0, top)
        for q in (p - 1, p + 1):
            if 0 <= q < n_parts and len(windows):
                other = np.clip(np.rint(levels[windows, q]).astype(np.int64), 0, top)
                if float(np.sum(votes[windows, other] - votes[windows, own])) < TIMEMAP_STEP_SUPPORT_VOTES:
                    out[p] = max(out[p], float(np.max(np.abs(levels[windows, q] - levels[windows, p]))))
    return out


def _settle(seg: _Segmentation, nominal: float) -> tuple[_Segmentation, Levels | None, np.ndarray]:
    """The parts' line (slope and intercepts) with steps that round to no whole frame removed,
    and the remaining steps in whole frames."""
    while True:
        levels = fit_levels(seg.evidence, seg.parts, seg.level, nominal, seg.rows_per_window)
        if levels is None or not seg.steps:
            return seg, levels, np.zeros(0)
        rate = nominal + (levels.slope if drift_is_measured(levels) else 0.0)
        whole = _whole_steps(levels, rate)
        if np.all(whole != 0):
            return seg, levels, whole
        seg = _drop_parts(seg, whole != 0)


def _by_geometry(seg: _Segmentation, levels: Levels, whole: np.ndarray, pair: Any, nominal: float
                 ) -> tuple[_Segmentation, Levels | None, np.ndarray]:
    """The pair segmented again along the same line with the two views' geometry frame by frame
    added to the features' evidence (:func:`videosync.sync.stepplace.geometric_cost`: no memory
    of the frames around, so a step shows where it is and a stretch the features cannot see,
    such as the receptive field's edge of the overlap, still says something), each step then
    placed by a two-segment fit of the geometry (:func:`_placed`). The line (rate, intercepts)
    is still fitted through the features' own best offsets, which measured drift within 7 ppm.
    ``seg`` (``levels``, ``whole``: :func:`_settle`'s) as it is when the geometry cannot be used
    (a moving camera)."""
    ev = seg.evidence
    cost = geometric_cost(pair.da, pair.db, [int(ev.frames_a[s.row]) for s in seg.steps], list(levels.intercepts),
                          nominal + levels.slope, ev.frames_a, ev.centre, ev.shifts)
    if cost is None:
        return seg, levels, whole
    both = dataclasses.replace(ev, cost=ev.cost + cost, seen=ev.seen | (cost != 0).any(axis=1))
    found = dataclasses.replace(_segmented(both, pair.da.fps, pair.db.fps), evidence=ev, step_cost=both.cost)
    seg, levels, whole = _settle(found, nominal)
    if not seg.steps or levels is None:
        return seg, levels, whole
    return _settle(_placed(seg, levels, pair, nominal), nominal)


def _placed(seg: _Segmentation, levels: Levels, pair: Any, nominal: float) -> _Segmentation:
    """``seg`` with its steps placed again frame by frame by the two views' geometry
    (:mod:`videosync.sync.stepplace`: the features place them late); a step the geometry cannot
    place keeps the features' place, and views that are not one fixed geometry keep them all."""
    frames = seg.evidence.frames_a
    placed = place_steps(pair.da, pair.db, [int(frames[s.row]) for s in seg.steps], list(levels.intercepts),
                         nominal + levels.slope)
    if placed is None:
        return seg
    steps: list[Step] = []
    for step, where in zip(seg.steps, placed):
        if where is not None:
            low, high = np.searchsorted(frames, [where.low_a, where.high_a])
            step = Step(int(np.searchsorted(frames, where.frame_a)), int(low), int(high) + 1, step.before,
                        step.after, int(high - low))
        if steps and step.row <= steps[-1].row:  # never before the previous step
            step = dataclasses.replace(step, row=steps[-1].row + 1)
        steps.append(step)
    return dataclasses.replace(_with_steps(seg.evidence, steps, int(seg.level[0]), seg.rows_per_window),
                               step_cost=seg.step_cost)


def answer_uncertainty(estimate: Any) -> float:
    """90 % half-width (frames of B) of a pair's answer: the error bar it carries
    (``diagnostics["uncertainty_frames"]``) or, without one, half a frame when the two views'
    geometry confirmed the offset and the fit's inlier tolerance when only the matching did."""
    given = (estimate.diagnostics or {}).get("uncertainty_frames")
    if given is not None and math.isfinite(given):
        return float(given)
    if _confirmed_geometry(estimate) is not None:
        return 0.5
    return float(estimate.fit.tolerance) if estimate.fit is not None else 1.0


def _search(pair: Any, rate: float, offset: float, nominal: float, rounds: int = 3
            ) -> tuple[_Segmentation, Levels | None, np.ndarray, float, float]:
    """Segment the pair along its line; while the parts' common slope is drift that moves frames,
    follow it (the band along the drifting line) and segment again; then segment once more with
    the geometry added (:func:`_by_geometry`), along the line followed: its per-frame precision
    would see drift across a fixed line as a staircase of 1-frame steps. Returns the
    segmentation, its line, the whole steps, and the line ``(rate, offset)`` it was searched along."""
    for _ in range(rounds):
        seg, levels, whole = _settle(_segment(pair, rate, offset), nominal)
        if levels is None or not drift_moves_frames(levels) or abs(rate - nominal - levels.slope) < 1e-9:
            break
        centre = float(np.mean(pair.da.frame_index))
        new_rate = nominal + levels.slope
        offset += (rate - new_rate) * centre  # the same frame of B at the overlap's centre
        rate = new_rate
    if levels is not None:
        seg, levels, whole = _by_geometry(seg, levels, whole, pair, nominal)
    return seg, levels, whole, rate, offset


def _drift(levels: Levels | None, nominal: float) -> tuple[float, float]:
    """The rate of the map and its drift in ppm (0 when no drift is measured)."""
    if levels is None or not drift_is_measured(levels):
        return nominal, 0.0
    return nominal + levels.slope, levels.slope / nominal * 1e6


def estimate_time_map(method: Any, track_a: PoseTrack, track_b: PoseTrack, estimate: Any, *,
                      bounds: OffsetBounds = UNBOUNDED) -> TimeMap:
    """The time map of ``track_b`` against ``track_a`` (see the module docstring), from the
    pair's estimate by ``method``. ``TimeMap.estimate`` is the estimate its offsets come from:
    ``estimate`` itself when the offset does not step, else the pair estimated again with the lost
    frames put back (its confidence and notes are the pair's)."""
    nominal = track_b.fps / track_a.fps
    frames_b = (int(track_b.frame_index[0]), int(track_b.frame_index[-1]))
    inner = feature_method(method)
    if inner is None or estimate.fit is None:
        return _with(TimeMap.constant(estimate.offset_frames, estimate.rate, nominal, frames_b,
                                      answer_uncertainty(estimate)), estimate)
    pair = pair_features(inner, estimate, track_a, track_b)
    seg, levels, whole, line_rate, line_offset = _search(pair, estimate.rate, estimate.offset_frames, nominal)
    rate, drift_ppm = _drift(levels, nominal)
    centre = float(np.mean(pair.da.frame_index))
    if not seg.steps or levels is None:
        offset = estimate.offset_frames + (estimate.rate - rate) * centre
        doubts = _doubts(seg, track_b.fps, [offset], rate, np.zeros_like(seg.parts))
        out = TimeMap.constant(offset, rate, nominal, frames_b, answer_uncertainty(estimate) + doubts[0], drift_ppm)
        out.notes.extend(_doubt_notes(doubts))
        return _with(out, estimate)
    changes = _changes(seg, whole, track_a.fps)
    first_b = [math.ceil(rate * c.frame_a + levels.intercepts[n + 1] - 1e-6) for n, c in enumerate(changes)]
    restored_a, restored_b, gaps_a, gaps_b = restored_tracks(track_a, track_b, changes, first_b, rate)
    try:
        again = method.estimate(restored_a, restored_b, bounds=bounds)
    except CannotSynchronizeError as exc:
        out, _ = _steps_refused(seg, estimate, track_b.fps, nominal, frames_b)
        out.notes.append(f"the offset seems to step {len(changes)} times, but the pair with the lost frames "
                         f"put back cannot be synchronized ({exc})")
        return _with(out, estimate)
    before, after = _geometric_error(estimate), _geometric_error(again)
    if before is not None and after is not None and not after < before:
        # the steps are kept only where putting the lost frames back makes the two views agree
        # better: steps that are not there misalign a stretch and leave the geometry worse
        out, doubts = _steps_refused(seg, estimate, track_b.fps, nominal, frames_b)
        out.notes.extend(_doubt_notes(doubts))
        return _with(out, estimate)
    base = again.offset_frames + (again.rate - rate) * centre
    offsets = [base + rate * ga - gb for ga, gb in zip(gaps_a, gaps_b)]
    doubts = _doubts(seg, track_b.fps, offsets, rate)
    out = _mapped(changes, offsets, rate, nominal, drift_ppm, frames_b, answer_uncertainty(again), track_a.fps,
                  doubts)
    return _with(out, again)


def _steps_refused(seg: _Segmentation, estimate: Any, fps_b: float, nominal: float, frames_b: tuple[int, int]
                   ) -> tuple[TimeMap, np.ndarray]:
    """One offset, the pair's, where the evidence saw steps that were not confirmed: its error bar
    reaches the offsets they lead to (the doubts, also returned)."""
    doubts = _doubts(seg, fps_b, [estimate.offset_frames], estimate.rate, np.zeros_like(seg.parts))
    out = TimeMap.constant(estimate.offset_frames, estimate.rate, nominal, frames_b,
                           answer_uncertainty(estimate) + doubts[0])
    return out, doubts


def _confirmed_geometry(estimate: Any) -> Any:
    """The geometric refinement that confirmed a pair's answer (accepted, its two search
    directions agreeing), or None."""
    d = estimate.diagnostics or {}
    found = d.get("refinement")
    return found if found is not None and found.accepted and not d.get("refinement_rejected") else None


def _geometric_error(estimate: Any) -> float | None:
    """The two views' epipolar error at a pair's answer (share of the person's size), None
    when its geometric refinement was not conclusive."""
    found = _confirmed_geometry(estimate)
    return None if found is None else float(found.relative_error)


def _with(time_map: TimeMap, estimate: Any) -> TimeMap:
    """``time_map`` with the estimate its offsets come from, without the features it matched
    (used up here; results would hold them)."""
    time_map.estimate = dataclasses.replace(estimate, described=None) if getattr(estimate, "described", None) else estimate
    return time_map


def _changes(seg: _Segmentation, whole: np.ndarray, fps_a: float) -> list[Change]:
    """The steps as changes in A's frames."""
    frames = seg.evidence.frames_a
    return [Change(int(frames[s.row]), int(frames[s.low]), int(frames[max(s.low, s.high - 1)]), float(step),
                   located(s, fps_a)) for s, step in zip(seg.steps, whole)]


def restored_tracks(track_a: PoseTrack, track_b: PoseTrack, changes: list[Change], first_b: list[int],
                    rate: float) -> tuple[PoseTrack, PoseTrack, list[float], list[float]]:
    """Both tracks with the frames each lost put back as gaps in their frame numbers (as a
    variable-frame-rate file's timestamps would show them), so that one offset holds for the
    whole pair; and, per part of the time map, the frames inserted before it in A and in B.

    A step of ``-n`` frames (B lost ``n``) renumbers B's frames from ``first_b`` (the first frame
    of B after the loss) ``n`` later; a step of ``+n * rate`` (A lost ``n``) renumbers A's frames
    from the change on.
    """
    fa = track_a.frame_index.astype(np.int64).copy()
    fb = track_b.frame_index.astype(np.int64).copy()
    gaps_a, gaps_b = [0.0], [0.0]
    for change, start_b in zip(changes, first_b):
        if change.step_frames < 0:
            lost = int(round(-change.step_frames))
            fb[track_b.frame_index >= start_b] += lost
            gaps_a.append(gaps_a[-1])
            gaps_b.append(gaps_b[-1] + lost)
        else:
            lost = int(round(change.step_frames / rate))
            fa[track_a.frame_index >= change.frame_a] += lost
            gaps_a.append(gaps_a[-1] + lost)
            gaps_b.append(gaps_b[-1])
    return (track_a.with_keypoints(track_a.keypoints, fa), track_b.with_keypoints(track_b.keypoints, fb),
            gaps_a, gaps_b)


def _mapped(changes: list[Change], offsets: list[float], rate: float, nominal: float, drift_ppm: float,
            frames_b: tuple[int, int], uncertainty: float, fps_a: float, doubts: np.ndarray) -> TimeMap:
    """The time map of parts with ``offsets`` separated by ``changes``: its segments in B's
    frames, their uncertainties widened around steps the evidence could not place and by each
    part's ``doubts`` (a step it may hide), and notes."""
    # B's frame j belongs to the part whose frames of A its partner (j - offset) / rate rounds into
    segments = []
    for n, offset in enumerate(offsets):
        first = frames_b[0] if n == 0 else math.ceil(rate * (changes[n - 1].frame_a - 0.5) + offset)
        last = frames_b[1]
        if n < len(changes):
            after = math.ceil(rate * (changes[n].frame_a - 0.5) + offsets[n + 1])
            last = min(after, math.ceil(rate * (changes[n].frame_a - 0.5) + offset)) - 1
        widened = uncertainty + float(doubts[n]) + sum(abs(c.step_frames) for k, c in enumerate(changes)
                                                       if k in (n - 1, n) and not c.located)
        if last >= first:
            segments.append(Segment(int(first), int(last), float(offset), float(widened)))
    out = TimeMap(segments, changes, [float(o) for o in offsets], rate, nominal, drift_ppm)
    out.notes.extend(_notes(changes, fps_a))
    out.notes.extend(_doubt_notes(doubts))
    return out


def _doubt_notes(doubts: np.ndarray) -> list[str]:
    """What the user is told about segments that may hide a step."""
    return [f"part of segment {n + 1} may be up to {d:.0f} frames off (a step the motion hardly shows, steps too "
            "close together to tell apart, or one hidden where the motion says little): its uncertainty says so"
            for n, d in enumerate(doubts) if d > 0]


def _notes(changes: list[Change], fps_a: float) -> list[str]:
    """What the user is told about the steps of a time map."""
    lost_b = sum(-c.step_frames for c in changes if c.step_frames < 0)
    lost_a = sum(c.step_frames for c in changes if c.step_frames > 0)
    who = " and ".join(part for part in (f"{lost_b:.0f} frames lost by this input" * (lost_b > 0),
                                         f"{lost_a:.0f} by the reference" * (lost_a > 0)) if part)
    notes = [f"the offset steps {len(changes)} time{'s' * (len(changes) > 1)} along the recording ({who}, "
             "frames dropped without timestamps): one offset per segment"]
    for c in changes:
        if not c.located:
            notes.append(f"a step of {c.step_frames:+.0f} frames lies somewhere between {c.low_a / fps_a:.1f} s and "
                         f"{c.high_a / fps_a:.1f} s of the reference (too little motion there to place it): "
                         "the segments on both sides carry that much more uncertainty")
    return notes


# ------------------------------------------------------------------------------ hooks for align
def with_time_map(method: Any, track_a: PoseTrack, track_b: PoseTrack, estimate: Any, *,
                  bounds: OffsetBounds = UNBOUNDED) -> Any:
    """The pair estimate ``align`` reports for B against A: the one the time map's offsets come
    from (``estimate`` itself, or the pair estimated again with the lost frames put back), its
    offset that of the map's first part, carrying the map as ``diagnostics["time_map"]`` and the
    map's notes before its own (a slide the map explains is no longer one)."""
    time_map = estimate_time_map(method, track_a, track_b, estimate, bounds=bounds)
    chosen = time_map.estimate
    return dataclasses.replace(chosen, diagnostics={**(chosen.diagnostics or {}), "time_map": time_map},
                               notes=[*time_map.notes, *chosen.notes])


def attach_time_maps(inputs: list[Any], pairs: list[Any]) -> None:
    """Give every input (``InputOffset``) the segments and drift of its pair with the reference,
    moved onto the solved offsets (with several inputs the solve may shift a pair's answer), and
    make its ``offset_frames`` that of its longest segment (README: JSON output)."""
    for pair in pairs:
        time_map = (pair.estimate.diagnostics or {}).get("time_map") if pair.a == 0 and pair.estimate else None
        if time_map is None:
            continue
        entry = inputs[pair.b]
        shift = entry.offset_frames - pair.offset_frames  # 0 with two inputs
        segments = [dataclasses.replace(s, offset_frames=s.offset_frames + shift) for s in time_map.segments]
        longest = max(segments, key=lambda s: s.n_frames)
        entry.segments, entry.drift_ppm = segments, time_map.drift_ppm
        entry.offset_frames, entry.offset_seconds = longest.offset_frames, longest.offset_frames / entry.fps
        entry.rate = time_map.rate


# ------------------------------------------------------------------------------ re-timing
def input_time_map(entry: Any) -> TimeMap:
    """The time map of one input of an alignment (``InputOffset``): its segments when ``align``
    made a time map, else one segment at its offset (the reference: offset 0)."""
    segments = list(entry.segments) or [Segment(0, 2**62, float(entry.offset_frames), 0.0)]
    rate = float(getattr(entry, "rate", 1.0) or 1.0)
    return TimeMap(segments, [], [s.offset_frames for s in segments], rate, rate)


def shown_rows(time_map: TimeMap, frames_b: np.ndarray, frames_a: np.ndarray) -> np.ndarray:
    """For each of the reference's frames ``frames_a``, the row of ``frames_b`` (B's frames, in
    order) whose instant is nearest it within half a frame (ties to the later); -1 where B has
    none: before it started, after it ended, where it lost frames. Frames of B whose instant the
    reference lost are never chosen. The one mapping from the reference's frames to an input's:
    trim holds B's last frame over its gaps (:func:`held_rows`), sync-poses numbers each of B's
    frames by the reference's frame it shows (:func:`videosync.syncposes.reference_numbers`)."""
    frames_a = np.asarray(frames_a, dtype=np.float64)
    at = time_map.a_frame(frames_b)  # NaN: an instant the reference lost
    rows = np.flatnonzero(np.isfinite(at))
    if not len(rows):
        return np.full(len(frames_a), -1, dtype=np.int64)
    later = np.minimum(np.searchsorted(at[rows], frames_a), len(rows) - 1)  # the first at or after, if any
    earlier = np.maximum(later - 1, 0)
    to_later, to_earlier = np.abs(at[rows[later]] - frames_a), np.abs(at[rows[earlier]] - frames_a)
    nearest = np.where(to_earlier < to_later, earlier, later)
    return np.where(np.minimum(to_earlier, to_later) <= 0.5, rows[nearest], -1)


def held_rows(time_map: TimeMap, frames_b: np.ndarray, frames_a: np.ndarray) -> np.ndarray:
    """For each of the reference's frames ``frames_a`` (in order), the row of ``frames_b`` that
    shows it (:func:`shown_rows`) or, where B lost frames, its last one before the loss, held;
    -1 before B started or after it ended."""
    shown = shown_rows(time_map, frames_b, frames_a)
    seen = np.flatnonzero(shown >= 0)
    if not len(seen):
        return shown
    last = np.maximum.accumulate(np.where(shown >= 0, np.arange(len(shown)), -1))
    inside = (last >= 0) & (np.arange(len(shown)) <= seen[-1])
    return np.where(inside, shown[np.maximum(last, 0)], -1)

"""Where exactly the offset of a time map steps: per-frame two-view geometry on both sides.

The change points of :mod:`videosync.sync.changepoints` come from the method's features, and
those look at a second or more of motion around every frame: the frames of B just after a loss
carry the frames before it in their context, so for up to a second after a drop the features
still prefer the old offset (or neither), and the step was placed 0.5-1.2 s late on the tuning
pairs (``docs/design/drift.md``). The geometry of two fixed cameras has no such memory: a joint
seen in A and in B at the same instant lies on its epipolar line, whatever came before. So each
step found by the features is placed again here, frame by frame:

1. One fundamental matrix ``F`` for the pair, fitted robustly (the refinement's Cauchy IRLS,
   :mod:`videosync.sync.refine`) on the moving frames away from every step, each matched with
   B at its part's offset.
2. Around each step, every frame of A is scored against B at the old and at the new offset
   (motion-weighted Cauchy loss of the Sampson distances, as the refinement scores a whole
   offset), and the step goes where a two-segment fit splits them best: the split maximising
   ``sum(old's loss before) + sum(new's loss after)``'s advantage, i.e. the argmax of the
   cumulative difference. Both sides are read alike, so the place is not pulled either way.
3. The splits whose fit is within ``TIMEMAP_PLACE_MARGIN`` of the best form the step's
   interval: a still person around the step leaves it wide, and a step whose interval exceeds
   ``TIMEMAP_LOCATE_SECONDS`` is not located (the time map widens its uncertainty: point 4 of
   issue 19).

Views whose geometry is not one ``F`` (a moving camera: the fit leaves a median error above the
refinement's ``BAD_RELATIVE_ERROR``) give no placement, and the features' places stand.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from videosync.poses import PoseTrack
from videosync.poses.stats import joint_speed, keypoints_size_px
from videosync.sync.refine import (
    cauchy_loss,
    fundamental_matrix,
    robust_fundamental_matrix,
    sampson_distance,
)
from videosync.tunables import (
    BAD_RELATIVE_ERROR,
    KEYPOINT_MIN_SCORE,
    MIN_POINTS,
    MIN_SCALE_RELATIVE,
    REFINE_MAX_FRAMES,
    SPEED_WINDOW_SECONDS,
    TIMEMAP_COST_FLOOR,
    TIMEMAP_PLACE_BLOCK_SECONDS,
    TIMEMAP_PLACE_BLOCKS,
    TIMEMAP_PLACE_CLEAR_SECONDS,
    TIMEMAP_PLACE_MARGIN,
    TIMEMAP_PLACE_SECONDS,
)


@dataclass(frozen=True)
class Placed:
    """A step placed by the geometry: the new offset holds from A's frame ``frame_a`` on; the
    splits within the margin of the best lie between ``low_a`` and ``high_a``."""

    frame_a: int
    low_a: int
    high_a: int


@dataclass
class _Pair:
    """Both dense views: A's keypoints, frames and squared joint speeds, B's keypoints and first
    frame, the person's size in B (px), A's frame rate."""

    ka: np.ndarray
    frames_a: np.ndarray
    weight: np.ndarray
    kb: np.ndarray
    first_b: int
    size: float
    fps: float


def _views(track_a: PoseTrack, track_b: PoseTrack) -> _Pair:
    da, db = track_a.dense(), track_b.dense()
    speed = joint_speed(da.keypoints, max(1, int(round(SPEED_WINDOW_SECONDS * track_a.fps))), KEYPOINT_MIN_SCORE)
    weight = speed**2
    moving = weight[weight > 0]
    weight = weight / (float(np.median(moving)) if len(moving) else 1.0)  # a typical moving joint weighs 1
    return _Pair(da.keypoints.astype(np.float64), da.frame_index.astype(np.int64), weight,
                 db.keypoints.astype(np.float64), int(db.frame_index[0]),
                 keypoints_size_px(db.keypoints, KEYPOINT_MIN_SCORE), float(track_a.fps))


def _matched(pair: _Pair, rows: np.ndarray, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A's joints at ``rows`` and B's interpolated at (dense) ``positions``; and which are seen in
    both (False where B has no frame there)."""
    kb = pair.kb
    inside = (positions >= 0) & (positions <= len(kb) - 1)
    pos = np.clip(positions, 0, len(kb) - 1)
    i0 = np.floor(pos).astype(np.int64)
    i1 = np.minimum(i0 + 1, len(kb) - 1)
    w = (pos - i0)[:, None, None]
    xb = kb[i0, :, :2] * (1 - w) + kb[i1, :, :2] * w
    xa = pair.ka[rows]
    both = (xa[..., 2] > KEYPOINT_MIN_SCORE) & (np.minimum(kb[i0, :, 2], kb[i1, :, 2]) > KEYPOINT_MIN_SCORE)
    return xa[..., :2], xb, both & inside[:, None]


def _geometry(pair: _Pair, positions: np.ndarray, clear: np.ndarray) -> tuple[np.ndarray, float] | None:
    """``F`` and the noise scale (px) from the ``clear`` rows (away from every step) matched at
    ``positions``; None when too few joints are seen or one ``F`` does not explain the views.

    The offsets given may be wrong for a share of the rows (a step the features missed), and a
    plain fit through all of them bends ``F`` towards them. So ``F`` is chosen by consensus of
    stretches (as RANSAC chooses by consensus of points): each stretch of ``TIMEMAP_PLACE_BLOCK_SECONDS``
    fits its own, the one that explains most other stretches wins, and the final robust fit uses
    only the stretches it explains."""
    rows = np.flatnonzero(clear)
    xa, xb, both = _matched(pair, rows, positions[rows])
    if both.sum() < MIN_POINTS or not np.isfinite(pair.size):
        return None
    per_block = max(1, int(round(TIMEMAP_PLACE_BLOCK_SECONDS * pair.fps)))
    blocks = [b for b in np.array_split(np.arange(len(rows)), max(1, -(-len(rows) // per_block)))
              if both[b].sum() >= MIN_POINTS]
    if not blocks:
        return None
    if len(blocks) > TIMEMAP_PLACE_BLOCKS:
        blocks = [blocks[k] for k in np.linspace(0, len(blocks) - 1, TIMEMAP_PLACE_BLOCKS).round().astype(int)]
    points = [(xa[b][both[b]], xb[b][both[b]]) for b in blocks]
    fits = [fundamental_matrix(a, b) for a, b in points]
    spread = np.array([[np.median(sampson_distance(F, a, b)) for a, b in points] for F in fits])
    best = int(np.argmin(np.median(spread, axis=1)))
    if not float(np.median(spread[best])) / pair.size < BAD_RELATIVE_ERROR:
        return None  # no one geometry for most of the recording: a moving camera
    agree = spread[best] <= 2.0 * float(np.median(spread[best]))
    xa_in = np.concatenate([p[0] for p, ok in zip(points, agree) if ok])
    xb_in = np.concatenate([p[1] for p, ok in zip(points, agree) if ok])
    plain = sampson_distance(fundamental_matrix(xa_in, xb_in), xa_in, xb_in)
    scale = max(1.4826 * float(np.median(plain)), MIN_SCALE_RELATIVE * pair.size)
    F = robust_fundamental_matrix(xa_in, xb_in, scale)
    if not float(np.median(sampson_distance(F, xa_in, xb_in))) / pair.size < BAD_RELATIVE_ERROR:
        return None
    return F, scale


def _row_loss(pair: _Pair, F: np.ndarray, scale: float, rows: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Each row's motion-weighted Cauchy loss against B at ``positions`` (0 where nothing is seen)."""
    xa, xb, both = _matched(pair, rows, positions)
    loss = np.zeros(both.shape)
    if both.any():
        loss[both] = cauchy_loss(sampson_distance(F, xa[both], xb[both]), scale)
    return (loss * pair.weight[rows]).sum(axis=1)


def _fitted(track_a: PoseTrack, track_b: PoseTrack, changes_a: list[int], offsets: list[float], rate: float
            ) -> tuple[_Pair, np.ndarray, float] | None:
    """Both views, and ``F`` with its noise scale fitted on the frames clear of every step
    (``offsets[k]`` holding from A's frame ``changes_a[k - 1]`` on); None when it cannot be."""
    pair = _views(track_a, track_b)
    frames = pair.frames_a
    changes = np.asarray(changes_a, dtype=np.int64)
    positions = rate * frames + np.asarray(offsets)[np.searchsorted(changes, frames, side="right")] - pair.first_b
    reach = TIMEMAP_PLACE_CLEAR_SECONDS * track_a.fps
    clear = np.all(np.abs(frames[:, None] - changes[None, :]) > reach, axis=1)
    found = _geometry(pair, positions, clear)
    return None if found is None else (pair, *found)


def place_steps(track_a: PoseTrack, track_b: PoseTrack, changes_a: list[int], offsets: list[float],
                rate: float) -> list[Placed | None] | None:
    """Each step of a time map placed by the two views' geometry (see the module docstring).

    ``offsets[k]`` holds from A's frame ``changes_a[k - 1]`` on (B's frame ``rate * i +
    offsets[k]``, the features' places). Returns one :class:`Placed` per step (None for a step
    with no moving joint near it), or None when the geometry cannot be used.
    """
    if not changes_a:
        return []
    fitted = _fitted(track_a, track_b, changes_a, offsets, rate)
    if fitted is None:
        return None
    pair, F, scale = fitted
    frames = pair.frames_a
    out: list[Placed | None] = []
    half = TIMEMAP_PLACE_SECONDS * track_a.fps
    for k, at in enumerate(changes_a):
        lo = max(at - half, (changes_a[k - 1] + at) / 2 if k else -np.inf)
        hi = min(at + half, (changes_a[k + 1] + at) / 2 if k + 1 < len(changes_a) else np.inf)
        rows = np.flatnonzero((frames >= lo) & (frames <= hi))
        out.append(_split(pair, F, scale, rows, rate * frames[rows] - pair.first_b, offsets[k], offsets[k + 1]))
    return out


def _split(pair: _Pair, F: np.ndarray, scale: float, rows: np.ndarray, base: np.ndarray, old: float,
           new: float) -> Placed | None:
    """The two-segment fit of ``rows`` (old offset, then new): the best split and its interval."""
    if len(rows) < 2:
        return None
    prefers_old = _row_loss(pair, F, scale, rows, base + new) - _row_loss(pair, F, scale, rows, base + old)
    if not np.any(prefers_old != 0):
        return None
    gain = np.concatenate([[0.0], np.cumsum(prefers_old)])  # gain[s]: rows[:s] old, the rest new
    best = int(np.argmax(gain))
    near = np.flatnonzero(gain >= gain[best] - TIMEMAP_PLACE_MARGIN)
    frames = pair.frames_a[rows]
    at = lambda s: int(frames[min(s, len(rows) - 1)])  # noqa: E731  the first frame on the new offset
    return Placed(at(best), at(int(near.min())), at(int(near.max())))


def geometric_cost(track_a: PoseTrack, track_b: PoseTrack, changes_a: list[int], offsets: list[float],
                   rate: float, frames_a: np.ndarray, centre: np.ndarray, shifts: np.ndarray) -> np.ndarray | None:
    """``(T, D)``: every frame ``frames_a`` of A against B's frames ``centre + shifts`` by the two
    views' geometry: ``log`` of the motion-weighted Cauchy loss of the Sampson distances (plus a
    floor), relative to the row's median, as :func:`~videosync.sync.changepoints.band_evidence`
    scores the features. ``F`` is fitted as for :func:`place_steps`; None when it cannot be."""
    fitted = _fitted(track_a, track_b, changes_a, offsets, rate)
    if fitted is None:
        return None
    pair, F, scale = fitted
    rows = np.searchsorted(pair.frames_a, frames_a)
    total = np.where(pair.ka[rows, :, 2] > KEYPOINT_MIN_SCORE, pair.weight[rows], 0.0).sum(axis=1)
    loss = np.full((len(rows), len(shifts)), np.nan)
    for n, d in enumerate(shifts):
        xa, xb, both = _matched(pair, rows, (centre + d - pair.first_b).astype(np.float64))
        w = np.where(both, pair.weight[rows], 0.0)
        per = np.zeros(both.shape)
        per[both] = cauchy_loss(sampson_distance(F, xa[both], xb[both]), scale)
        seen = both.sum(axis=1) >= 2
        loss[seen, n] = (w * per).sum(axis=1)[seen] / np.maximum(w.sum(axis=1)[seen], 1e-12) * total[seen]
    known = np.isfinite(loss)
    floor = TIMEMAP_COST_FLOOR * max(float(np.median(loss[known])) if known.any() else 1.0, 1e-12)
    cost = np.log(loss + floor)
    with np.errstate(all="ignore"):
        cost -= np.nanmedian(np.where(known.any(axis=1)[:, None], cost, 0.0), axis=1, keepdims=True)
    return np.nan_to_num(cost, nan=0.0)

"""Frame-exact refinement of an offset by two-view geometry (goes beyond the paper).

The learned embedding finds the right neighbourhood but, on slow motion, its matches can sit a
few frames off: two views of similar poses a few frames apart look alike. Geometry does not have
that blind spot. For two *fixed* cameras, every joint seen in both views at the same instant is
a point correspondence, and all of them satisfy one epipolar constraint ``x_b^T F x_a = 0``. At a
wrong offset the person has moved between the two images and no single fundamental matrix
explains the pairs as well. So, around the coarse offset, we fit F at each candidate offset
(B's keypoints linearly interpolated at fractional positions) and keep the offset with the
smallest median Sampson distance, refined to sub-frame by a parabola through the minimum.

No calibration is needed. The result is only used when the evidence is clear: enough
correspondences, a minimum inside the search window, and a curve with a distinct dip (a person
standing still, a moving camera or a view pair close to degenerate gives a flat or noisy curve;
the coarse offset is then kept and the reason recorded).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from videosync.poses import PoseTrack

#: Joints scored below this are not used as correspondences.
DEFAULT_MIN_SCORE = 0.3
#: Half-width of the search around the coarse offset, in seconds (and at least MIN_SEARCH frames).
DEFAULT_SEARCH_SECONDS = 0.25
MIN_SEARCH_FRAMES = 4.0
#: Grid step of the search, in frames of B.
DEFAULT_STEP = 0.5
#: Fewest correspondences (joint x frame) per candidate offset; F has 7 degrees of freedom and
#: the noise of real detectors needs many more than 8 points for a stable median.
MIN_POINTS = 100
#: The dip must be at least this deep relative to the curve's median level to be trusted.
MIN_CONTRAST = 0.15
#: Median Sampson distance at the minimum, as a share of the person's size in B: at or below
#: GOOD the views agree as well as detector noise allows (0.6-1.0 % on the Pose2Sim demo, for
#: OpenPose and MediaPipe), at or above BAD the "minimum" is only the least bad of wrong offsets
#: (1.8-4.6 % there, for guesses 12 and 25 frames off).
GOOD_RELATIVE_ERROR = 0.010
BAD_RELATIVE_ERROR = 0.025


@dataclass
class Refinement:
    """Outcome of :func:`refine_offset`.

    Attributes:
        offset_frames: the refined offset when ``accepted``, else the coarse one.
        accepted: whether the geometric evidence was clear enough to use.
        reason: why it was not accepted ("" when it was).
        coarse_offset_frames: the offset that was refined.
        shifts, errors: the searched offsets and their median Sampson distance (px; NaN where too
            few correspondences), for plots and diagnosis.
        contrast: ``1 - min / median`` of the error curve.
        relative_error: the error at the minimum divided by the person's size in B.
        n_points: correspondences used per candidate offset.
    """

    offset_frames: float
    accepted: bool
    reason: str
    coarse_offset_frames: float
    shifts: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    errors: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    contrast: float = 0.0
    relative_error: float = float("nan")
    n_points: int = 0

    @property
    def confidence(self) -> float:
        """In [0, 1]: how strongly the geometry supports the refined offset (0 if not accepted).

        Both the depth of the dip and how well the best offset explains the two views must be
        convincing; either one alone is fooled (a dip among uniformly bad offsets, or a flat
        curve on a still person).
        """
        if not self.accepted:
            return 0.0
        depth = np.clip((self.contrast - MIN_CONTRAST) / 0.35, 0.0, 1.0)
        fit = np.clip((BAD_RELATIVE_ERROR - self.relative_error) / (BAD_RELATIVE_ERROR - GOOD_RELATIVE_ERROR), 0.0, 1.0)
        return float(min(depth, fit)) if np.isfinite(self.relative_error) else 0.0


def person_size(track: PoseTrack, min_score: float = DEFAULT_MIN_SCORE) -> float:
    """Median over frames of the larger side of the joints' bounding box (px).

    The larger side, not the height, so that a camera mounted sideways measures the same person.
    """
    kp = track.keypoints
    seen = kp[..., 2] > min_score
    enough = seen.sum(axis=1) >= 2
    if not enough.any():
        return float("nan")
    xy = np.where(seen[..., None], kp[..., :2], np.nan)[enough]
    extent = np.nanmax(xy, axis=1) - np.nanmin(xy, axis=1)
    return float(np.median(extent.max(axis=1)))


def sampson_distance(F: np.ndarray, xa: np.ndarray, xb: np.ndarray) -> np.ndarray:
    """First-order geometric distance (px) of each correspondence to the epipolar geometry ``F``."""
    ha = np.c_[xa, np.ones(len(xa))]
    hb = np.c_[xb, np.ones(len(xb))]
    lb = ha @ F.T  # epipolar lines in B
    la = hb @ F  # epipolar lines in A
    num = np.sum(hb * lb, axis=1) ** 2
    den = lb[:, 0] ** 2 + lb[:, 1] ** 2 + la[:, 0] ** 2 + la[:, 1] ** 2
    return np.sqrt(num / np.maximum(den, 1e-12))


def epipolar_error(xa: np.ndarray, xb: np.ndarray) -> float:
    """Median Sampson distance (px) of ``xa <-> xb`` to their least-squares fundamental matrix.

    A plain Hartley-normalised 8-point fit is deterministic and, with hundreds of points, is
    already stable; the *median* of the distances keeps a few mislabelled joints or left/right
    swaps from deciding the score. (A second fit without the far points was tried and was less
    accurate on the Pose2Sim demo.)
    """
    import cv2

    if len(xa) < 8:
        return float("nan")
    F, _mask = cv2.findFundamentalMat(xa, xb, cv2.FM_8POINT)
    if F is None or F.shape[0] < 3:
        return float("nan")
    return float(np.median(sampson_distance(F[:3], xa, xb)))


def refine_offset(
    track_a: PoseTrack,
    track_b: PoseTrack,
    offset_frames: float,
    rate: float = 1.0,
    *,
    search_frames: float | None = None,
    step: float = DEFAULT_STEP,
    min_score: float = DEFAULT_MIN_SCORE,
    min_points: int = MIN_POINTS,
    min_contrast: float = MIN_CONTRAST,
) -> Refinement:
    """Search ``offset_frames +- search_frames`` for the offset that best satisfies two-view geometry.

    Offsets follow :class:`~videosync.sync.methods.base.PairEstimate`: frame ``i`` of A shows the
    same instant as frame ``rate * i + offset`` of B (source frame numbers).

    Args:
        search_frames: half-width of the search in frames of B (default 0.25 s, at least 4 frames).
        step: grid step of the search in frames of B; the minimum is refined by a parabola.
    """
    if search_frames is None:
        search_frames = max(MIN_SEARCH_FRAMES, DEFAULT_SEARCH_SECONDS * track_b.fps)
    shifts = offset_frames + np.arange(-search_frames, search_frames + 1e-9, step)
    out = Refinement(offset_frames, False, "", offset_frames, shifts, np.full(len(shifts), np.nan))
    if len(track_a) == 0 or len(track_b) == 0:
        out.reason = "an input has no frames"
        return out
    da, db = track_a.dense(), track_b.dense()
    ka, kb = da.keypoints, db.keypoints
    # Position of each A frame in B's rows, for the smallest and the largest shift: only A frames
    # that land inside B for EVERY candidate are used, so all candidates see the same frames and
    # the overlap size cannot favour one offset.
    base = rate * da.frame_index.astype(np.float64) - float(db.frame_index[0])
    usable = (base + shifts[0] >= 0) & (base + shifts[-1] <= len(db) - 1)
    if usable.sum() < 2:
        out.reason = "the inputs hardly overlap at this offset"
        return out
    ka, base = ka[usable], base[usable]
    seen_a = ka[..., 2] > min_score
    for n, shift in enumerate(shifts):
        pos = base + shift
        i0 = np.clip(np.floor(pos).astype(np.int64), 0, len(kb) - 1)
        i1 = np.minimum(i0 + 1, len(kb) - 1)
        w = (pos - i0)[:, None, None]
        xb = kb[i0, :, :2] * (1 - w) + kb[i1, :, :2] * w
        both = seen_a & (np.minimum(kb[i0, :, 2], kb[i1, :, 2]) > min_score)
        count = int(both.sum())
        out.n_points = max(out.n_points, count)
        if count >= min_points:
            out.errors[n] = epipolar_error(ka[..., :2][both].astype(np.float64), xb[both].astype(np.float64))
    errors = out.errors
    if not np.isfinite(errors).any():
        out.reason = f"fewer than {min_points} joints seen in both views"
        return out
    best = int(np.nanargmin(errors))
    level = float(np.nanmedian(errors))
    out.contrast = 1.0 - float(errors[best]) / level if level > 0 else 0.0
    if out.contrast < min_contrast:
        out.reason = f"no distinct geometric minimum (contrast {out.contrast:.2f} < {min_contrast:g})"
        return out
    if best == 0 or best == len(errors) - 1 or not np.isfinite(errors[[best - 1, best + 1]]).all():
        out.reason = "the geometric minimum is at the edge of the search window"
        return out
    y0, y1, y2 = errors[best - 1], errors[best], errors[best + 1]
    curvature = y0 - 2 * y1 + y2
    delta = 0.5 * (y0 - y2) / curvature if curvature > 0 else 0.0
    out.offset_frames = float(shifts[best] + step * np.clip(delta, -0.5, 0.5))
    out.relative_error = float(errors[best]) / person_size(track_b, min_score)
    out.accepted = True
    return out

"""Frame-exact refinement of an offset by two-view geometry (goes beyond the paper).

The learned embedding finds the right neighbourhood but, on slow motion, its matches can sit a
few frames off: two views of similar poses a few frames apart look alike. Geometry does not have
that blind spot. For two *fixed* cameras, every joint seen in both views at the same instant is
a point correspondence, and all of them satisfy one epipolar constraint ``x_b^T F x_a = 0``. At a
wrong offset the person has moved between the two images and no single fundamental matrix
explains the pairs as well. So, around the coarse offset, we fit F at each candidate offset
(B's keypoints linearly interpolated at fractional positions), score how well it explains the
correspondences, and keep the best offset, refined to sub-frame by a parabola through the minimum.

Two things make the score trustworthy on real detector output (without them the offset was
frames off on real poses; measurements in ``docs/design/tunables.md``):

* **Only moving joints carry the offset.** A joint that stands still satisfies the epipolar
  constraint at every candidate offset; it says nothing about time, but its view-inconsistent
  errors (a hip or an ear is not the same 3D point in two views; an occluded joint is guessed)
  still move the minimum. Each correspondence's contribution to the score is therefore weighted
  by its information about the offset, the square of the joint's image speed in A (measured over
  +-0.1 s, so that detector jitter is not mistaken for motion). Still joints keep their role in
  fitting F (they pin the geometry) but not in choosing the offset.
* **Detector failures are outliers, not noise.** Hallucinated occluded joints and left/right
  swaps come in runs of frames tens of pixels off. F is fitted by iteratively reweighted least
  squares with a Cauchy loss, and the score is the same bounded loss, at one noise scale for all
  candidates (from the median distance of a plain fit at the best candidate), so a few gross
  errors can neither pull F nor dominate the score.

No calibration is needed. The result is only used when the evidence is clear: enough
correspondences, a minimum inside the search window, a curve with a distinct dip (a person
standing still, a moving camera or a view pair close to degenerate gives a flat or noisy curve),
and views that the best offset really explains (median epipolar error under BAD_RELATIVE_ERROR
of the person's size; a "minimum" among wrong offsets, when the coarse guess is further off than
the search reaches, leaves 2-4 %). Otherwise the coarse offset is kept and the reason recorded.

Keypoints much noisier than a good detector's (a small, blurred or badly lit person) would make
every search inconclusive, so the jitter of each view is measured (second differences): a view
jittering by more than SMOOTH_ABOVE_JITTER of the person's size is smoothed in time first, and
the median epipolar error that the remaining jitter explains is added, in quadrature, to the
BAD threshold for accepting the minimum (:func:`noise_allowance`; the confidence keeps the fixed
thresholds: noisy keypoints are weaker evidence). With a precise detector neither changes
anything noticeable.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from videosync.poses import PoseTrack
from videosync.poses.stats import (
    joint_speed,
    keypoints_jitter_px,
    keypoints_size_px,
    share_of_size,
    smooth_positions,
)
from videosync.sync.bounds import UNBOUNDED, OffsetBounds
from videosync.tunables import (
    BAD_RELATIVE_ERROR,
    CAUCHY_C,
    FULL_CONTRAST_SPAN,
    GOOD_RELATIVE_ERROR,
    KEYPOINT_MIN_SCORE,
    MIN_CONTRAST,
    MIN_POINTS,
    MIN_POLISH_FRAMES,
    MIN_SCALE_RELATIVE,
    MIN_SEARCH_FRAMES,
    POLISH_SECONDS,
    REFINE_MAX_FRAMES,
    REFINE_SEARCH_SECONDS,
    REFINE_STEP,
    ROBUST_ITERATIONS,
    SMOOTH_ABOVE_JITTER,
    SMOOTH_SECONDS,
    SPEED_WINDOW_SECONDS,
)

#: Median of ``|N(0, 1)|``: the median Sampson distance that keypoint jitter of standard deviation
#: ``s`` (px, in both views) leaves at the true offset is about ``MEDIAN_ABS_NORMAL * s``.
MEDIAN_ABS_NORMAL = 0.6745


def noise_allowance(jitters: list[float]) -> float:
    """The median Sampson distance that the views' jitter (relative, per view) explains at the true
    offset, as a share of the person's size.

    Why: the fixed thresholds (GOOD/BAD_RELATIVE_ERROR) were set on real detector output whose
    jitter is 0.2-0.7 % of the person's size; noisier keypoints (a small or blurred person, a
    cheap detector) raise the error at the true offset by about this much, and would otherwise
    make every search inconclusive. Added in quadrature, so a precise detector changes little.
    """
    known = [j for j in jitters if np.isfinite(j)]
    return MEDIAN_ABS_NORMAL * float(np.sqrt(np.mean(np.square(known)))) if known else 0.0


@dataclass
class Refinement:
    """Outcome of :func:`refine_offset`.

    Attributes:
        offset_frames: the refined offset when ``accepted``, else the coarse one.
        accepted: whether the geometric evidence was clear enough to use.
        reason: why it was not accepted ("" when it was).
        coarse_offset_frames: the offset that was refined.
        shifts, errors: the searched offsets and their score (NaN where too few correspondences):
            the motion-weighted mean Cauchy loss of the robust fit's Sampson distances, at the
            noise scale ``scale_px``. Dimensionless, lower is better; for plots and diagnosis.
        distances: median Sampson distance (px) of the robust fit at each searched offset.
        scale_px: the noise scale of the Sampson distances (px) used by the loss.
        contrast: ``1 - min / median`` of the score curve.
        relative_error: the median Sampson distance at the minimum divided by the person's size in B
            (NaN when the search stopped before it was measured).
        n_points: correspondences used per candidate offset.
        wide_offset_frames: the wide search's minimum, before the narrow second search moved it
            (equal to ``offset_frames`` when that search was not conclusive or not run).
        noise_relative: the median epipolar error the views' own jitter explains, as a share of
            the person's size (:func:`noise_allowance`; set once the minimum was measured).
        beyond_bounds: a minimum that passed every test but lies outside the allowed offsets
            (not accepted); None otherwise.
        at_edge: the curve's distinct minimum is the first or last searched offset (not
            accepted: the best offset may lie beyond the window).
    """

    offset_frames: float
    accepted: bool
    reason: str
    coarse_offset_frames: float
    shifts: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    errors: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    distances: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    scale_px: float = float("nan")
    contrast: float = 0.0
    relative_error: float = float("nan")
    n_points: int = 0
    wide_offset_frames: float = float("nan")
    noise_relative: float = 0.0
    beyond_bounds: float | None = None
    at_edge: bool = False

    @property
    def edge_offset(self) -> float | None:
        """The searched offset at which a minimum ``at_edge`` lies (frames of B); else None."""
        return float(self.shifts[int(np.nanargmin(self.errors))]) if self.at_edge else None

    @property
    def bad_relative_error(self) -> float:
        """BAD_RELATIVE_ERROR widened by the keypoints' own jitter (see :func:`noise_allowance`):
        the acceptance threshold. The confidence keeps the fixed GOOD and BAD: noisier keypoints
        may still locate the minimum, but they are weaker evidence."""
        return float(np.hypot(BAD_RELATIVE_ERROR, self.noise_relative))

    @property
    def confidence(self) -> float:
        """In [0, 1]: how strongly the geometry supports the refined offset (0 if not accepted).

        Both the depth of the dip and how well the best offset explains the two views must be
        convincing; either one alone is fooled (a dip among uniformly bad offsets, or a flat
        curve on a still person).
        """
        if not self.accepted:
            return 0.0
        depth = np.clip((self.contrast - MIN_CONTRAST) / FULL_CONTRAST_SPAN, 0.0, 1.0)
        fit = np.clip((BAD_RELATIVE_ERROR - self.relative_error) / (BAD_RELATIVE_ERROR - GOOD_RELATIVE_ERROR), 0.0, 1.0)
        return float(min(depth, fit)) if np.isfinite(self.relative_error) else 0.0


def sampson_distance(F: np.ndarray, xa: np.ndarray, xb: np.ndarray) -> np.ndarray:
    """First-order geometric distance (px) of each correspondence to the epipolar geometry ``F``."""
    ha = np.c_[xa, np.ones(len(xa))]
    hb = np.c_[xb, np.ones(len(xb))]
    lb = ha @ F.T  # epipolar lines in B
    la = hb @ F  # epipolar lines in A
    num = np.sum(hb * lb, axis=1) ** 2
    den = lb[:, 0] ** 2 + lb[:, 1] ** 2 + la[:, 0] ** 2 + la[:, 1] ** 2
    return np.sqrt(num / np.maximum(den, 1e-12))


def _normalizer(x: np.ndarray) -> np.ndarray:
    """Hartley normalization: centroid to the origin, RMS distance sqrt(2)."""
    c = x.mean(axis=0)
    rms = np.sqrt(np.mean(np.sum((x - c) ** 2, axis=1)))
    s = np.sqrt(2.0) / max(rms, 1e-12)
    return np.array([[s, 0.0, -s * c[0]], [0.0, s, -s * c[1]], [0.0, 0.0, 1.0]])


def _design(xa: np.ndarray, xb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows ``kron(x_b, x_a)`` of the 8-point system in Hartley-normalised coordinates, and the normalizers."""
    ta, tb = _normalizer(xa), _normalizer(xb)
    ha = xa @ ta[:2, :2].T + ta[:2, 2]
    hb = xb @ tb[:2, :2].T + tb[:2, 2]
    ha = np.c_[ha, np.ones(len(ha))]
    hb = np.c_[hb, np.ones(len(hb))]
    return (hb[:, :, None] * ha[:, None, :]).reshape(-1, 9), ta, tb


def _solve(design: np.ndarray, ta: np.ndarray, tb: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    # least-squares null vector from the 9x9 normal matrix (as OpenCV's 8-point does): with
    # normalised coordinates it is well conditioned, and far cheaper than an SVD of all rows
    weighted = design if weights is None else design * weights[:, None]
    F = np.linalg.eigh(weighted.T @ design)[1][:, 0].reshape(3, 3)
    u, s, vt = np.linalg.svd(F)
    F = tb.T @ (u @ np.diag([s[0], s[1], 0.0]) @ vt) @ ta
    return F / np.linalg.norm(F)


def fundamental_matrix(xa: np.ndarray, xb: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """(Weighted) Hartley-normalised 8-point fit of F (``x_b^T F x_a = 0``), rank 2, unit norm.

    With ``weights`` each correspondence's algebraic residual is weighted by ``sqrt(weight)``
    in the least squares, which is what a reweighting (IRLS) step needs.
    """
    design, ta, tb = _design(np.asarray(xa, dtype=np.float64), np.asarray(xb, dtype=np.float64))
    return _solve(design, ta, tb, None if weights is None else np.asarray(weights, dtype=np.float64))


def cauchy_loss(distances: np.ndarray, scale: float) -> np.ndarray:
    """``log(1 + (d / (c scale))^2)``: quadratic for small distances, only logarithmic for gross ones."""
    return np.log1p((distances / (CAUCHY_C * scale)) ** 2)


def robust_fundamental_matrix(xa: np.ndarray, xb: np.ndarray, scale: float,
                              iterations: int = ROBUST_ITERATIONS) -> np.ndarray:
    """F by iteratively reweighted least squares with the Cauchy loss at noise ``scale`` (px).

    Starts from the plain 8-point fit; each round weights a correspondence by the Cauchy weight
    ``1 / (1 + (d / (c scale))^2)`` of its Sampson distance, so a joint tens of pixels off (a
    guessed occluded joint, a left/right swap) hardly pulls the fit.
    """
    xa, xb = np.asarray(xa, dtype=np.float64), np.asarray(xb, dtype=np.float64)
    design, ta, tb = _design(xa, xb)
    F = _solve(design, ta, tb, None)
    for _ in range(iterations):
        u = sampson_distance(F, xa, xb) / (CAUCHY_C * scale)
        F = _solve(design, ta, tb, 1.0 / (1.0 + u**2))
    return F


def epipolar_error(xa: np.ndarray, xb: np.ndarray) -> float:
    """Median Sampson distance (px) of ``xa <-> xb`` to their least-squares fundamental matrix."""
    if len(xa) < 8:
        return float("nan")
    return float(np.median(sampson_distance(fundamental_matrix(xa, xb), xa, xb)))


def _denoised(keypoints: np.ndarray, size: float, fps: float, smooth: bool, min_score: float) -> tuple[np.ndarray, float]:
    """A dense track's keypoints (the person ``size`` px), smoothed when their jitter exceeds
    SMOOTH_ABOVE_JITTER (and ``smooth``), and the relative jitter left in them."""
    jitter = share_of_size(keypoints_jitter_px(keypoints, min_score), size)
    if not (smooth and jitter > SMOOTH_ABOVE_JITTER):
        return keypoints, jitter
    h = max(1, int(round(SMOOTH_SECONDS * fps)))
    # the centre value of a line through 2h + 1 positions keeps 1/sqrt(2h + 1) of independent noise
    return smooth_positions(keypoints, h, min_score), jitter / np.sqrt(2 * h + 1)


@dataclass
class _Views:
    """Both views prepared for the search: A's usable rows (those inside B at every candidate)
    and their positions in B's rows at offset 0, B's dense keypoints, the joints' squared speed
    weights in A, the person's size in B (px) and each view's remaining relative jitter."""

    ka: np.ndarray
    base: np.ndarray
    kb: np.ndarray
    speed: np.ndarray
    size: float
    jitters: list[float]


def _prepare_views(track_a: PoseTrack, track_b: PoseTrack, shifts: np.ndarray, rate: float,
                   min_score: float, smooth: bool) -> _Views | None:
    """The views for the search over ``shifts``; None when they hardly overlap.

    Only A frames that land inside B for EVERY candidate are used, so all candidates see the same
    frames and the overlap size cannot favour one offset.
    """
    da, db = track_a.dense(), track_b.dense()
    ka, kb = da.keypoints, db.keypoints
    base = rate * da.frame_index.astype(np.float64) - float(db.frame_index[0])
    usable = (base + shifts[0] >= 0) & (base + shifts[-1] <= len(db) - 1)
    if usable.sum() < 2:
        return None
    half_window = max(1, int(round(SPEED_WINDOW_SECONDS * track_a.fps)))
    speed = joint_speed(ka, half_window, min_score)
    rows = _timing_rows(np.flatnonzero(usable), speed)
    size = keypoints_size_px(kb, min_score)
    ka, jitter_a = _denoised(ka, keypoints_size_px(ka, min_score), track_a.fps, smooth, min_score)
    kb, jitter_b = _denoised(kb, size, track_b.fps, smooth, min_score)
    return _Views(ka[rows].astype(np.float64), base[rows], kb, speed[rows], size, [jitter_a, jitter_b])


def _timing_rows(rows: np.ndarray, speed: np.ndarray, limit: int | None = None) -> np.ndarray:
    """``rows`` of A, or the ``limit`` (default REFINE_MAX_FRAMES) of them whose joints move most
    (summed squared speed, the score's weight), in frame order: the frames that carry timing
    information."""
    limit = REFINE_MAX_FRAMES if limit is None else limit
    if len(rows) <= limit:
        return rows
    motion = np.nansum(speed[rows] ** 2, axis=1)
    return np.sort(rows[np.argsort(-motion, kind="stable")[:limit]])


Candidate = tuple[np.ndarray, np.ndarray, np.ndarray]


def _correspondences(views: _Views, shifts: np.ndarray, min_score: float, min_points: int
                     ) -> tuple[list[Candidate | None], np.ndarray, int]:
    """Per candidate offset: the joints seen in both views (A's, B's interpolated, A's squared
    speed), or None when fewer than ``min_points``; each one's plain least-squares epipolar
    error; and the most correspondences any candidate had."""
    ka, kb = views.ka, views.kb
    seen_a = ka[..., 2] > min_score
    candidates: list[Candidate | None] = []
    plain = np.full(len(shifts), np.nan)
    most = 0
    for n, shift in enumerate(shifts):
        pos = views.base + shift
        i0 = np.clip(np.floor(pos).astype(np.int64), 0, len(kb) - 1)
        i1 = np.minimum(i0 + 1, len(kb) - 1)
        w = (pos - i0)[:, None, None]
        xb = kb[i0, :, :2] * (1 - w) + kb[i1, :, :2] * w
        both = seen_a & (np.minimum(kb[i0, :, 2], kb[i1, :, 2]) > min_score)
        count = int(both.sum())
        most = max(most, count)
        if count < min_points:
            candidates.append(None)
            continue
        xa_n, xb_n = ka[..., :2][both], xb[both].astype(np.float64)
        candidates.append((xa_n, xb_n, views.speed[both] ** 2))
        plain[n] = epipolar_error(xa_n, xb_n)
    return candidates, plain, most


def _score(candidates: list[Candidate | None], scale: float, errors: np.ndarray, distances: np.ndarray) -> None:
    """Fill each candidate's motion-weighted mean Cauchy loss (``errors``) and median Sampson
    distance (``distances``) of the robust fit at the noise ``scale``; NaN where it has none."""
    for n, cand in enumerate(candidates):
        if cand is None:
            continue
        xa_n, xb_n, weight = cand
        if not weight.sum() > 0:
            continue
        F = robust_fundamental_matrix(xa_n, xb_n, scale)
        d = sampson_distance(F, xa_n, xb_n)
        errors[n] = float(np.sum(weight * cauchy_loss(d, scale)) / weight.sum())
        distances[n] = float(np.median(d))


def _minimum(out: Refinement, size: float, jitters: list[float], step: float, min_contrast: float
             ) -> float | None:
    """The sub-frame minimum of ``out.errors`` when it is distinct, inside the window and explains
    the views; else None with ``out.reason`` saying why (``out.contrast``, ``relative_error``
    and ``noise_relative`` are set as far as they were measured)."""
    errors = out.errors
    if not np.isfinite(errors).any():
        out.reason = "no distinct geometric minimum (the joints do not move)"
        return None
    best = int(np.nanargmin(errors))
    level = float(np.nanmedian(errors))
    out.contrast = 1.0 - float(errors[best]) / level if level > 0 else 0.0
    if out.contrast < min_contrast:
        out.reason = f"no distinct geometric minimum (contrast {out.contrast:.2f} < {min_contrast:g})"
        return None
    if best == 0 or best == len(errors) - 1 or not np.isfinite(errors[[best - 1, best + 1]]).all():
        out.reason = "the geometric minimum is at the edge of the search window"
        out.at_edge = best in (0, len(errors) - 1)  # not beside offsets too few joints scored
        return None
    y0, y1, y2 = errors[best - 1], errors[best], errors[best + 1]
    curvature = y0 - 2 * y1 + y2
    delta = 0.5 * (y0 - y2) / curvature if curvature > 0 else 0.0
    out.relative_error = float(out.distances[best]) / size
    out.noise_relative = noise_allowance(jitters)
    if not out.relative_error < out.bad_relative_error:
        # the least bad candidate still leaves the views inconsistent: the true offset is probably
        # outside the window (a coarse guess far off), or one of the cameras moved
        out.reason = (f"even the best offset leaves the views inconsistent (median epipolar error "
                      f"{out.relative_error:.1%} of the person's size)")
        return None
    return float(out.shifts[best] + step * np.clip(delta, -0.5, 0.5))


def refine_offset(
    track_a: PoseTrack, track_b: PoseTrack, offset_frames: float, rate: float = 1.0, *,
    search_frames: float | None = None, step: float = REFINE_STEP, min_score: float = KEYPOINT_MIN_SCORE,
    min_points: int = MIN_POINTS, min_contrast: float = MIN_CONTRAST, polish: bool = True,
    smooth: bool = True, bounds: OffsetBounds = UNBOUNDED,
) -> Refinement:
    """Search ``offset_frames +- search_frames`` for the offset that best satisfies two-view geometry.

    Offsets follow :class:`~videosync.sync.methods.base.PairEstimate`: frame ``i`` of A shows the
    same instant as frame ``rate * i + offset`` of B (source frame numbers).

    Args:
        search_frames: half-width of the search in frames of B (default 0.25 s, at least 4 frames).
        step: grid step of the search in frames of B; the minimum is refined by a parabola.
        polish: once the wide search is conclusive, search again +-``POLISH_SECONDS`` around its
            minimum, over the larger overlap that the narrow window leaves (coarse to fine). The
            wide search alone decides whether the geometry is trusted; the narrow one only moves
            the minimum, and only when its own minimum lies inside its window.
        smooth: smooth views whose keypoints jitter by more than SMOOTH_ABOVE_JITTER of the
            person's size before fitting (see the module docstring).
        bounds: the offsets the user allows: a minimum outside them is not accepted, and the
            refined offset never leaves them.
    """
    if search_frames is None:
        search_frames = max(MIN_SEARCH_FRAMES, REFINE_SEARCH_SECONDS * track_b.fps)
    shifts = offset_frames + np.arange(-search_frames, search_frames + 1e-9, step)
    out = Refinement(offset_frames, False, "", offset_frames, shifts, np.full(len(shifts), np.nan),
                     np.full(len(shifts), np.nan))
    if len(track_a) == 0 or len(track_b) == 0:
        out.reason = "an input has no frames"
        return out
    views = _prepare_views(track_a, track_b, shifts, rate, min_score, smooth)
    if views is None:
        out.reason = "the inputs hardly overlap at this offset"
        return out
    from threadpoolctl import threadpool_limits

    # thousands of (N x 9) products: several BLAS threads only wait for each other (13x slower
    # on a busy 2-core machine), one does each in well under a millisecond
    with threadpool_limits(1, user_api="blas"):
        candidates, plain, out.n_points = _correspondences(views, shifts, min_score, min_points)
        if not np.isfinite(plain).any():
            out.reason = f"fewer than {min_points} joints seen in both views"
            return out
        # one noise scale for all candidates: the plain fit's median Sampson distance at the best one
        floor = MIN_SCALE_RELATIVE * views.size if np.isfinite(views.size) and views.size > 0 else 1e-6
        out.scale_px = max(1.4826 * float(np.nanmin(plain)), floor)
        _score(candidates, out.scale_px, out.errors, out.distances)
    found = _minimum(out, views.size, views.jitters, step, min_contrast)
    if found is not None and bounds.beyond(found):
        out.reason = f"the geometric minimum is outside the allowed offsets (+-{bounds.max_frames:g} frames)"
        out.beyond_bounds = found
    elif found is not None:
        out.offset_frames = out.wide_offset_frames = bounds.clip(found)
        out.accepted = True
        if polish:
            narrow = max(MIN_POLISH_FRAMES, POLISH_SECONDS * track_b.fps)
            fine = refine_offset(track_a, track_b, out.offset_frames, rate, search_frames=narrow, step=step,
                                 min_score=min_score, min_points=min_points, min_contrast=0.0, polish=False,
                                 smooth=smooth, bounds=bounds)
            out.offset_frames = fine.offset_frames if fine.accepted else out.offset_frames
    return out

"""Self-similarity baseline (SSM, Junejo et al., "View-independent action recognition from temporal
self-similarities", TPAMI 2011; ref. [22] of SeSyn-Net).

Idea: two cameras see very different 2D poses, but *how similar the pose at time s is to the pose
at time t* changes much less with the view. So each frame is described by the track's own
self-similarity matrix (SSM) around it, and those descriptors are matched across the two inputs
with the shared frame matching and fit.

What we compute (our choices where the paper leaves room, since it works on image trajectories):

1. Distance between two frames ``s, t``: over the joints detected in both, the RMS of the joint
   displacements after removing their mean (``sqrt(mean_j |D_j - mean(D)|^2)`` with
   ``D_j = p_s,j - p_t,j``). Removing the mean displacement makes the SSM body-centred (global
   translation, strongly view-dependent, is ignored; set ``centre=False`` to keep it); dividing by
   the track's median body size (RMS joint distance to the centroid) makes it scale-free, so a
   near and a far camera give comparable values. Needs ``min_common`` shared joints, else NaN.
2. The descriptor of frame ``t`` pools the SSM patch ``D(t + a, t + b)``, ``|a|, |b| <= W``,
   ``a < b`` (the matrix is symmetric with a zero diagonal), on a log-polar grid centred on the
   diagonal point ``(t, t)``, as in Junejo et al.: ``n_radial`` log-spaced rings from one frame to
   ``W * sqrt(2)`` times ``n_angular`` sectors of the half-plane above the diagonal (sectors run
   from "both later" through "one earlier, one later" to "both earlier"). A bin holds the mean of
   its entries, so missing frames only thin it out. Offsets are binned in seconds, so the same
   descriptor comes out at different frame rates.
3. Each descriptor is divided by its norm (plus 5% of the track's median norm, so frames where the
   person stands still are not blown up to unit length): the *shape* of the local SSM carries the
   timing, its overall magnitude depends on the view.
"""

from __future__ import annotations

import numpy as np

from videosync.poses import PoseTrack
from videosync.sync.methods.base import FeatureMatchingMethod
from videosync.tunables import SSM_ANGULAR, SSM_MIN_COMMON, SSM_NORM_FLOOR, SSM_RADIAL, SSM_WINDOW_SECONDS


def _body_scale(xy: np.ndarray, valid: np.ndarray) -> float:
    """Median over frames of the RMS distance of the detected joints to their centroid."""
    n = valid.sum(axis=1)
    ok = n >= 2
    if not ok.any():
        return 1.0
    w = valid[ok][..., None].astype(np.float64)
    c = (xy[ok] * w).sum(axis=1, keepdims=True) / n[ok][:, None, None]
    rms = np.sqrt((((xy[ok] - c) ** 2).sum(-1) * valid[ok]).sum(1) / n[ok])
    scale = float(np.median(rms))
    return scale if scale > 0 else 1.0


def banded_ssm(track: PoseTrack, max_lag: int, *, centre: bool = True, min_common: int = SSM_MIN_COMMON
               ) -> np.ndarray:
    """``(T, max_lag + 1)``: ``out[t, d]`` = distance between frames ``t`` and ``t + d`` (NaN if
    unknown), in units of the track's body size. Only this band of the SSM is ever needed."""
    xy = track.keypoints[..., :2].astype(np.float64)
    valid = track.scores > 0
    scale = _body_scale(xy, valid)
    n = len(track)
    out = np.full((n, max_lag + 1), np.nan)
    for d in range(max_lag + 1):
        if d >= n:
            break
        both = valid[: n - d] & valid[d:]
        cnt = both.sum(axis=1)
        diff = (xy[: n - d] - xy[d:]) * both[..., None]
        sq = (diff ** 2).sum(axis=(1, 2))
        with np.errstate(invalid="ignore", divide="ignore"):
            msq = sq / cnt
            if centre:
                mean = diff.sum(axis=1) / cnt[:, None]
                msq = msq - (mean ** 2).sum(axis=1)
        dist = np.sqrt(np.maximum(msq, 0.0)) / scale
        out[: n - d, d] = np.where(cnt >= min_common, dist, np.nan)
    return out


def _log_polar_bins(window: int, fps: float, window_seconds: float, n_radial: int,
                    n_angular: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each non-empty bin, the (a, b - a) offsets of the patch entries it pools."""
    span = np.arange(-window, window + 1)
    a, b = np.meshgrid(span, span, indexing="ij")
    upper = b > a
    a, b = a[upper], b[upper]
    sa, sb = a / fps, b / fps  # seconds
    rho = np.hypot(sa, sb)
    phi = np.arctan2((sb - sa) / np.sqrt(2), (sa + sb) / np.sqrt(2))  # in (0, pi)
    edges = np.geomspace(1.0 / fps, window_seconds * np.sqrt(2) * (1 + 1e-9), n_radial + 1)
    edges[0] = 0.0
    r_bin = np.clip(np.searchsorted(edges, rho, side="right") - 1, 0, n_radial - 1)
    a_bin = np.clip((phi / np.pi * n_angular).astype(np.int64), 0, n_angular - 1)
    bins = []
    for r in range(n_radial):
        for s in range(n_angular):
            sel = (r_bin == r) & (a_bin == s) & (rho <= window_seconds * np.sqrt(2) + 1e-9)
            if sel.any():
                bins.append((a[sel], (b - a)[sel]))
    return bins


def ssm_descriptors(
    track: PoseTrack, *, window_seconds: float = SSM_WINDOW_SECONDS, n_radial: int = SSM_RADIAL,
    n_angular: int = SSM_ANGULAR, centre: bool = True, min_common: int = SSM_MIN_COMMON,
) -> np.ndarray:
    """``(T, n_bins)`` float32 log-polar SSM descriptors of a dense track (NaN rows: unknown)."""
    window = max(2, int(round(window_seconds * track.fps)))
    band = banded_ssm(track, 2 * window, centre=centre, min_common=min_common)
    n = len(track)
    bins = _log_polar_bins(window, track.fps, window_seconds, n_radial, n_angular)
    desc = np.full((n, len(bins)), np.nan, dtype=np.float64)
    t = np.arange(n)[:, None]
    for k, (a, lag) in enumerate(bins):
        rows = t + a[None, :]
        inside = (rows >= 0) & (rows < n)
        vals = band[np.clip(rows, 0, n - 1), lag[None, :]]
        vals = np.where(inside, vals, np.nan)
        cnt = np.isfinite(vals).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            desc[:, k] = np.where(cnt > 0, np.nansum(vals, axis=1) / cnt, np.nan)
    frame_ok = (track.scores > 0).sum(axis=1) >= min_common
    desc[~frame_ok] = np.nan
    norms = np.linalg.norm(desc, axis=1)
    finite = np.isfinite(norms)
    ref = float(np.median(norms[finite])) if finite.any() else 1.0
    desc /= (norms + SSM_NORM_FLOOR * ref)[:, None]
    return desc.astype(np.float32)


class SSMMethod(FeatureMatchingMethod):
    """Frame matching on log-polar self-similarity descriptors (paper's SSM baseline).

    Args:
        window_seconds: half-width of the SSM patch around each frame.
        n_radial, n_angular: log-polar grid of the descriptor.
        centre: remove the global translation before comparing poses.
        **kwargs: see :class:`FeatureMatchingMethod`.
    """

    name = "ssm"

    def __init__(self, *, window_seconds: float = SSM_WINDOW_SECONDS, n_radial: int = SSM_RADIAL,
                 n_angular: int = SSM_ANGULAR, centre: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        self.window_seconds = window_seconds
        self.n_radial = n_radial
        self.n_angular = n_angular
        self.centre = centre

    def features(self, track: PoseTrack) -> np.ndarray:
        return ssm_descriptors(
            track, window_seconds=self.window_seconds, n_radial=self.n_radial,
            n_angular=self.n_angular, centre=self.centre, min_common=min(self.min_joints, 17))

"""The baseline Pose2Sim ships (``Pose2Sim/synchronization.py``): correlate how fast the body moves.

Per camera, Pose2Sim
1. drops keypoints whose likelihood is below a threshold (0.4 in its demo configuration),
2. fills the gaps of every coordinate by linear interpolation (holding the ends),
3. low-passes the coordinates with a zero-phase Butterworth filter (``filtfilt``, order 4 as the
   configuration calls it, i.e. a 2nd-order design applied forwards and backwards, 6 Hz),
4. takes the frame-to-frame vertical speed of each keypoint and sums its absolute value over the
   keypoints, and low-passes that sum again,
5. computes the Pearson correlation of the two speed signals over their overlap for every lag in
   +- half the shorter sequence and takes the lag of the maximum.

We do the same, with these differences: the correlation for all lags comes from FFT-based sums
(same numbers, O(n log n) instead of O(n * lags)); the lag range is also limited by the bounds
and by a minimum overlap (``min_overlap`` of the shorter sequence, at least ``min_overlap_frames``)
so a short overlap cannot win by luck; the peak is refined to a sub-frame lag with a parabola;
inputs at different frame rates are compared on A's time grid (B's signal is resampled).

Confidence: ``max(r, 0) * clip(2 * (r - r_rival), 0, 1)``, where ``r`` is the peak correlation
and ``r_rival`` the highest *other* local maximum of the correlation curve (-1 if there is none):
the peak's prominence over the best competing lag. A lead of 0.5 in correlation counts as fully
distinctive; a periodic motion (walking) with a rival peak one cycle away, or a noise bump among
others, scores low. The scipy prominence of the peak is reported in the diagnostics too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

from videosync.errors import CannotSynchronizeError
from videosync.poses import PoseTrack
from videosync.sync.bounds import UNBOUNDED, OffsetBounds, beyond_note
from videosync.sync.methods.base import PairEstimate, SyncMethod, check_track, pair_label
from videosync.tunables import (
    XCORR_CUTOFF_HZ,
    XCORR_FULL_LEAD,
    XCORR_LIKELIHOOD,
    XCORR_MIN_OVERLAP,
    XCORR_MIN_OVERLAP_FRAMES,
    XCORR_ORDER,
)


def _lowpass(x: np.ndarray, fps: float, cutoff_hz: float, order: int) -> np.ndarray:
    """Zero-phase Butterworth low-pass along axis 0 (``order`` counts both passes, as Pose2Sim)."""
    wn = cutoff_hz / (fps / 2.0)
    if wn >= 1.0 or len(x) <= 3 * (order + 1):
        return x  # nothing above the cutoff can be represented / too short to filter
    b, a = signal.butter(max(1, order // 2), wn, btype="low")
    return signal.filtfilt(b, a, x, axis=0, padlen=min(3 * max(len(a), len(b)), len(x) - 1))


def speed_signal(track: PoseTrack, *, likelihood_threshold: float = XCORR_LIKELIHOOD,
                 cutoff_hz: float = XCORR_CUTOFF_HZ, order: int = XCORR_ORDER) -> np.ndarray:
    """``(T,)`` low-passed sum over keypoints of the absolute vertical speed (px / frame).

    ``track`` must be dense (one row per source frame). Keypoints never detected are left out.
    """
    y = track.keypoints[..., 1].astype(np.float64)
    ok = track.scores >= likelihood_threshold
    t = np.arange(len(track))
    cols = []
    for k in range(y.shape[1]):
        if ok[:, k].sum() >= 2:
            cols.append(np.interp(t, t[ok[:, k]], y[ok[:, k], k]))
    if not cols:
        return np.zeros(len(track))
    yy = _lowpass(np.stack(cols, axis=1), track.fps, cutoff_hz, order)
    speed = np.abs(np.diff(yy, axis=0, prepend=yy[:1])).sum(axis=1)
    if len(speed) > 1:
        speed[0] = speed[1]
    return _lowpass(speed, track.fps, cutoff_hz, order)


def lagged_pearson(x: np.ndarray, y: np.ndarray, lags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pearson correlation of ``x[i]`` with ``y[i + lag]`` over their overlap, for each lag.

    Returns the correlations (NaN where undefined) and the overlap lengths.
    """
    n, m = len(x), len(y)
    # Full cross-correlation: c[k] = sum_i x[i] * y[i + lag] with lag = k - (n - 1).
    sxy_full = signal.correlate(y, x, mode="full", method="fft")
    cx, cx2 = np.concatenate([[0], np.cumsum(x)]), np.concatenate([[0], np.cumsum(x * x)])
    cy, cy2 = np.concatenate([[0], np.cumsum(y)]), np.concatenate([[0], np.cumsum(y * y)])
    i0 = np.maximum(0, -lags)
    i1 = np.minimum(n, m - lags)
    cnt = np.maximum(i1 - i0, 0)
    k0, k1 = np.clip(i0, 0, n), np.clip(i1, 0, n)
    sx, sx2 = cx[k1] - cx[k0], cx2[k1] - cx2[k0]
    j0, j1 = np.clip(i0 + lags, 0, m), np.clip(i1 + lags, 0, m)
    sy, sy2 = cy[j1] - cy[j0], cy2[j1] - cy2[j0]
    sxy = sxy_full[np.clip(lags + n - 1, 0, len(sxy_full) - 1)]
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = sxy - sx * sy / cnt
        vx = sx2 - sx * sx / cnt
        vy = sy2 - sy * sy / cnt
        r = cov / np.sqrt(vx * vy)
    tiny = 1e-9 * max(float(np.abs(x).max(initial=0)), float(np.abs(y).max(initial=0)), 1.0) ** 2
    r[(cnt < 3) | (vx <= tiny * cnt) | (vy <= tiny * cnt)] = np.nan
    return np.clip(r, -1.0, 1.0), cnt


class SpeedXcorrMethod(SyncMethod):
    """Pose2Sim's synchronization: cross-correlate summed vertical keypoint speeds.

    Args:
        likelihood_threshold: keypoints below this score are treated as missing.
        cutoff_hz, order: Butterworth low-pass (Pose2Sim defaults 6 Hz, 4).
        min_overlap: smallest overlap considered, as a share of the shorter sequence. Pose2Sim
            searches +-half the shorter sequence (an overlap of at least half); we allow 0.3 so
            that large offsets between clips that overlap by less than half are still found.
        min_overlap_frames: smallest overlap in frames, whatever the share.
    """

    name = "speed-xcorr"

    def __init__(self, *, likelihood_threshold: float = XCORR_LIKELIHOOD, cutoff_hz: float = XCORR_CUTOFF_HZ,
                 order: int = XCORR_ORDER, min_overlap: float = XCORR_MIN_OVERLAP,
                 min_overlap_frames: int = XCORR_MIN_OVERLAP_FRAMES) -> None:
        self.likelihood_threshold = likelihood_threshold
        self.cutoff_hz = cutoff_hz
        self.order = order
        self.min_overlap = min_overlap
        self.min_overlap_frames = min_overlap_frames

    def estimate(
        self, track_a: PoseTrack, track_b: PoseTrack, *, bounds: OffsetBounds = UNBOUNDED
    ) -> PairEstimate:
        check_track(track_a, "input A")
        check_track(track_b, "input B")
        da, db = track_a.dense(), track_b.dense()
        rate = track_b.fps / track_a.fps
        sa, sb = self._signals(da, db, rate)
        # lag L (samples of A's grid): A frame a0 + i <-> B frame b0 + (i + L) * rate
        a0, b0 = float(da.frame_index[0]), float(db.frame_index[0])
        label = pair_label(track_a, track_b)
        lags, cut = self._lags(len(sa), len(sb), a0, b0, rate, bounds, label)
        r, cnt = lagged_pearson(sa, sb, lags)
        if not np.isfinite(r).any():
            raise CannotSynchronizeError(
                f"the keypoint speeds do not vary (no motion?) [method {self.name}]", label,
                reason="no_shared_motion")
        peak = correlation_peak(np.where(np.isfinite(r), r, -1.0))
        confidence = max(peak.r, 0.0) * float(np.clip((peak.r - peak.r_rival) / XCORR_FULL_LEAD, 0.0, 1.0))
        lag = float(lags[peak.index]) + peak.delta
        offset_frames = bounds.clip(b0 + lag * rate - rate * a0)  # the sub-frame step may leave them
        # the correlation still rising where the bounds cut it: the peak lies beyond them
        beyond = (peak.index == 0 and cut[0]) or (peak.index == len(lags) - 1 and cut[1])
        return PairEstimate(
            method=self.name, offset_frames=offset_frames, offset_seconds=offset_frames / track_b.fps,
            rate=rate, confidence=0.0 if beyond else confidence, fps_a=track_a.fps, fps_b=track_b.fps,
            fit=None, peaks=np.array([peak.r]),
            diagnostics={
                "lags": lags, "correlation": r, "overlap": cnt, "peak_correlation": peak.r,
                "prominence": peak.prominence, "rival_correlation": peak.r_rival, "speed_a": sa,
                "speed_b": sb, "beyond_bounds": offset_frames if beyond else None,
            },
            notes=[beyond_note(bounds)] if beyond else [],
        )

    def _signals(self, da: PoseTrack, db: PoseTrack, rate: float) -> tuple[np.ndarray, np.ndarray]:
        """Both dense tracks' speed signals, B's resampled on A's time grid (sample k is B's
        frame ``b0 + k * rate``)."""
        sa = speed_signal(da, likelihood_threshold=self.likelihood_threshold,
                          cutoff_hz=self.cutoff_hz, order=self.order)
        sb = speed_signal(db, likelihood_threshold=self.likelihood_threshold,
                          cutoff_hz=self.cutoff_hz, order=self.order)
        if abs(rate - 1.0) > 1e-9:
            grid = np.arange(0.0, (len(sb) - 1) / rate + 1e-9)
            sb = np.interp(grid * rate, np.arange(len(sb)), sb)
        return sa, sb

    def _lags(self, n_a: int, n_b: int, a0: float, b0: float, rate: float, bounds: OffsetBounds, label: str
              ) -> tuple[np.ndarray, tuple[bool, bool]]:
        """The lags that leave the minimum overlap and whose offset ``b0 + L * rate - rate * a0``
        is inside ``bounds``, and whether the bounds removed the lowest / the highest ones."""
        shorter = min(n_a, n_b)
        need = max(self.min_overlap_frames, int(np.ceil(self.min_overlap * shorter)))
        if shorter < need or shorter < 3:
            raise CannotSynchronizeError(
                f"too few frames to correlate ({shorter}, need {need}) [method {self.name}]", label,
                reason="no_overlap")
        lags = np.arange(-(n_a - need), n_b - need + 1)
        cut = (False, False)
        if bounds.bounded:
            inside = np.abs(b0 + lags * rate - rate * a0) <= bounds.max_frames
            cut = (not inside[0], not inside[-1])
            lags = lags[inside]
        if len(lags) == 0:
            raise CannotSynchronizeError(
                f"no lag within +-{bounds.max_frames} frames leaves an overlap of {need} frames "
                f"[method {self.name}]", label, reason="no_overlap")
        return lags, cut


@dataclass(frozen=True)
class Peak:
    """The highest point of a correlation curve: its index, value and sub-frame step (a parabola
    through its neighbours), its scipy prominence, and the highest other local maximum (-1 if
    none)."""

    index: int
    r: float
    delta: float
    prominence: float
    r_rival: float


def correlation_peak(curve: np.ndarray) -> Peak:
    """The :class:`Peak` of ``curve`` (NaN already replaced, e.g. by -1)."""
    k = int(np.argmax(curve))
    delta = 0.0
    if 0 < k < len(curve) - 1:
        y0, y1, y2 = curve[k - 1], curve[k], curve[k + 1]
        den = y0 - 2 * y1 + y2
        if den < 0:
            delta = float(np.clip(0.5 * (y0 - y2) / den, -0.5, 0.5))
    padded = np.concatenate([[-2.0], curve, [-2.0]])
    prominence = float(signal.peak_prominences(padded, [k + 1])[0][0])
    maxima = signal.find_peaks(padded)[0] - 1
    rivals = curve[maxima[maxima != k]]
    return Peak(k, float(curve[k]), delta, prominence, float(rivals.max()) if len(rivals) else -1.0)

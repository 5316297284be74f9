"""The two correlations of the audio method: envelopes over every lag, then the waveform near one.

* :func:`overlap_correlation`: Pearson correlation of two envelopes at every lag where they
  overlap long enough, each lag over its own overlap only (a recording that starts later or
  stops earlier is not penalised), computed with FFTs (SciPy) and running sums.
* :func:`gcc_phat`: the generalised cross-correlation with phase transform (Knapp & Carter 1976)
  of two waveform stretches: the cross-spectrum is whitened so that every frequency votes
  equally for the delay, which makes the peak one sample wide even in a reverberant room, then
  interpolated to a fraction of a sample.

Lags follow :func:`scipy.signal.correlation_lags`: lag ``l`` pairs ``a[n]`` with ``b[n + l]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class LagCurve:
    """Correlation of two envelopes as a function of lag (envelope frames)."""

    lags: np.ndarray  # (L,) int: b index minus a index
    r: np.ndarray  # (L,) Pearson correlation over the overlap at that lag
    n: np.ndarray  # (L,) overlap length (frames)

    @property
    def score(self) -> np.ndarray:
        """``r * sqrt(n)``: how unlikely that correlation is by chance over that much overlap
        (about N(0, 1) for unrelated white envelopes), so a long overlap outweighs a short one
        that happens to correlate as well."""
        return self.r * np.sqrt(self.n)


def overlap_correlation(a: np.ndarray, b: np.ndarray, min_overlap: int) -> LagCurve:
    """Pearson correlation of ``a[n]`` and ``b[n + lag]`` over their overlap, for every lag whose
    overlap has at least ``min_overlap`` values (an empty curve if none has)."""
    from scipy.signal import correlate, correlation_lags

    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    lags = correlation_lags(len(b), len(a))
    # overlap of a[n], b[n + lag]: n in [max(0, -lag), min(len(a), len(b) - lag))
    lo = np.maximum(0, -lags)
    hi = np.minimum(len(a), len(b) - lags)
    n = hi - lo
    keep = n >= max(int(min_overlap), 2)
    lags, lo, hi, n = lags[keep], lo[keep], hi[keep], n[keep]
    if not len(lags):
        return LagCurve(lags, np.zeros(0), n)
    sab = correlate(b, a, method="fft")[keep]
    ca, ca2 = _cumsum(a), _cumsum(a * a)
    cb, cb2 = _cumsum(b), _cumsum(b * b)
    sa, sa2 = ca[hi] - ca[lo], ca2[hi] - ca2[lo]
    sb, sb2 = cb[hi + lags] - cb[lo + lags], cb2[hi + lags] - cb2[lo + lags]
    cov = sab - sa * sb / n
    var = np.maximum(sa2 - sa * sa / n, 0.0) * np.maximum(sb2 - sb * sb / n, 0.0)
    r = np.where(var > 0, cov / np.sqrt(np.where(var > 0, var, 1.0)), 0.0)
    return LagCurve(lags, np.clip(r, -1.0, 1.0), n)


def _cumsum(x: np.ndarray) -> np.ndarray:
    return np.concatenate([[0.0], np.cumsum(x)])


def parabolic_peak(y: np.ndarray, k: int) -> float:
    """Sub-sample position of the peak at index ``k`` of ``y`` (a parabola through k-1, k, k+1)."""
    if k <= 0 or k >= len(y) - 1:
        return float(k)
    y0, y1, y2 = float(y[k - 1]), float(y[k]), float(y[k + 1])
    den = y0 - 2.0 * y1 + y2
    return float(k) if den >= 0 else float(k) + 0.5 * (y0 - y2) / den


@dataclass
class PhatPeak:
    """The GCC-PHAT answer near a guess."""

    lag: float  # samples, b index minus a index, sub-sample
    height: float  # the whitened correlation at the peak (1 for identical signals)
    z: float  # the peak's distance from the rest of the curve, in robust standard deviations


def gcc_phat(a: np.ndarray, b: np.ndarray, rate: int, reach: int,
             band_hz: tuple[float, float]) -> PhatPeak:
    """The delay of ``b`` relative to ``a`` (same length or not) within ``+-reach`` samples of 0.

    Only frequencies in ``band_hz`` vote (outside it a low-rate or filtered recording has no
    sound, and whitening would give its noise full weight).
    """
    from scipy.fft import irfft, next_fast_len, rfft

    nfft = next_fast_len(len(a) + len(b))
    spec = rfft(b, nfft) * np.conj(rfft(a, nfft))
    freqs = np.fft.rfftfreq(nfft, 1.0 / rate)
    band = (freqs >= band_hz[0]) & (freqs <= band_hz[1])
    mag = np.abs(spec)
    spec = np.where(band & (mag > 0), spec / np.where(mag > 0, mag, 1.0), 0.0)
    cc = irfft(spec, nfft) / max(int(band.sum()), 1) * (nfft / 2)
    near = np.concatenate([cc[-reach:], cc[: reach + 1]]) if reach > 0 else cc[:1]
    k = int(np.argmax(near))
    rest = np.concatenate([cc[reach + 1 : nfft - reach]])
    med = float(np.median(rest)) if len(rest) else 0.0
    mad = float(np.median(np.abs(rest - med))) * 1.4826 if len(rest) else 0.0
    z = (float(near[k]) - med) / mad if mad > 0 else np.inf
    return PhatPeak(parabolic_peak(near, k) - reach, float(near[k]), z)

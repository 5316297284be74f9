"""The offset between two sound tracks, its error bar, its confidence, its rivals, or a refusal.

Steps: onset envelopes of both clips (:mod:`.envelope`); their correlation at every lag with
enough overlap (:func:`.correlate.overlap_correlation`), as a score in robust standard deviations
above the chance level of all lags (as BBC's audio-offset-finder reports a "standard score"); the
best lag and the other peaks (*candidates*); then GCC-PHAT on the waveforms around the best for a
sub-millisecond answer.

Confidence is the product of two factors, both read from the pair itself:

* *significance*: how far the best peak stands out of the crowd of the other peaks (the gap to
  the runner-up in standard deviations of the rivals' heights). The highest of many chance peaks
  lies about one spread above the next; a shared sound lies ten or more. Why not a Gaussian tail
  for the score: onset envelopes are sparse and spiky, so over short overlaps chance scores of
  5 to 11 standard deviations are common, and any fixed level would be wrong for some recording.
* *uniqueness*: as for the pose methods (:data:`videosync.tunables.RIVAL_SHARE_FREE`), a rival
  peak at least :data:`videosync.tunables.RIVAL_SECONDS` away scoring more than half of the best costs confidence,
  down to 0 for an equal one. A metronome or a steady beat makes such rivals one period apart.

Refusals (:class:`CannotSynchronizeError` with the reason): a silent track, recordings that
overlap by less than :data:`videosync.tunables.AUDIO_MIN_OVERLAP_SECONDS` for any allowed offset. Weak or ambiguous
evidence is not an error but a low confidence with a note naming the reason, so ``align`` can
refuse with it, and fusion can still use the candidates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from videosync.audio.correlate import LagCurve, gcc_phat, overlap_correlation, parabolic_peak
from videosync.audio.decode import AudioClip
from videosync.audio.envelope import BAND_HZ, HOP, onset_envelope
from videosync.errors import CannotSynchronizeError
from videosync.tunables import (
    AUDIO_FINE_MIN_Z,
    AUDIO_GAP_CHANCE,
    AUDIO_GAP_SURE,
    AUDIO_MIN_OVERLAP_SECONDS,
    AUDIO_NOTE_BELOW,
    AUDIO_PERIODIC_AUTOCORR,
    RIVAL_SECONDS,
    RIVAL_SHARE_FREE,
    SILENCE_PEAK_DBFS,
)

#: Candidates reported besides the best one.
MAX_CANDIDATES = 5
#: Rival peaks whose heights measure the crowd the best must stand out of (see _significance).
RIVAL_POOL = 30
#: Fewer rivals than this give no spread to measure; the chance level's own (1) is used.
MIN_RIVALS_FOR_SPREAD = 5
#: Longest stretch (seconds) of waveform GCC-PHAT reads around the best lag: ample for a
#: sub-millisecond peak, and it keeps an hour-long overlap from costing an hour-long FFT.
FINE_SECONDS = 30.0
#: How far (samples) from the envelope's lag GCC-PHAT looks: two envelope steps (10 ms).
FINE_REACH = 2 * HOP


@dataclass
class AudioOffset:
    """How much later B's clock shows an instant than A's, from their sound.

    ``offset_seconds = d`` means: what A's container clock stamps ``t``, B's stamps ``t + d``.
    """

    offset_seconds: float
    uncertainty_seconds: float
    confidence: float
    #: other offsets (seconds) that the sound supports, with their score relative to the best's
    candidates: list[tuple[float, float]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    evidence: dict = field(default_factory=dict)


def estimate_offset(clip_a: AudioClip, clip_b: AudioClip,
                    bounds: tuple[float, float] | None = None) -> AudioOffset:
    """Offset of ``clip_b``'s clock relative to ``clip_a``'s (see :class:`AudioOffset`).

    Args:
        bounds: only offsets (seconds) in ``[low, high]`` are searched.

    Raises:
        CannotSynchronizeError: a silent track, or too little overlap for any allowed offset.
    """
    for clip in (clip_a, clip_b):
        if clip.silent:
            raise CannotSynchronizeError(
                f"its sound track is silent (loudest sample {clip.peak_dbfs:.0f} dBFS, below "
                f"{SILENCE_PEAK_DBFS:.0f}): nothing to synchronize by ear", clip.source)
    if clip_a.rate != clip_b.rate:
        raise ValueError("both clips must have the same rate")
    rate, step = clip_a.rate, HOP / clip_a.rate
    ea, eb = onset_envelope(clip_a.samples, rate), onset_envelope(clip_b.samples, rate)
    curve = overlap_correlation(ea, eb, int(np.ceil(AUDIO_MIN_OVERLAP_SECONDS / step)))
    base = clip_b.start_seconds - clip_a.start_seconds  # offset = lag * step + base
    allowed = _allowed(curve, step, base, bounds)
    if not allowed.any():
        raise CannotSynchronizeError(
            f"the sound tracks overlap by less than {AUDIO_MIN_OVERLAP_SECONDS:g} s at every offset "
            "searched", f"{clip_a.source} <-> {clip_b.source}")
    z = _robust_z(curve.score)
    best = int(np.flatnonzero(allowed)[np.argmax(z[allowed])])
    coarse = float(curve.lags[best]) + parabolic_peak(np.where(allowed, z, -np.inf), best) - best
    rivals = _rivals(z, allowed, best, int(round(RIVAL_SECONDS / step)))
    sig, gap = _significance(float(z[best]), [h for _, h in rivals])
    ratio = rivals[0][1] / float(z[best]) if rivals and z[best] > 0 else 0.0
    uniq = float(np.clip((1.0 - ratio) / (1.0 - RIVAL_SHARE_FREE), 0.0, 1.0))
    fine = _refine(clip_a, clip_b, coarse * HOP)
    result = AudioOffset(
        offset_seconds=(fine.lag / rate if fine is not None else coarse * step) + base,
        uncertainty_seconds=(1.0 / rate) if fine is not None else step / 2,
        confidence=sig * uniq,
        candidates=[(float(curve.lags[k]) * step + base, h / float(z[best]))
                    for k, h in rivals[:MAX_CANDIDATES]],
        evidence={"z": float(z[best]), "gap": gap, "significance": sig, "uniqueness": uniq,
                  "r": float(curve.r[best]), "overlap_seconds": float(curve.n[best] * step),
                  "fine_z": None if fine is None else float(fine.z), "coarse_seconds": coarse * step + base},
    )
    result.notes = _notes(result, ea, eb, step)
    return result


def _allowed(curve: LagCurve, step: float, shift: float, bounds: tuple[float, float] | None) -> np.ndarray:
    """Lags whose offset ``lag * step + shift`` is inside ``bounds`` (all lags without)."""
    if bounds is None:
        return np.ones(len(curve.lags), bool)
    offsets = curve.lags * step + shift
    return (offsets >= bounds[0] - step) & (offsets <= bounds[1] + step)


def _robust_z(score: np.ndarray) -> np.ndarray:
    """``score`` in robust standard deviations from its median (the chance level over lags)."""
    med = float(np.median(score))
    mad = float(np.median(np.abs(score - med))) * 1.4826
    if not mad > 0:
        mad = float(np.std(score)) or 1.0
    return (score - med) / mad


def _rivals(z: np.ndarray, allowed: np.ndarray, best: int, separation: int) -> list[tuple[int, float]]:
    """Up to :data:`RIVAL_POOL` other local peaks of ``z``, each at least ``separation`` lags
    from the best and from each other, highest first: ``(index, z)``."""
    order = np.argsort(-np.where(allowed, z, -np.inf))
    taken = [best]
    out: list[tuple[int, float]] = []
    for k in order:
        if not allowed[k] or len(out) >= RIVAL_POOL:
            break
        k = int(k)
        if all(abs(k - t) >= separation for t in taken) and _is_peak(z, k):
            taken.append(k)
            out.append((k, float(z[k])))
    return out


def _is_peak(z: np.ndarray, k: int) -> bool:
    return (k == 0 or z[k] >= z[k - 1]) and (k == len(z) - 1 or z[k] >= z[k + 1])


def _significance(top: float, rivals: list[float]) -> tuple[float, float]:
    """How far the best peak stands out of the crowd of the others: the gap to the runner-up in
    standard deviations of the rivals' heights, mapped linearly from :data:`AUDIO_GAP_CHANCE` (0) to
    :data:`AUDIO_GAP_SURE` (1). Returns ``(significance, gap)``."""
    if not rivals:
        return 1.0, np.inf  # a single allowed peak: nothing rivals it (the bounds decided)
    spread = float(np.std(rivals)) if len(rivals) >= MIN_RIVALS_FOR_SPREAD else 1.0
    gap = (top - rivals[0]) / max(spread, 1e-9)
    return float(np.clip((gap - AUDIO_GAP_CHANCE) / (AUDIO_GAP_SURE - AUDIO_GAP_CHANCE), 0.0, 1.0)), float(gap)


def _refine(clip_a: AudioClip, clip_b: AudioClip, lag_samples: float):
    """GCC-PHAT of the waveforms around ``lag_samples`` (b index minus a index); None when its
    peak is too weak to trust (then the envelope's lag stands)."""
    peak = _phat_near(clip_a, clip_b, lag_samples, FINE_REACH)
    return peak if peak is not None and peak.z >= AUDIO_FINE_MIN_Z else None


def _phat_near(clip_a: AudioClip, clip_b: AudioClip, lag_samples: float, reach: int):
    """GCC-PHAT of the waveforms within ``reach`` samples of ``lag_samples`` (b index minus a
    index), its lag in samples of the clips; None when they overlap too little there."""
    a, b, rate = clip_a.samples, clip_b.samples, clip_a.rate
    shift = int(round(lag_samples))
    lo, hi = max(0, -shift), min(len(a), len(b) - shift)
    if hi - lo < int(AUDIO_MIN_OVERLAP_SECONDS * rate):
        return None
    lo, hi = _loudest_stretch(a, b, shift, lo, hi, int(FINE_SECONDS * rate))
    peak = gcc_phat(a[lo:hi], b[lo + shift : hi + shift], rate, reach, BAND_HZ)
    peak.lag += shift
    return peak


def waveform_support(clip_a: AudioClip, clip_b: AudioClip, offsets_seconds: list[float],
                     reach_seconds: float) -> list[float]:
    """How strongly the two waveforms agree near each offset (``offset_seconds`` as in
    :class:`AudioOffset`): the GCC-PHAT peak within ``reach_seconds`` of it, in robust standard
    deviations of the rest of the correlation. 0 where the clips overlap too little there, and
    where the strongest agreement within twice ``reach_seconds`` lies farther than
    ``reach_seconds``: that is the shoulder of a peak at another offset (a reverberant room's
    echoes of the true one reach 10-19 deviations 0.13 s from it), not agreement here.

    Why the waveform and not the envelope's score: a shared sound's fine structure lines up at
    one lag only, so this peak stands far above chance (tens of deviations) even where the
    onset envelopes, over a short or far-apart recording, leave the best lag in a crowd of
    near-equals (docs/design/audio.md, "Which repetition").
    """
    base = clip_b.start_seconds - clip_a.start_seconds
    reach = max(1, int(round(reach_seconds * clip_a.rate)))
    out = []
    for d in offsets_seconds:
        lag = (d - base) * clip_a.rate
        peak = _phat_near(clip_a, clip_b, lag, 2 * reach)
        inside = peak is not None and np.isfinite(peak.z) and abs(peak.lag - round(lag)) <= reach
        out.append(float(peak.z) if inside else 0.0)
    return out


def _loudest_stretch(a: np.ndarray, b: np.ndarray, shift: int, lo: int, hi: int, length: int) -> tuple[int, int]:
    """The ``length``-sample part of ``a[lo:hi]`` (and ``b`` shifted) where both are loudest."""
    if hi - lo <= length:
        return lo, hi
    starts = np.arange(lo, hi - length + 1, max(length // 10, 1))
    energy = [float(np.mean(a[s : s + length] ** 2) * np.mean(b[s + shift : s + shift + length] ** 2))
              for s in starts]
    s = int(starts[int(np.argmax(energy))])
    return s, s + length


def _notes(result: AudioOffset, ea: np.ndarray, eb: np.ndarray, step: float) -> list[str]:
    """The reason, when the sound does not settle the offset (empty when it does)."""
    if result.confidence >= AUDIO_NOTE_BELOW:
        return []
    ev = result.evidence
    period = _period(ea, step) or _period(eb, step)
    rival = f"{result.candidates[0][0]:+.3f} s" if result.candidates else "another offset"
    if period is not None and result.candidates and _periods_apart(
            result.candidates[0][0] - result.offset_seconds, period):
        return [f"ambiguous periodic sound: the sound repeats every {period:.2f} s (a metronome, a "
                f"steady beat?), so offsets a period apart fit alike ({result.offset_seconds:+.3f} s "
                f"and {rival} among them)"]
    if ev["significance"] < 1.0:
        return [f"no shared sound: no offset makes the two sound tracks stand out as alike (best "
                f"{result.offset_seconds:+.3f} s, only {ev['gap']:.1f} spreads above the next best, "
                f"{rival}); they may not hear the same events"]
    return [f"ambiguous sound: {rival} fits almost as well as {result.offset_seconds:+.3f} s"]


def _periods_apart(distance: float, period: float) -> bool:
    """Whether ``distance`` is a whole number (not 0) of ``period`` s, within 15 % of one."""
    n = round(distance / period)
    return n != 0 and abs(distance / period - n) < 0.15


def _period(e: np.ndarray, step: float) -> float | None:
    """The period (seconds) of a strongly periodic envelope (the first autocorrelation peak above
    :data:`AUDIO_PERIODIC_AUTOCORR` between 0.1 s and a third of the clip), else None."""
    from scipy.signal import correlate

    n = len(e)
    lo, hi = int(0.1 / step), n // 3
    if hi <= lo + 2:
        return None
    x = e - e.mean()
    ac = correlate(x, x, method="fft")[n - 1 :]
    if ac[0] <= 0:
        return None
    ac = ac / ac[0] * n / np.maximum(n - np.arange(n), 1)  # per overlapping pair
    peaks = [k for k in range(lo, hi) if ac[k] > AUDIO_PERIODIC_AUTOCORR and _is_peak(ac, k)]
    return peaks[0] * step if peaks else None  # the first: the beat, not a bar of beats

"""Onset envelopes: how much new sound starts at each instant (spectral flux), at 200 per second.

Why onsets and not the waveform for the first search: two cameras hear the same events through
different microphones, gains, codecs and rooms. Their waveforms differ in level, colour and
phase, but both hear a clap, a word or a footstep *begin* at the same moment. Spectral flux (the
rise of the log spectrum from one short frame to the next, summed over the band every recorder
keeps) marks those beginnings and ignores a steady hum or fan. The waveform comes back for the
last sub-millisecond step (:func:`videosync.audio.correlate.gcc_phat`), once the envelope has
named the right neighbourhood.
"""

from __future__ import annotations

import numpy as np

#: STFT frame (samples at the analysis rate): 32 ms at 16 kHz, long enough to resolve speech
#: harmonics, short enough that two syllables are two onsets.
FRAME = 512
#: Step between envelope values (samples): 5 ms at 16 kHz, a third of a frame at 60 fps.
HOP = 80
#: The band every recorder keeps (Hz): above mains hum and rumble, below the 4 kHz that
#: telephone-rate (8 kHz) recordings stop at.
BAND_HZ = (150.0, 4000.0)
#: Bands the spectrum is summed into before the flux (see :func:`_band_matrix`).
N_BANDS = 24
#: Spectral floor relative to the clip's RMS: quieter bins count as this level, so that the flux
#: of near-silence (dither, codec noise) does not look like onsets.
FLOOR = 1e-3
#: Slow changes of the flux (a crowd swelling, a fade) are removed over this window (seconds):
#: what is left is where sounds begin, which is what aligns.
DETREND_SECONDS = 0.5
#: Samples transformed at once (bounds memory on hour-long recordings: ~65 s at 16 kHz).
CHUNK = 1 << 20


def onset_envelope(samples: np.ndarray, rate: int) -> np.ndarray:
    """``(n_frames,)`` float32 onset strength; value ``k`` describes samples from ``k * HOP``.

    The envelope is zero-mean and unit-variance (all zeros for a constant signal).
    """
    samples = np.asarray(samples, dtype=np.float32)
    n_frames = 0 if len(samples) < FRAME else 1 + (len(samples) - FRAME) // HOP
    if n_frames < 2:
        return np.zeros(max(n_frames, 0), np.float32)
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    if rms <= 0:
        return np.zeros(n_frames, np.float32)
    logspec = np.concatenate(list(_log_spectra(samples / rms, rate, n_frames)), axis=0)
    flux = np.maximum(np.diff(logspec, axis=0), 0.0).mean(axis=1)
    flux = np.concatenate([[0.0], flux]).astype(np.float64)
    return _standardize(_detrend(flux, rate))


def _log_spectra(samples: np.ndarray, rate: int, n_frames: int):
    """Log band energies of the frames starting at ``k * HOP``, chunk by chunk."""
    from scipy.signal import stft

    bands = _band_matrix(rate)
    per_chunk = max(1, CHUNK // HOP)
    for first in range(0, n_frames, per_chunk):
        last = min(n_frames, first + per_chunk)
        seg = samples[first * HOP : (last - 1) * HOP + FRAME]
        # no boundary padding: segment k starts at the chunk's sample k * HOP
        _, _, spec = stft(seg, fs=rate, window="hann", nperseg=FRAME, noverlap=FRAME - HOP,
                          boundary=None, padded=False, detrend=False)
        power = (np.abs(spec[:, : last - first]) ** 2).T @ bands
        yield (0.5 * np.log(power + FLOOR ** 2)).astype(np.float32)


def _band_matrix(rate: int) -> np.ndarray:
    """``(bins, N_BANDS)``: which STFT bins make each band (log-spaced across BAND_HZ, each band
    averaging its bins' power). Why bands: one bin's power of noise or reverberation jumps at
    random from frame to frame, a band's average far less, while a sound's onset lifts them all."""
    freqs = np.fft.rfftfreq(FRAME, 1.0 / rate)
    edges = np.geomspace(BAND_HZ[0], min(BAND_HZ[1], rate / 2), N_BANDS + 1)
    m = np.zeros((len(freqs), N_BANDS), np.float32)
    for k in range(N_BANDS):
        inside = (freqs >= edges[k]) & (freqs < edges[k + 1])
        if not inside.any():  # a band narrower than a bin: the nearest bin
            inside = np.abs(freqs - np.sqrt(edges[k] * edges[k + 1])) == np.min(np.abs(freqs - np.sqrt(edges[k] * edges[k + 1])))
        m[inside, k] = 1.0 / inside.sum()
    return m


def _detrend(flux: np.ndarray, rate: int) -> np.ndarray:
    from scipy.ndimage import uniform_filter1d

    width = max(3, int(round(DETREND_SECONDS * rate / HOP)) | 1)
    return flux - uniform_filter1d(flux, size=width, mode="nearest")


def _standardize(x: np.ndarray) -> np.ndarray:
    sd = float(np.std(x))
    if not sd > 0:
        return np.zeros(len(x), np.float32)
    return ((x - float(np.mean(x))) / sd).astype(np.float32)

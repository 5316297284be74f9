"""Placing decoded audio blocks on the copy's sample grid (no files involved)."""

from __future__ import annotations

import numpy as np

from videosync.video.audio import AudioWindow


def block(start: int, n: int) -> np.ndarray:
    """A mono block whose sample values are their own absolute sample numbers."""
    return np.arange(start, start + n, dtype=np.float32)[None, :]


def run(window: AudioWindow, blocks: list[tuple[float, np.ndarray]]) -> np.ndarray:
    out = [c for t, b in blocks for c in window.add(t, b)]
    return np.concatenate(out, axis=1) if out else np.zeros((1, 0), np.float32)


def test_cut_starts_and_ends_at_the_exact_sample():
    # 1 kHz, window [0.5 s, 0.6 s) = absolute samples 500..599
    w = AudioWindow(rate=1000, channels=1, t0=0.5, n_samples=100)
    got = run(w, [(0.4, block(400, 150)), (0.55, block(550, 150))])
    np.testing.assert_array_equal(got[0], np.arange(500, 600))
    assert w.done


def test_timestamp_jitter_is_read_as_contiguous():
    # the second block claims to start 1 ms (= 1 sample, within tolerance) late: no gap, no drop
    w = AudioWindow(rate=1000, channels=1, t0=0.0, n_samples=200, tolerance=2)
    got = run(w, [(0.0, block(0, 100)), (0.101, block(100, 100))])
    np.testing.assert_array_equal(got[0], np.arange(200))


def test_real_gap_becomes_silence_so_later_audio_stays_in_place():
    # audio begins 20 samples after the window (a camera starting its audio late), then 30 lost
    w = AudioWindow(rate=1000, channels=1, t0=1.0, n_samples=200, tolerance=2)
    got = run(w, [(1.02, block(1020, 50)), (1.1, block(1100, 200))])
    assert got.shape == (1, 200)
    np.testing.assert_array_equal(got[0, :20], 0)
    np.testing.assert_array_equal(got[0, 20:70], np.arange(1020, 1070))
    np.testing.assert_array_equal(got[0, 70:100], 0)
    np.testing.assert_array_equal(got[0, 100:], np.arange(1100, 1200))


def test_overlapping_samples_are_dropped_not_repeated():
    w = AudioWindow(rate=1000, channels=1, t0=0.0, n_samples=150, tolerance=2)
    got = run(w, [(0.0, block(0, 100)), (0.05, block(50, 100))])
    np.testing.assert_array_equal(got[0], np.arange(150))


def test_track_ending_early_is_not_padded():
    w = AudioWindow(rate=1000, channels=2, t0=0.0, n_samples=500)
    got = run(w, [(0.0, np.vstack([block(0, 120)] * 2))])
    assert got.shape == (2, 120) and not w.done

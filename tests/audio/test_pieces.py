"""The audio method's parts on inputs whose answers are worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from videosync.audio.correlate import gcc_phat, overlap_correlation, parabolic_peak
from videosync.audio.decode import read_audio, resample
from videosync.audio.envelope import HOP, onset_envelope
from videosync.errors import VideoError

from tests.audio.media import SPEECH, load, write_audio, write_video


def test_overlap_correlation_is_pearson_over_each_lags_own_overlap():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=40), rng.normal(size=30)
    curve = overlap_correlation(a, b, min_overlap=5)
    for lag in (-20, -3, 0, 7, 20):
        n = np.arange(max(0, -lag), min(len(a), len(b) - lag))
        expected = np.corrcoef(a[n], b[n + lag])[0, 1]
        k = int(np.flatnonzero(curve.lags == lag)[0])
        assert curve.n[k] == len(n)
        assert curve.r[k] == pytest.approx(expected, abs=1e-9)
    # lags leaving fewer than 5 values overlapping are not listed: -39..-35 and 25..29
    assert curve.lags.min() == -35 and curve.lags.max() == 25


def test_a_shifted_copy_correlates_fully_at_its_shift():
    rng = np.random.default_rng(1)
    a = rng.normal(size=200)
    b = np.concatenate([rng.normal(size=13), a[:150]])  # b[n + 13] = a[n]
    curve = overlap_correlation(a, b, min_overlap=50)
    best = curve.lags[np.argmax(curve.score)]
    assert best == 13 and curve.r[np.argmax(curve.score)] == pytest.approx(1.0)


def test_parabolic_peak_of_a_parabola_is_its_vertex():
    x = np.arange(7.0)
    y = -(x - 3.3) ** 2
    assert parabolic_peak(y, 3) == pytest.approx(3.3)
    assert parabolic_peak(y, 0) == 0.0  # at an end: the sample itself


def test_gcc_phat_finds_a_delay_to_a_fraction_of_a_sample():
    # b is a delayed by 37.25 samples (a band-limited delay, applied in the frequency domain)
    rate, delay = 16_000, 37.25
    a = np.random.default_rng(2).normal(size=rate)
    f = np.fft.rfftfreq(2 * rate, 1 / rate)
    spec = np.fft.rfft(a, 2 * rate) * np.exp(-2j * np.pi * f * delay / rate)
    b = np.fft.irfft(spec, 2 * rate)[:rate]
    peak = gcc_phat(a, b, rate, reach=60, band_hz=(150, 4000))
    assert abs(peak.lag - delay) < 0.1
    assert peak.height > 0.5 and peak.z > 100


def test_resampling_moves_nothing_in_time():
    x = np.zeros(4410, np.float32)
    x[2205] = 1.0  # a click at 50 ms, 44.1 kHz
    y = resample(x, 44_100, 16_000)
    assert abs(np.argmax(y) - 800) <= 1  # 50 ms at 16 kHz


def test_onsets_are_where_sounds_begin():
    rate = 16_000
    x = np.random.default_rng(3).normal(size=3 * rate).astype(np.float32) * 1e-3
    for t in (0.5, 1.25, 2.0):  # tone bursts
        k = int(t * rate)
        x[k : k + 2000] += np.sin(np.arange(2000) * 2 * np.pi * 700 / rate)
    env = onset_envelope(x, rate)
    top = np.sort(np.argsort(env)[-3:]) * HOP / rate
    # a frame starts HOP apart; the burst enters the frame 32 ms (one frame) before its start
    assert np.allclose(top, [0.5, 1.25, 2.0], atol=0.04)


def test_a_video_s_sound_and_frame_zero_share_its_clock(tmp_path):
    rate = 48_000
    speech = load(SPEECH, rate)[: 2 * rate]
    v = write_video(tmp_path / "v.mp4", 60, 30, speech, rate)
    clip = read_audio(v)
    assert clip.video_start_seconds is not None
    # the AAC priming is skipped and timed: sound sample 0 is at the first frame's instant
    assert abs(clip.start_seconds - clip.video_start_seconds) < 1e-3
    assert clip.rate == 16_000 and abs(clip.duration_seconds - 2.0) < 0.03


def test_a_sound_file_starts_at_its_first_sample(tmp_path):
    rate = 44_100
    f = write_audio(tmp_path / "a.mp3", load(SPEECH, rate)[:rate], rate, "libmp3lame")
    clip = read_audio(f)
    assert clip.start_seconds == 0.0 and clip.video_start_seconds is None


def test_not_a_media_file_is_a_video_error(tmp_path):
    bad = tmp_path / "notes.mp4"
    bad.write_text("hello")
    with pytest.raises(VideoError, match="notes.mp4"):
        read_audio(bad)
    with pytest.raises(VideoError, match="no such file"):
        read_audio(tmp_path / "missing.wav")


def test_waveform_support_is_high_at_the_offset_and_chance_a_repetition_away():
    from videosync.audio.decode import AudioClip
    from videosync.audio.offset import waveform_support
    from videosync.tunables import FUSION_SOUND_SUPPORT_Z

    from tests.audio.media import room

    rate = 16_000
    speech = load(SPEECH, rate)
    # b hears from 0.5 s into the recording what a hears from 0: an event at a's t is at b's
    # t - 0.5, so the offset (B's clock minus A's for one instant) is -0.5 s
    a = AudioClip(speech[: 8 * rate], rate, 0.0, None, "a")
    b = AudioClip(room(speech[rate // 2 : rate // 2 + 8 * rate], rate, rt60=0.3, snr_db=15, seed=3), rate,
                  0.0, None, "b")
    at, near, before, after, no_overlap = waveform_support(a, b, [-0.5, -0.45, -0.9, -0.1, -7.5], 0.1)
    assert at >= 2 * FUSION_SOUND_SUPPORT_Z and near == pytest.approx(at, rel=0.1)  # -0.5 is 50 ms from -0.45
    assert before < FUSION_SOUND_SUPPORT_Z and after < FUSION_SOUND_SUPPORT_Z  # 0.4 s away: chance
    assert no_overlap == 0.0  # 0.5 s of overlap, under the 1 s needed

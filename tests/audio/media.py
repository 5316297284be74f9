"""Real recordings (tests/data/audio, see its README for sources and licences) cut at known
sample offsets and written with real codecs, so every pair's true offset is exact."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

DATA = Path(__file__).resolve().parents[1] / "data" / "audio"
SPEECH = DATA / "speech-demo-congrats.flac"
MONKEYS = DATA / "monkeys.flac"
MUSIC = DATA / "music-vibe-ace-excerpt.ogg"


def load(path: Path, rate: int) -> np.ndarray:
    """The recording as float32 mono at ``rate`` (SciPy's zero-phase resampling)."""
    from videosync.audio.decode import read_audio

    return read_audio(path, rate).samples


def room(x: np.ndarray, rate: int, *, rt60: float = 0.0, snr_db: float | None = None,
         gain: float = 1.0, seed: int = 0) -> np.ndarray:
    """``x`` as another microphone hears it: a reverberant room (an exponentially decaying
    noise tail with reverberation time ``rt60`` s after the direct sound), background noise at
    ``snr_db`` and another gain."""
    from scipy.signal import fftconvolve

    rng = np.random.default_rng(seed)
    y = np.asarray(x, np.float64)
    if rt60 > 0:
        n = int(rt60 * rate)
        tail = rng.normal(size=n) * np.exp(-6.9 * np.arange(n) / n) * 0.05
        tail[0] = 1.0  # the direct sound
        y = fftconvolve(y, tail)[: len(y)]
    if snr_db is not None:
        y = y + rng.normal(size=len(y)) * np.std(y) * 10 ** (-snr_db / 20)
    y = y * gain
    return (y / max(1.0, np.max(np.abs(y)) * 1.01)).astype(np.float32)


def write_audio(path: Path, x: np.ndarray, rate: int, codec: str) -> Path:
    """Write mono ``x`` at ``rate`` with ``codec`` (``aac`` in .m4a/.mp4, ``libmp3lame`` .mp3,
    ``libopus`` .ogg, ``flac``, ``pcm_s16le`` .wav)."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=rate, layout="mono")
        _encode(out, stream, x, rate)
    return path


def write_video(path: Path, n_frames: int, fps: int, x: np.ndarray | None, rate: int = 48_000,
                codec: str = "aac") -> Path:
    """A tiny grey video of ``n_frames`` at ``fps`` with mono ``x`` as its sound (None: none);
    sound sample 0 and frame 0 are at the same instant."""
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        vs.width, vs.height, vs.pix_fmt = 64, 48, "yuv420p"
        aus = out.add_stream(codec, rate=rate, layout="mono") if x is not None else None
        out.mux([p for j in range(n_frames) for p in vs.encode(_grey(j))] + list(vs.encode(None)))
        if aus is not None:
            _encode(out, aus, x, rate)
    return path


def _grey(j: int):
    frame = av.VideoFrame.from_ndarray(np.full((48, 64), (j * 7) % 256, np.uint8), format="gray")
    frame.pts = j
    return frame


def _encode(out, stream, x: np.ndarray, rate: int) -> None:
    fmt = stream.codec_context.codec.audio_formats[0].name
    size = stream.codec_context.frame_size or 1024
    for first in range(0, len(x), size):
        block = np.asarray(x[first : first + size], np.float32)[None, :]
        if fmt.startswith("s16"):
            block = (np.clip(block, -1, 1) * 32767).astype(np.int16)
        elif fmt.startswith("s32"):
            block = (np.clip(block, -1, 1) * 2147483000).astype(np.int32)
        frame = av.AudioFrame.from_ndarray(block, format=fmt, layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = rate, first, Fraction(1, rate)
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode(None):
        out.mux(packet)

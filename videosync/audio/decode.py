"""Reading the sound of a media file: its first audio track, mixed to mono, at one analysis rate.

PyAV decodes (any container and codec FFmpeg reads); the decoded blocks are placed on the sample
grid by their timestamps (:class:`videosync.video.audio.AudioWindow`, the same placement trim
uses: a gap becomes silence, jitter is read as contiguous) and resampled with SciPy's polyphase
filter, which is zero-phase, so resampling moves no sound in time.

Every clip remembers where its first sample and the video's first frame lie on the container's
clock: an offset between two sound tracks only becomes an offset between frame numbers through
them (:func:`videosync.audio.offset.frames_offset`).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import gcd
from pathlib import Path

import numpy as np

from videosync.errors import CannotSynchronizeError, VideoError
from videosync.tunables import SILENCE_PEAK_DBFS

#: Common analysis rate (Hz). Why 16 kHz: speech, claps and steps are well inside its 8 kHz band,
#: a sample is 0.06 ms (far finer than the 1 ms asked of an offset), and an hour of mono sound is
#: 230 MB of float32 rather than 690 MB at 48 kHz.
ANALYSIS_RATE = 16_000


class NoAudioError(CannotSynchronizeError):
    """The input has no sound to read: no audio track, or it is not a media file at all."""


@dataclass
class AudioClip:
    """One input's sound, mono, at ``rate``.

    Attributes:
        samples: ``(n,)`` float32 in [-1, 1] (full scale).
        rate: samples per second.
        start_seconds: where ``samples[0]`` lies on the container's clock.
        video_start_seconds: where the first video frame lies on the same clock (None for a file
            without video): frame ``i`` is at ``video_start_seconds + i / fps``.
        source: the file, for messages.
    """

    samples: np.ndarray
    rate: int
    start_seconds: float
    video_start_seconds: float | None
    source: str

    @property
    def duration_seconds(self) -> float:
        return len(self.samples) / self.rate

    @property
    def peak_dbfs(self) -> float:
        peak = float(np.max(np.abs(self.samples))) if len(self.samples) else 0.0
        return 20.0 * np.log10(peak) if peak > 0 else -np.inf

    @property
    def silent(self) -> bool:
        return self.peak_dbfs < SILENCE_PEAK_DBFS


def resample(samples: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """``samples`` (float32, 1-D) at ``rate_out``; zero-phase (no shift in time)."""
    from scipy.signal import resample_poly

    if rate_in == rate_out:
        return np.asarray(samples, dtype=np.float32)
    g = gcd(int(rate_in), int(rate_out))
    return resample_poly(samples, rate_out // g, rate_in // g).astype(np.float32)


def read_audio(path: str | Path, rate: int = ANALYSIS_RATE) -> AudioClip:
    """The first audio track of ``path`` (a video or a sound file) as an :class:`AudioClip`.

    Raises:
        NoAudioError: the file has no audio track (or no decodable audio frame).
        VideoError: the file is missing or not a media file.
    """
    import av

    path = Path(path)
    if not path.exists():
        raise VideoError("no such file", path)
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise NoAudioError("no audio stream (the recording has no sound track)", path)
            video_start = _video_start(container)
            native, blocks = _decode(container, container.streams.audio[0])
    except av.error.FFmpegError as exc:
        raise VideoError(f"cannot read its audio ({exc})", path) from None
    if not blocks:
        raise NoAudioError("the audio stream has no decodable sound", path)
    start = blocks[0][0]
    samples = _place(blocks, native, start)
    # a sound file's own clock starts at its first sample: an MP3's gapless header stamps that
    # sample after the encoder's skipped priming (e.g. 0.023 s), a time no video refers to
    clock = start if video_start is not None else 0.0
    return AudioClip(resample(samples, native, rate), int(rate), clock, video_start, str(path))


def _video_start(container) -> float | None:
    """Container time of the first video frame: the stream's start time, as the frame reader
    numbers frames from it (None without a video stream)."""
    if not container.streams.video:
        return None
    stream = container.streams.video[0]
    if stream.start_time is None or stream.time_base is None:
        return 0.0
    return float(stream.start_time * stream.time_base)


def _decode(container, stream) -> tuple[int, list[tuple[float, np.ndarray]]]:
    """Decoded blocks ``(start seconds, (1, n) float32 mono)`` in decode order, and their rate."""
    import av

    native = int(stream.codec_context.sample_rate or stream.rate)
    mono = av.AudioResampler(format="fltp", layout="mono", rate=native)
    blocks: list[tuple[float, np.ndarray]] = []
    for frame in container.decode(stream):
        if frame.pts is None or frame.time_base is None:
            continue
        start = float(Fraction(frame.pts) * frame.time_base)
        for out in mono.resample(frame):
            blocks.append((start, out.to_ndarray().astype(np.float32, copy=False)))
            start += out.samples / native
    return native, blocks


def _place(blocks: list[tuple[float, np.ndarray]], rate: int, start: float) -> np.ndarray:
    """The blocks on one sample grid starting at ``start`` (gaps silent; see AudioWindow)."""
    from videosync.video.audio import AudioWindow

    total = sum(b.shape[1] for _, b in blocks)
    span = int(round((blocks[-1][0] - start) * rate)) + blocks[-1][1].shape[1]
    window = AudioWindow(rate, 1, start, max(total, span))
    parts = [chunk for t, b in blocks for chunk in window.add(t, b)]
    return np.concatenate(parts, axis=1)[0] if parts else np.zeros(0, np.float32)

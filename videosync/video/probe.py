"""What a video file is: size, frame rate, frame count. Cheap (header and packet timestamps only),
used everywhere.

The frame rate is the *nominal* one, the rate at which frame numbers are counted: a file whose
recorder dropped frames but kept every other frame's timestamp (a variable-frame-rate file, as
phones and webcams write) has an average rate below the nominal one (90 frames in 1.5 s of a
60 fps recording average 60 x 0.9 = 54 fps). Counting frames at 54 fps would put frame 89 where
frame 80 was and compress the whole timeline; counting at 60 fps from the timestamps gives every
frame its true number and leaves the dropped ones as gaps. The nominal period is the mean step
between consecutive timestamps that are one frame apart (at most 1.5 x the median step: dropped
frames only make a minority of steps longer), refined by a line through (frame slot, timestamp)
so that timestamp jitter averages out; the container's exact rational rates are preferred when
they agree with it to 1 %.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from videosync.errors import VideoError
from videosync.tunables import RATE_PACKETS

VIDEO_SUFFIXES = (".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv")


@dataclass(frozen=True)
class VideoInfo:
    path: str
    width: int
    height: int
    fps: float
    n_frames: int

    @property
    def duration_seconds(self) -> float:
        return self.n_frames / self.fps if self.fps > 0 else 0.0


def is_video_path(path: str | Path) -> bool:
    return Path(path).suffix.lower() in VIDEO_SUFFIXES




def _close(a: Fraction, b: float, tol: float = 0.01) -> bool:
    return b > 0 and abs(float(a) / b - 1.0) <= tol


def nominal_rate(stream: Any, timestamps: list[int] | None = None) -> Fraction | None:
    """The rate frames are numbered at (frames per second), from a PyAV video stream.

    ``timestamps``: presentation timestamps (in ``stream.time_base``) of some packets in any order;
    the mean of their steps that are one frame long is the nominal period (module docstring). Without them (or with fewer than 3) the container's
    average rate is used, as before. With them, the first of r_frame_rate (FFmpeg's "guessed"
    rate), the average rate and the base rate that agrees with the median step to 1 % is returned
    (they are exact fractions such as 30000/1001); if none does, the median step itself.
    """
    declared = [Fraction(r) for r in (stream.guessed_rate, stream.average_rate, stream.base_rate) if r and r > 0]
    fallback = next((Fraction(r) for r in (stream.average_rate, stream.guessed_rate, stream.base_rate) if r and r > 0), None)
    tb = stream.time_base
    if not timestamps or tb is None:
        return fallback
    ts = sorted(set(int(t) for t in timestamps))
    steps = [b - a for a, b in zip(ts, ts[1:]) if b > a]
    if len(steps) < 2:
        return fallback
    steps.sort()
    median = steps[len(steps) // 2]
    # steps up to 1.5 x the median are one frame apart (jitter included); longer ones span dropped
    # frames. Their mean is the period with the jitter averaged out (a phone's 1/600 s clock
    # stamps 30 fps frames 17-23 ticks apart).
    single = [d for d in steps if d <= 1.5 * median]
    period = sum(single) / len(single)
    # then the slope of a least-squares line through (frame slot, timestamp): the jitter at the
    # two ends of the run no longer biases it
    for _ in range(2):
        slots = [0]
        for a, b in zip(ts, ts[1:]):
            slots.append(slots[-1] + max(1, round((b - a) / period)))
        n = len(ts)
        mk, mt = sum(slots) / n, sum(ts) / n
        sxx = sum((k - mk) ** 2 for k in slots)
        if sxx <= 0:
            break
        period = sum((k - mk) * (t - mt) for k, t in zip(slots, ts)) / sxx
    period *= float(tb)
    if not period > 0:
        return fallback
    measured = 1.0 / period
    for rate in declared:
        if _close(rate, measured):
            return rate
    return Fraction(measured).limit_denominator(1001)


def packet_timestamps(container: Any, stream: Any, limit: int = RATE_PACKETS) -> list[int]:
    """Presentation timestamps of the first ``limit`` packets of ``stream`` (demuxed, not decoded)."""
    out: list[int] = []
    for packet in container.demux(stream):
        if packet.pts is not None:
            out.append(int(packet.pts))
        if len(out) >= limit:
            break
    return out


def stream_timing(path: str | Path) -> tuple[Fraction, int] | None:
    """``(nominal rate, frame count in nominal frames)`` read with PyAV, None if it cannot tell.

    The count spans the first to the last frame's slot (a variable-frame-rate file with dropped
    frames counts the dropped ones too, as frame numbers do).
    """
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                return None
            stream = container.streams.video[0]
            rate = nominal_rate(stream, packet_timestamps(container, stream))
            if rate is None:
                return None
            count = int(stream.frames or 0)
            if stream.duration and stream.time_base:
                count = max(count, int(round(float(stream.duration * stream.time_base * rate))))
            return rate, count
    except (av.error.FFmpegError, OSError, ValueError):
        return None


def probe_video(path: str | Path) -> VideoInfo:
    """Read a video's header; VideoError naming the file if it is missing or not a video."""
    import cv2  # imported lazily: pose-file users never pay for it

    path = Path(path)
    if not path.exists():
        raise VideoError("no such file", path)
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise VideoError("not a readable video", path)
        width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        fps = float(cap.get(cv2.CAP_PROP_FPS))
        n_frames = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    finally:
        cap.release()
    if width <= 0 or height <= 0:
        raise VideoError("not a readable video (no image size)", path)
    timing = stream_timing(path)
    if timing is not None:
        fps, n_frames = float(timing[0]), max(n_frames, timing[1])
    if not fps > 0:
        raise VideoError("the video has no frame rate", path)
    return VideoInfo(str(path), width, height, fps, max(n_frames, 0))

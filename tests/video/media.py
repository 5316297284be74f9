"""Tiny synthetic videos whose every frame says which frame it is, for checking cuts by decoding.

Each frame shows a number as 14 black/white blocks (7 columns x 2 rows of 16x32 px), big enough
to survive H.264 at any sane quality. The audio track (optional) is silent except for 1 ms clicks
at chosen instants, so where a click lands in a copy tells how its audio was cut.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

W, H = 112, 64
COLS, ROWS = 7, 2
BW, BH = W // COLS, H // ROWS
AUDIO_RATE = 48_000


def pattern(number: int) -> np.ndarray:
    """Gray image (H, W) encoding ``number`` (0..16383), bit i in block i (row-major)."""
    img = np.zeros((H, W), np.uint8)
    for i in range(COLS * ROWS):
        if number >> i & 1:
            r, c = divmod(i, COLS)
            img[r * BH : (r + 1) * BH, c * BW : (c + 1) * BW] = 255
    return img


def read_pattern(gray: np.ndarray) -> int:
    """Inverse of :func:`pattern` on a decoded (possibly lossy) frame; the centre of each block."""
    assert gray.shape == (H, W), f"frame is {gray.shape}, expected {(H, W)} (rotation?)"
    number = 0
    for i in range(COLS * ROWS):
        r, c = divmod(i, COLS)
        block = gray[r * BH + 6 : (r + 1) * BH - 6, c * BW + 4 : (c + 1) * BW - 4]
        if block.mean() > 128:
            number |= 1 << i
    return number


def make_video(
    path: Path,
    numbers: list[int],
    fps: float | Fraction = 30,
    *,
    clicks_s: list[float] | None = None,
    audio_seconds: float | None = None,
    rotation: int = 0,
    audio_codec: str = "aac",
    channels: int = 1,
) -> Path:
    """Write a video whose frame j shows ``numbers[j]``; with ``clicks_s`` also a mono AAC track
    with a click at each of those times (seconds from the first frame). With ``rotation`` the
    pixels are stored turned the other way and tagged, as a phone does, so that the frames display
    (and must be copied) upright."""
    rate = Fraction(fps).limit_denominator(1001)
    container = av.open(str(path), "w")
    vs = container.add_stream("libx264", rate=rate, options={"crf": "12", "preset": "ultrafast"})
    stored_w, stored_h = (H, W) if rotation in (90, 270) else (W, H)
    vs.width, vs.height, vs.pix_fmt = stored_w, stored_h, "yuv420p"
    if rotation:
        vs.set_display_rotation(rotation)
    aus = None
    if clicks_s is not None:
        layout = {1: "mono", 2: "stereo"}[channels]
        aus = container.add_stream(audio_codec, rate=AUDIO_RATE, layout=layout)
        sample_format = aus.codec_context.codec.audio_formats[0].name  # fltp for AAC, s16 for PCM
    for j, number in enumerate(numbers):
        img = np.rot90(pattern(number), k=-rotation // 90)  # display turns it back by +rotation
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="gray")
        frame.pts = j
        for packet in vs.encode(frame):
            container.mux(packet)
    for packet in vs.encode(None):
        container.mux(packet)
    if aus is not None:
        seconds = audio_seconds if audio_seconds is not None else len(numbers) / float(rate)
        samples = np.zeros(int(seconds * AUDIO_RATE), np.float32)
        for t in clicks_s:
            s = round(t * AUDIO_RATE)
            samples[s : s + 48] = 0.9
        for start in range(0, len(samples), 1024):
            chunk = np.repeat(samples[None, start : start + 1024], channels, axis=0)
            if sample_format == "s16":  # packed: (1, samples * channels), interleaved
                chunk = (chunk.T.reshape(1, -1) * 32767).astype(np.int16)
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk), format=sample_format, layout=layout)
            frame.sample_rate = AUDIO_RATE
            frame.pts = start
            frame.time_base = Fraction(1, AUDIO_RATE)
            for packet in aus.encode(frame):
                container.mux(packet)
        for packet in aus.encode(None):
            container.mux(packet)
    container.close()
    return path


def decode_numbers(path: Path) -> tuple[list[int], float, int]:
    """(number shown by each frame, fps, display rotation tag of the file) of a written video."""
    with av.open(str(path)) as c:
        vs = c.streams.video[0]
        fps = float(vs.average_rate)
        numbers, rotation = [], 0
        for frame in c.decode(vs):
            rotation = rotation or int(frame.rotation or 0)
            numbers.append(read_pattern(frame.to_ndarray(format="gray")))
    return numbers, fps, rotation


def click_times(path: Path) -> list[float]:
    """Onset times (s) of the clicks in a file's first audio track."""
    with av.open(str(path)) as c:
        if not c.streams.audio:
            return []
        a = c.streams.audio[0]
        chunks, first_time = [], None
        for frame in c.decode(a):
            if first_time is None:
                first_time = float(frame.pts * frame.time_base)
            x = frame.to_ndarray()
            if x.dtype == np.int16:
                x = x / 32768.0
            # first channel (all carry the same clicks); packed formats interleave the channels
            channels = frame.layout.nb_channels
            chunks.append(x[0] if frame.format.is_planar else x.reshape(-1)[::channels])
        rate = a.codec_context.sample_rate
    x = np.abs(np.concatenate(chunks))
    loud = np.flatnonzero(x > 0.45)
    onsets = loud[np.concatenate([[True], np.diff(loud) > rate // 100])]
    return [first_time + s / rate for s in onsets]


def has_audio(path: Path) -> bool:
    with av.open(str(path)) as c:
        return bool(c.streams.audio)

"""Decode a video's frames in a background thread, starting at any frame.

Why a thread: pose estimation and decoding each take a few milliseconds per 1080p frame; decoding
the next frames while the model works on the current one hides most of the decode time. PyAV
releases the GIL while FFmpeg decodes, so the thread really runs in parallel. The queue is bounded
so a fast decoder cannot fill memory with frames (a 1080x1920 BGR frame is 6 MB).

Why PyAV rather than ``cv2.VideoCapture``: every decoded frame carries its presentation time, so
the frame number we report is the video's own even when a damaged frame in the middle is dropped
(OpenCV would just return fewer frames and shift every later number), decode errors surface as
exceptions we can skip past, and seeking goes to the nearest keyframe and decodes forward, which
is exact.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from videosync.errors import VideoError
from videosync.tunables import MAX_CONSECUTIVE_ERRORS

log = logging.getLogger(__name__)

_END = object()



#: Pixel layouts a reader can hand out (``Frame.channels``): BGR like OpenCV, or RGB as MediaPipe
#: takes it (converting from the decoder's YUV straight to RGB saves a second conversion).
CHANNELS = {"bgr": "bgr24", "rgb": "rgb24"}


@dataclass(frozen=True)
class Frame:
    """One decoded frame: its source frame number and the image (H, W, 3) uint8, BGR like OpenCV
    unless ``channels`` says "rgb"."""

    index: int
    image: np.ndarray
    channels: str = "bgr"


class VideoReader:
    """Iterate over frames ``[start_frame, stop_frame)`` of a video, decoded ahead in a thread.

    With ``step`` k, only frames ``start_frame + n * k`` are handed out: the others must still be
    decoded (later frames are predicted from them) but are never converted to an image, which
    is most of what an unused frame would cost after decoding. ``channels`` ("bgr" or "rgb")
    is the layout of the images handed out.

    Frames that FFmpeg reports as undecodable or corrupt are skipped (their numbers are simply
    absent from the iteration) and counted in :attr:`n_corrupt`. A file that is not a video, or
    that yields no frame at all in the requested range, raises :class:`VideoError` naming it.

    Use as an iterator inside a ``with`` block (or call :meth:`close`), so that stopping early
    also stops the decoding thread.
    """

    def __init__(
        self,
        path: str | Path,
        start_frame: int = 0,
        stop_frame: int | None = None,
        queue_size: int = 8,
        step: int = 1,
        channels: str = "bgr",
    ) -> None:
        import av

        self.path = Path(path)
        if not self.path.exists():
            raise VideoError("no such file", self.path)
        if start_frame < 0:
            raise ValueError("start_frame must be >= 0")
        if step < 1:
            raise ValueError("step must be >= 1")
        if channels not in CHANNELS:
            raise ValueError(f"channels must be one of {sorted(CHANNELS)}, got {channels!r}")
        self.step, self.channels = int(step), channels
        self.start_frame = int(start_frame)
        self.stop_frame = None if stop_frame is None else int(stop_frame)
        try:
            self._container = av.open(str(self.path))
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            raise VideoError(f"not a readable video ({exc.__class__.__name__})", self.path) from None
        if not self._container.streams.video:
            self._container.close()
            raise VideoError("the file has no video stream", self.path)
        self._stream = self._container.streams.video[0]
        self._stream.thread_type = "AUTO"
        from videosync.video.probe import stream_timing

        # frames are numbered at the nominal rate, from the timestamps (see probe.py), so frames a
        # variable-frame-rate recorder dropped stay gaps instead of shifting every later number
        timing = stream_timing(self.path)
        rate = timing[0] if timing else (
            self._stream.average_rate or self._stream.guessed_rate or self._stream.base_rate)
        if not rate or float(rate) <= 0:
            self._container.close()
            raise VideoError("the video has no frame rate", self.path)
        self.fps = float(rate)
        self._rate = Fraction(rate)
        self._tb = self._stream.time_base
        self._t0 = self._stream.start_time  # pts of frame 0 (None: taken from the first frame)
        self.width = int(self._stream.codec_context.width)
        self.height = int(self._stream.codec_context.height)
        self.n_corrupt = 0
        self.n_read = 0
        self._queue: queue.Queue = queue.Queue(maxsize=max(1, queue_size))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ decoding thread
    def _frame_number(self, pts: int | None, previous: int) -> int:
        if pts is None or self._tb is None:
            return previous + 1
        if self._t0 is None:
            self._t0 = pts
        return int(round(float((pts - self._t0) * self._tb * self._rate)))

    def _seek(self) -> None:
        """Jump to the keyframe at or before ``start_frame``; frames before it are decoded and dropped."""
        if self.start_frame <= 0 or self._tb is None:
            return
        t0 = self._t0 or 0
        target = int(t0 + Fraction(self.start_frame) / self._rate / self._tb)
        try:
            self._container.seek(target, stream=self._stream, backward=True, any_frame=False)
        except Exception as exc:  # noqa: BLE001 - a failed seek just means decoding from 0
            log.debug("seek failed on %s (%s); decoding from the start", self.path, exc)
            self._container.seek(0)

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        import av

        previous = -1
        errors = 0
        try:
            self._seek()
            packets = self._container.demux(self._stream)
            finished = False
            while not finished and not self._stop.is_set():
                try:
                    packet = next(packets)
                except StopIteration:
                    break
                except av.error.FFmpegError as exc:
                    errors += 1
                    self.n_corrupt += 1
                    log.warning("%s: unreadable packet skipped (%s)", self.path, exc)
                    if errors > MAX_CONSECUTIVE_ERRORS:
                        raise
                    continue
                try:
                    frames = packet.decode()
                except av.error.FFmpegError as exc:
                    errors += 1
                    self.n_corrupt += 1
                    log.warning("%s: undecodable frame skipped (%s)", self.path, exc)
                    if errors > MAX_CONSECUTIVE_ERRORS:
                        raise
                    continue
                errors = 0
                for frame in frames:
                    index = self._frame_number(frame.pts, previous)
                    if index <= previous:  # duplicate timestamp: keep the numbering strictly increasing
                        index = previous + 1
                    previous = index
                    if index < self.start_frame or (index - self.start_frame) % self.step:
                        continue
                    if self.stop_frame is not None and index >= self.stop_frame:
                        finished = True
                        break
                    if frame.is_corrupt:
                        self.n_corrupt += 1
                        log.warning("%s: corrupt frame %d skipped", self.path, index)
                        continue
                    image = _upright(frame.to_ndarray(format=CHANNELS[self.channels]), frame.rotation)
                    if not self._put(Frame(index, image, self.channels)):
                        return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer thread
            self._put(exc)
        finally:
            self._put(_END)

    # ------------------------------------------------------------------ consumer side
    def __iter__(self) -> Iterator[Frame]:
        if self._thread is not None:
            raise RuntimeError("a VideoReader can be iterated only once")
        self._thread = threading.Thread(target=self._run, name=f"decode:{self.path.name}", daemon=True)
        self._thread.start()
        try:
            while True:
                item = self._queue.get()
                if item is _END:
                    break
                if isinstance(item, BaseException):
                    import av

                    if isinstance(item, av.error.FFmpegError):
                        raise VideoError(f"cannot decode the video ({item})", self.path) from None
                    raise item
                self.n_read += 1
                yield item
        finally:
            self.close()
        if self.n_read == 0:
            where = f" from frame {self.start_frame} on" if self.start_frame else ""
            extra = f" ({self.n_corrupt} corrupt)" if self.n_corrupt else ""
            raise VideoError(f"no decodable frame{where}{extra}", self.path)

    def close(self) -> None:
        """Stop the decoding thread (if any) and release the file."""
        self._stop.set()
        if self._thread is not None and self._thread.is_alive():
            while True:  # unblock a producer waiting on a full queue
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break
            self._thread.join(timeout=5)
        if self._thread is None or not self._thread.is_alive():
            self._container.close()

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _upright(image: np.ndarray, rotation: int | float | None) -> np.ndarray:
    """Apply the stream's display rotation (phone videos) so keypoints match what players show.

    FFmpeg's display matrix gives the counter-clockwise angle needed to show the frame upright.
    """
    quarter = int(round((rotation or 0) / 90.0)) % 4
    return np.ascontiguousarray(np.rot90(image, k=quarter)) if quarter else image


def read_frames(
    path: str | Path, start_frame: int = 0, stop_frame: int | None = None, queue_size: int = 8, step: int = 1
) -> Iterator[Frame]:
    """Shortcut: iterate over decoded frames and close the reader at the end."""
    with VideoReader(path, start_frame, stop_frame, queue_size, step=step) as reader:
        yield from reader

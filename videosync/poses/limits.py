"""The values a pose input may hold, checked where it is read, before anything uses them.

A pose file or an OpenPose folder is data from outside: a frame rate of 1e300, frame numbers near
2**63 or a length that needs more memory than the machine has must be one clear line naming the
input, not a crash, an allocation of terabytes or a confident offset of -999999 frames. The
limits are in :mod:`videosync.tunables` (input limits) with their reasons.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from videosync.errors import PoseFileError
from videosync.tunables import (
    MAX_FPS,
    MAX_FRAME_NUMBER,
    MAX_IMAGE_SIDE,
    MEMORY_SHARE,
    MIN_FPS,
    PEAK_BYTES_PER_FRAME,
)

if TYPE_CHECKING:
    from videosync.poses.track import PoseTrack


def check_fps(fps: object, where: str | Path) -> float:
    """``fps`` as a float in [MIN_FPS, MAX_FPS], else a PoseFileError naming ``where``."""
    try:
        value = float(fps)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise PoseFileError(f"frame rate {fps!r} is not a number", where) from None
    if not (math.isfinite(value) and MIN_FPS <= value <= MAX_FPS):
        raise PoseFileError(f"frame rate {value:g} is outside {MIN_FPS:g}-{MAX_FPS:g} fps", where)
    return value


def check_image_size(width: object, height: object, where: str | Path) -> tuple[float, float]:
    """``(width, height)`` as floats in (0, MAX_IMAGE_SIDE], else a PoseFileError."""
    try:
        w, h = float(width), float(height)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise PoseFileError(f"image size {width!r}x{height!r} is not a number", where) from None
    if not all(math.isfinite(v) and 0 < v <= MAX_IMAGE_SIDE for v in (w, h)):
        raise PoseFileError(f"image size {w:g}x{h:g} is outside 1-{MAX_IMAGE_SIDE:g} px", where)
    return w, h


def check_frame_numbers(frame_index: np.ndarray, n_frames: int, where: str | Path) -> np.ndarray:
    """The frame numbers as int64: one per frame, whole, in [0, MAX_FRAME_NUMBER], increasing."""
    fi = np.asarray(frame_index)
    if fi.ndim != 1 or len(fi) != n_frames:
        raise PoseFileError(f"{fi.size} frame numbers for {n_frames} frames", where)
    if fi.dtype.kind == "f":
        if not np.isfinite(fi).all() or np.any(fi != np.round(fi)):
            raise PoseFileError("frame numbers are not whole numbers", where)
    elif fi.dtype.kind not in "iu":
        raise PoseFileError(f"frame numbers are of type {fi.dtype}, not integers", where)
    if len(fi) and (fi.min() < 0 or fi.max() > MAX_FRAME_NUMBER):
        raise PoseFileError(f"frame numbers must lie in 0-{MAX_FRAME_NUMBER}, found {fi.min()}-{fi.max()}", where)
    fi = fi.astype(np.int64)
    if np.any(np.diff(fi) <= 0):
        raise PoseFileError("frame numbers are not strictly increasing", where)
    return fi


def memory_budget() -> int:
    """Bytes one input may claim: :data:`MEMORY_SHARE` of the machine's physical memory."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not POSIX
        total = 8 << 30
    return int(total * MEMORY_SHARE)


def check_fits_in_memory(track: PoseTrack) -> PoseTrack:
    """``track``, unless its frames (or the span of its frame numbers, which some stages lay out
    densely) would need more memory to synchronize than the machine has to give."""
    n_frames = len(track)
    span = int(track.frame_index[-1] - track.frame_index[0]) + 1 if n_frames else 0
    frames, where = max(n_frames, span), track.source or "pose track"
    need, budget = frames * PEAK_BYTES_PER_FRAME, memory_budget()
    if need > budget:
        what = f"{n_frames:,} frames" if n_frames >= span else f"frame numbers spanning {span:,} frames"
        raise PoseFileError(
            f"{what} would need about {need / 2**30:.1f} GiB to synchronize, more than the "
            f"{budget / 2**30:.1f} GiB this machine can give; analyse a part with --start/--duration", where)
    return track

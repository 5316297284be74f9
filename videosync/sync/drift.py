"""Is the offset the same over the whole recording? The test shared by the methods.

One offset for a whole recording is only right if the two clocks tick alike. A camera that drops
frames without leaving gaps in its timestamps (or a constant-rate file made from a variable-rate
recording) slides B against A; a fit through all frames then returns an average offset that is
wrong at both ends, with a confidence that says nothing about it. So the overlap is cut into
consecutive parts of A (at least 3 s each), each part finds its offset on its own, and a pair
two of whose confident parts disagree by more than clock drift and measurement noise allow gets
confidence 0 and a note.

The feature matching (:class:`~videosync.sync.methods.base.FeatureMatchingMethod`) runs the test
with its own matches on up to ``MAX_SEGMENTS`` parts, the geometric refinement
(:class:`~videosync.sync.methods.refined.RefinedMethod`) again with two-view geometry on two
halves; either one finding a slide is enough.
"""

from __future__ import annotations

import numpy as np

from videosync.tunables import (
    DRIFT_FRAMES,
    DRIFT_PER_FRAME,
    MIN_HALF_FRAMES,
    MIN_HALF_SECONDS,
    SEGMENT_BAND_FRAMES,
    SEGMENT_BAND_SECONDS,
    SEGMENT_BAND_SHARE,
)


def segment_band(n_frames: int, rate: float, fps_b: float) -> float:
    """Half-width (frames of B) of the search of each part of an overlap of ``n_frames`` frames of A."""
    return float(np.clip(SEGMENT_BAND_SHARE * rate * n_frames, SEGMENT_BAND_FRAMES,
                         max(SEGMENT_BAND_FRAMES, SEGMENT_BAND_SECONDS * fps_b)))


def overlap_segments(frame_index_a: np.ndarray, rate: float, offset: float, b_first: float,
                     b_last: float, fps_a: float, usable: np.ndarray | None = None,
                     max_segments: int = 2) -> list[np.ndarray] | None:
    """Masks over A's rows of up to ``max_segments`` consecutive parts, equally many frames each,
    of the frames that B also saw (at the line ``j = rate * i + offset``); None when fewer than
    two parts of the minimum length fit.

    ``usable`` optionally restricts the frames (e.g. rows with a person).
    """
    fi = np.asarray(frame_index_a, dtype=np.float64)
    j = rate * fi + offset
    covered = (j >= b_first) & (j <= b_last)
    if usable is not None:
        covered &= usable
    rows = np.flatnonzero(covered)
    shortest = max(MIN_HALF_FRAMES, MIN_HALF_SECONDS * fps_a)
    n = min(max_segments, int(len(rows) // shortest))
    if n < 2:
        return None
    masks = []
    for part in np.array_split(rows, n):
        mask = np.zeros(len(fi), bool)
        mask[part] = True
        masks.append(mask)
    return masks


def overlap_halves(frame_index_a: np.ndarray, rate: float, offset: float, b_first: float, b_last: float,
                   fps_a: float, usable: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """The first and second half (equally many frames) of the frames B also saw, see
    :func:`overlap_segments`; None when a half would be shorter than the minimum."""
    masks = overlap_segments(frame_index_a, rate, offset, b_first, b_last, fps_a, usable, 2)
    return None if masks is None else (masks[0], masks[1])


def slides(k1: float, k2: float, centre1: float, centre2: float) -> bool:
    """Whether two halves' offsets (frames of B), found around centres ``centre1`` and
    ``centre2`` (frames of A), differ by more than the geometry's noise and clock drift explain."""
    return widest_slide([k1, k2], [centre1, centre2]) is not None


def widest_slide(offsets: list[float], centres: list[float], margin: float = DRIFT_FRAMES
                 ) -> tuple[int, int] | None:
    """The two parts (indices, earlier first) whose offsets disagree most beyond what noise
    (``margin`` frames of B) and clock drift explain; None when every pair of parts agrees."""
    worst, pair = 0.0, None
    for p in range(len(offsets)):
        for q in range(p + 1, len(offsets)):
            excess = abs(offsets[q] - offsets[p]) - margin - DRIFT_PER_FRAME * abs(centres[q] - centres[p])
            if excess > worst:
                worst, pair = excess, (p, q)
    return pair


def slide_note(k1: float, k2: float, seconds1: float, seconds2: float) -> str:
    """What the user is told about a pair whose offset slides (offsets in frames of B, found
    around ``seconds1`` and ``seconds2`` of the first input)."""
    return (f"the offset is not constant over the recording: {k1:+.1f} frames around "
            f"{seconds1:.0f} s into the first input, {k2:+.1f} around {seconds2:.0f} s (frames "
            "dropped without timestamps, a variable frame rate stored as constant, or clocks "
            "running at different rates)")

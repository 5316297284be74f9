"""Is the offset the same over the whole recording? The halves test shared by the methods.

One offset for a whole recording is only right if the two clocks tick alike. A camera that drops
frames without leaving gaps in its timestamps (or a constant-rate file made from a variable-rate
recording) slides B against A; a fit through all frames then returns an average offset that is
wrong at both ends, with a confidence that says nothing about it. So the overlap is cut into two
halves of A, each half finds its offset on its own, and a pair whose halves disagree by more than
clock drift and measurement noise allow gets confidence 0 and a note.

The feature matching (:class:`~videosync.sync.methods.base.FeatureMatchingMethod`) runs the test
with its own matches, the geometric refinement (:class:`~videosync.sync.methods.refined.RefinedMethod`)
again with two-view geometry; either one finding a slide is enough.
"""

from __future__ import annotations

import numpy as np

#: Largest difference (frames of B) between the offsets that the two halves of the overlap find
#: on their own, before the pair is said to have no single offset ...
DRIFT_FRAMES = 2.0
#: ... plus this share of the distance between the halves' centres (frames of A): clocks of
#: free-running cameras differ by up to ~100 ppm, 2 frames over 10 minutes at 30 fps.
DRIFT_PER_FRAME = 2e-4
#: Shortest half (seconds, and frames) for the test: a shorter stretch holds too little motion to
#: pin its own offset (halves of 0.7 s of the Pose2Sim demo, correctly synchronized, disagreed by
#: up to 9 frames in their geometry).
MIN_HALF_SECONDS = 3.0
MIN_HALF_FRAMES = 30
#: The feature matching's halves search this far (frames of B) around the whole pair's line: this
#: share of the half's length (a tenth of its frames lost), at least HALF_BAND_FRAMES and at most
#: HALF_BAND_SECONDS, so the test stays cheap on long recordings (two 20,000-frame tracks, ssm,
#: ``--max-offset 300``: ``estimate`` 3.0-3.4 s with the test, 2.6-2.7 s without).
HALF_BAND_FRAMES = 8.0
HALF_BAND_SHARE = 0.1
HALF_BAND_SECONDS = 2.0


def half_band(n_frames: int, rate: float, fps_b: float) -> float:
    """Half-width (frames of B) of the search of a half of ``n_frames`` frames of A."""
    return float(np.clip(HALF_BAND_SHARE * rate * n_frames, HALF_BAND_FRAMES,
                         max(HALF_BAND_FRAMES, HALF_BAND_SECONDS * fps_b)))
#: A half whose own fit is less confident than this (the default threshold of ``align``) is no
#: evidence either way, and the test is not made.
MIN_HALF_CONFIDENCE = 0.2


def overlap_halves(frame_index_a: np.ndarray, rate: float, offset: float, b_first: float, b_last: float,
                   fps_a: float, usable: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """Masks over A's rows of the first and second half of the frames that B also saw (at the
    line ``j = rate * i + offset``); None when a half would be shorter than the minimum.

    ``usable`` optionally restricts the frames (e.g. rows with a person).
    """
    fi = np.asarray(frame_index_a, dtype=np.float64)
    j = rate * fi + offset
    covered = (j >= b_first) & (j <= b_last)
    if usable is not None:
        covered &= usable
    rows = np.flatnonzero(covered)
    shortest = max(MIN_HALF_FRAMES, MIN_HALF_SECONDS * fps_a)
    if len(rows) < 2:
        return None
    mid = 0.5 * (fi[rows[0]] + fi[rows[-1]])
    first, second = covered & (fi < mid), covered & (fi >= mid)
    if min(first.sum(), second.sum()) < shortest:
        return None
    return first, second


def slides(k1: float, k2: float, centre1: float, centre2: float) -> bool:
    """Whether two halves' offsets (frames of B), found around centres ``centre1`` and
    ``centre2`` (frames of A), differ by more than noise and clock drift explain."""
    return abs(k2 - k1) > DRIFT_FRAMES + DRIFT_PER_FRAME * abs(centre2 - centre1)


def slide_note(k1: float, k2: float) -> str:
    """What the user is told about a pair whose offset slides."""
    return (f"the offset is not constant over the recording: {k1:+.1f} frames in its first "
            f"half, {k2:+.1f} in its second (frames dropped without timestamps, a variable "
            "frame rate stored as constant, or clocks running at different rates)")

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

from videosync.sync.fit import DEFAULT_MIN_CONFIDENCE

#: Largest difference (frames of B) between the offsets that the two halves of the overlap find
#: on their own, before the pair is said to have no single offset ...
DRIFT_FRAMES = 2.0
#: The same for the feature matching's parts, whose offsets are less precise than the geometry's:
#: on 48 clean synthetic 16 s pairs, one of ssm's parts was 2.65 frames off (sesyn's within 2);
#: with 2 frames that pair was refused, with 3 none was (and of 48 pairs whose B lost 2 % of its
#: frames, sesyn answered 5 trusted but wrong instead of 2).
MATCHING_DRIFT_FRAMES = 3.0
#: ... plus this share of the distance between the halves' centres (frames of A): clocks of
#: free-running cameras differ by up to ~100 ppm, 2 frames over 10 minutes at 30 fps.
DRIFT_PER_FRAME = 2e-4
#: Shortest half (seconds, and frames) for the test: a shorter stretch holds too little motion to
#: pin its own offset (halves of 0.7 s of the Pose2Sim demo, correctly synchronized, disagreed by
#: up to 9 frames in their geometry).
MIN_HALF_SECONDS = 3.0
MIN_HALF_FRAMES = 30
#: The feature matching cuts the overlap into up to this many parts (each at least
#: MIN_HALF_SECONDS): with halves only, frames lost in the middle of one half leave that half
#: with no offset it is sure of, and the test is not made.
MAX_SEGMENTS = 4
#: Each part is searched this far (frames of B) around the whole pair's line: this share of the
#: overlap's length (a tenth of its frames lost), at least SEGMENT_BAND_FRAMES and at most
#: SEGMENT_BAND_SECONDS, so the test stays cheap on long recordings.
SEGMENT_BAND_SHARE = 0.1
SEGMENT_BAND_FRAMES = 8.0
SEGMENT_BAND_SECONDS = 2.0
#: A part whose own fit is less confident than ``align``'s default threshold is no evidence
#: either way; the test needs two parts at least this confident.
MIN_HALF_CONFIDENCE = DEFAULT_MIN_CONFIDENCE


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

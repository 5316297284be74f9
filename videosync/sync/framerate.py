"""Inputs whose frame rate was assumed: find the rate from the motion, or say it is unknown.

An OpenPose folder with no video beside it carries no frame rate; it is read at
``ASSUMED_FPS``. Every answer between two inputs depends on the ratio of their rates (how many
frames of B pass per frame of A), so a wrong assumption gives a wrong offset with a confident
look: a 60 fps folder read as 30 fps against a 60 fps video was answered +4.6 to +22.8 frames
for a true 0. So, before any pair is estimated, each input with an assumed rate is tried at the
usual camera rates against an input whose rate is known (or, when none is, against the
reference at its assumed rate: only the ratio matters for offsets in frames). The rate whose
frames match best is kept when it is clearly the best, or when every rate that matches almost
as well gives the same answer; otherwise the input is marked unresolved and its pairs are
refused with "frame rate of X unknown: pass --fps".

Why try rates at all when the fit may free the rate: the embedding of a frame depends on the
motion around it, so at a rate far from the truth the matches themselves are poor and a fitted
rate has nothing sound to fit. Near the truth (within the fit's factor-2 freedom) every
hypothesis gives the same answer in frames, so the rate kept is the one the fit measured
(:func:`implied_rate`), not the hypothesis tried, and only when it is a usual camera rate.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence

import numpy as np

from videosync.errors import CannotSynchronizeError
from videosync.poses import PoseTrack
from videosync.sync.bounds import OffsetBounds
from videosync.tunables import COMMON_FPS, RATE_SEARCH_FINALISTS, RATE_SEARCH_MARGIN, RATE_SNAP


def assumed(track: PoseTrack) -> bool:
    """Whether the track's frame rate is a guess (no video, no --fps)."""
    return track.meta.get("fps_source") == "assumed"


def at_rate(track: PoseTrack, fps: float, source: str) -> PoseTrack:
    """The same frames at another frame rate, saying where the rate came from."""
    return dataclasses.replace(track, fps=float(fps), meta={**track.meta, "fps_source": source,
                                                            "fps_assumed": track.fps})


def resolve_assumed_rates(tracks: Sequence[PoseTrack], method, bounds: OffsetBounds,
                          say: Callable[[str], None] = lambda _m: None) -> list[PoseTrack]:
    """``tracks`` with every assumed frame rate replaced by the one the motion supports
    (``meta["fps_source"] = "motion"``), or marked ``meta["fps_unresolved"]`` when the motion
    cannot decide; tracks with known rates are returned unchanged."""
    known = [i for i, t in enumerate(tracks) if not assumed(t)]
    anchor = known[0] if known else 0
    out = list(tracks)
    for i, track in enumerate(tracks):
        if i == anchor or not assumed(track):
            continue
        say(f"frame rate of {track.name} unknown: trying the usual camera rates")
        out[i] = _resolve_one(tracks[anchor], track, method, bounds)
    return out


def _resolve_one(anchor: PoseTrack, track: PoseTrack, method, bounds: OffsetBounds) -> PoseTrack:
    hypotheses = [f for f in COMMON_FPS if anchor.fps / 4 <= f <= anchor.fps * 4]
    quick = getattr(method, "inner", method)  # the matching alone ranks the rates
    scores = []
    for fps in hypotheses:
        trial = at_rate(track, fps, "motion")
        try:
            est = quick.estimate(anchor, trial, bounds=bounds)
        except CannotSynchronizeError:
            continue
        scores.append((float(est.confidence), fps))
    scores.sort(reverse=True)
    finalists = [fps for score, fps in scores[:RATE_SEARCH_FINALISTS] if score > 0]
    full = []
    for fps in finalists:
        trial = at_rate(track, fps, "motion")
        try:
            full.append((method.estimate(anchor, trial, bounds=bounds), fps))
        except CannotSynchronizeError:
            continue
    chosen = _decide(full, anchor)
    fps = None if chosen is None else implied_rate(chosen, anchor.fps)
    if fps is None:
        return dataclasses.replace(track, meta={**track.meta, "fps_unresolved": True})
    return at_rate(track, fps, "motion")


def implied_rate(estimate, anchor_fps: float) -> float | None:
    """B's frame rate as the motion shows it: the fitted frames of B per frame of the anchor times
    the anchor's rate, when that is within ``RATE_SNAP`` of a usual camera rate (then that rate);
    None otherwise. (The fit may free the rate, so hypotheses near the truth all give the same
    answer in frames: the rate tried is not the one the motion supports. A rate between the
    usual ones, e.g. 38.5 fps, means the fit could not pin the rate down, not an odd camera.)"""
    fps = float(estimate.rate) * anchor_fps
    usual = min(COMMON_FPS, key=lambda f: abs(f - fps))
    return usual if abs(usual - fps) <= RATE_SNAP * usual else None


def _decide(full: list, anchor: PoseTrack):
    """The most confident estimate, when no other rate is almost as confident with
    a different answer (more than a frame apart anywhere in the anchor's frames)."""
    if not full:
        return None
    full.sort(key=lambda item: -item[0].confidence)
    best, _fps = full[0]
    if not best.confidence > 0:
        return None
    for other, _fps in full[1:]:
        if other.confidence >= RATE_SEARCH_MARGIN * best.confidence and _differ(best, other, anchor):
            return None
    return best


def _differ(e1, e2, anchor: PoseTrack) -> bool:
    """Whether two answers map some frame of the anchor more than a frame of B apart."""
    ends = np.array([anchor.frame_index[0], anchor.frame_index[-1]], dtype=np.float64)
    j1 = e1.rate * ends + e1.offset_frames
    j2 = e2.rate * ends + e2.offset_frames
    return bool(np.max(np.abs(j1 - j2)) > 1.0) or not all(math.isfinite(v) for v in (*j1, *j2))

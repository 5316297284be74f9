"""Long pairs matched coarse to fine, so their cost does not grow with the product of their lengths.

Frame matching compares every frame of A with every frame of B: two 20,000-frame tracks are 400
million comparisons, each a few arithmetic passes, and the features of both (17 x 128 numbers a
frame for SeSyn-Net) are hundreds of megabytes. Most of that is not needed to find the offset:

1. **Coarse**: a stretch of A (``LONG_STRETCH_SECONDS`` where A's joints move most) against all
   of B, both on every k-th frame only, as tracks at the lower rate (down to
   ``COARSE_MATCH_FPS``, the lowest rate the shipped model embeds as it is). Its answer is the
   method's own estimate on those tracks (fit, confidence, rival offsets, the drift test), in
   the inputs' frames. While that answer is in doubt (a caveat such as a rival offset, or a
   confidence under what ``align`` accepts) the stretch doubles, up to all of A: more of A only
   helps to choose between rivals or to gather agreement.
2. **Fine**: every frame of a ``LONG_FINE_SECONDS`` part of that stretch, matched in a band of a
   few frames around the coarse line (linear cost), sets the offset to the frame; the coarse
   answer keeps its confidence (it judged the evidence; the fine one only sharpens it).

Pairs whose comparisons stay under ``LONG_PAIR_CELLS`` are matched whole, as before.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from videosync.errors import CannotSynchronizeError
from videosync.poses import PoseTrack
from videosync.sync.bounds import OffsetBounds
from videosync.tunables import (
    COARSE_MATCH_FPS,
    LONG_FINE_SECONDS,
    LONG_PAIR_CELLS,
    LONG_STRETCH_SECONDS,
    SPEED_WINDOW_SECONDS,
)

if TYPE_CHECKING:
    from videosync.sync.methods.base import FeatureMatchingMethod, PairEstimate


def span_frames(track: PoseTrack) -> int:
    """Rows the track has once dense (its first to its last frame)."""
    return int(track.frame_index[-1] - track.frame_index[0]) + 1 if len(track) else 0


def long_pair(track_a: PoseTrack, track_b: PoseTrack, bounds: OffsetBounds) -> bool:
    """Whether matching the pair whole would compare more than ``LONG_PAIR_CELLS`` frame pairs."""
    band = bounds.evidence_band(track_b.fps)
    cols = span_frames(track_b) if band is None else min(span_frames(track_b), int(2 * band + 1))
    return span_frames(track_a) * cols > LONG_PAIR_CELLS


def coarse_stride(fps: float) -> int:
    """Every how many frames the coarse pass reads: down to COARSE_MATCH_FPS, never below."""
    return max(1, int(math.floor(fps / COARSE_MATCH_FPS + 1e-9)))


def lower_rate(track: PoseTrack, stride: int) -> PoseTrack:
    """The track's frames whose number is a multiple of ``stride``, as a track at ``fps /
    stride`` (frame ``n`` of it is frame ``n * stride`` of the input): evenly spaced rows, as
    matching needs, not a full-rate track with gaps."""
    if stride == 1:
        return track
    part = track.select(track.frame_index % stride == 0)
    return dataclasses.replace(part, frame_index=part.frame_index // stride, fps=track.fps / stride,
                               meta={**part.meta, "stride": stride, "source_fps": track.fps})


def estimate_at_source_rate(est: PairEstimate, ka: int, kb: int) -> PairEstimate:
    """A pair estimate made on every ``ka``-th frame of A and ``kb``-th of B, in the inputs'
    frames: every number in frames renumbered (offsets of B times ``kb``, frames of A times ``ka``,
    rates times ``kb / ka``: :func:`~videosync.sync.methods.base.renumbered_estimate`), so the
    trust module reads rival offsets, error bar and parts' offsets in the frames of the answer;
    ``diagnostics["stride"]`` keeps ``(ka, kb)``."""
    if ka == kb == 1:
        return est
    from videosync.sync.methods.base import renumbered_estimate

    out = renumbered_estimate(est, ka=ka, kb=kb)
    out.diagnostics["stride"] = (ka, kb)
    return out


def busiest_stretch(track: PoseTrack, seconds: float) -> PoseTrack:
    """The ``seconds`` of ``track`` in which its joints move most (summed image speed)."""
    from videosync.poses.stats import joint_speed

    dense = track.dense()
    rows = int(round(seconds * track.fps))
    if rows >= len(dense):
        return track
    motion = np.nansum(joint_speed(dense.keypoints, max(1, int(round(SPEED_WINDOW_SECONDS * track.fps)))), axis=1)
    window = np.convolve(motion, np.ones(rows), mode="valid")
    first = int(dense.frame_index[int(np.argmax(window))])
    return track.frames_between(first, first + rows)


def _settled(est: PairEstimate) -> bool:
    """No rival offset or other caveat, and a confidence ``align`` accepts. ``est.confidence`` is
    the method's own score (the calibrator maps it later), so it meets the threshold on that scale."""
    from videosync.trust.assess import default_min_confidence

    uniqueness = est.fit.uniqueness if est.fit is not None else 1.0
    return not est.notes and uniqueness >= 1.0 and est.confidence >= default_min_confidence(calibrated=False)


def notes_at_source_rate(coarse: PairEstimate, scaled: PairEstimate, coarse_bounds: OffsetBounds,
                         bounds: OffsetBounds) -> list[str]:
    """The coarse estimate's notes told again in the inputs' frames (they quote offsets): the
    parts that slide are those the coarse estimate found (its frames, its threshold)."""
    from videosync.sync.drift import widest_slide
    from videosync.sync.methods.base import _fit_notes
    from videosync.tunables import MATCHING_DRIFT_FRAMES

    if coarse.fit is None:
        return list(coarse.notes)
    parts = coarse.diagnostics.get("matching_parts")
    slide = widest_slide(*parts, MATCHING_DRIFT_FRAMES) if parts is not None else None
    told = len(_fit_notes(coarse.fit, parts, slide, coarse_bounds, coarse.fps_a))
    return (_fit_notes(scaled.fit, scaled.diagnostics.get("matching_parts"), slide, bounds, scaled.fps_a)
            + list(coarse.notes[told:]))


def told_at_source_rate(coarse: PairEstimate, ka: int, kb: int, coarse_bounds: OffsetBounds,
                        bounds: OffsetBounds) -> PairEstimate:
    """:func:`estimate_at_source_rate` with its notes told again in the inputs' frames
    (:func:`notes_at_source_rate`; ``coarse_bounds`` the search's bound in coarse frames)."""
    if ka == kb == 1:
        return coarse
    out = estimate_at_source_rate(coarse, ka, kb)
    out.notes = notes_at_source_rate(coarse, out, coarse_bounds, bounds)
    return out


def coarse_to_fine(method: FeatureMatchingMethod, track_a: PoseTrack, track_b: PoseTrack,
                   bounds: OffsetBounds) -> PairEstimate:
    """The method's estimate of a long pair, made as the module docstring says."""
    ka, kb = coarse_stride(track_a.fps), coarse_stride(track_b.fps)
    low_b = lower_rate(track_b, kb)
    coarse_bounds = OffsetBounds(None if bounds.max_frames is None else bounds.max_frames / kb)
    seconds = LONG_STRETCH_SECONDS
    while True:
        part = busiest_stretch(track_a, seconds)
        whole = len(part) == len(track_a)
        try:
            found = method.estimate_whole(lower_rate(part, ka), low_b, bounds=coarse_bounds)
        except CannotSynchronizeError:
            if whole:
                raise
            seconds *= 2
            continue
        coarse = told_at_source_rate(found, ka, kb, coarse_bounds, bounds)
        if whole or _settled(found):
            break
        seconds *= 2
    coarse.diagnostics["coarse_to_fine"] = {"stretch_frames": (int(part.frame_index[0]), int(part.frame_index[-1])),
                                            "coarse_offset": coarse.offset_frames}
    return _fine(method, busiest_stretch(part, LONG_FINE_SECONDS), track_b, coarse, kb, bounds)


def _fine(method: FeatureMatchingMethod, part: PoseTrack, track_b: PoseTrack, coarse: PairEstimate, kb: int,
          bounds: OffsetBounds) -> PairEstimate:
    """``coarse`` with its offset set by every frame of ``part`` (of A) and the frames of B it
    maps to, matched within a few coarse frames of the coarse line; unchanged where that match
    is not conclusive."""
    band = 2.0 * kb + 1.0
    margin = band + math.ceil(track_b.fps)  # and room for the features' temporal context
    a0, a1 = float(part.frame_index[0]), float(part.frame_index[-1])
    b_first = int(math.floor(coarse.rate * a0 + coarse.offset_frames - margin))
    b_stop = int(math.ceil(coarse.rate * a1 + coarse.offset_frames + margin)) + 1
    window = track_b.frames_between(max(b_first, 0), b_stop)
    if len(window) < 2:
        return coarse
    pair = method.describe_pair(part, window)
    try:
        _, _, _, fit = method._match_and_fit(
            pair, pair.va, rate=coarse.rate, offset=coarse.offset_frames, band=band, estimate_rate=False,
            max_rate_factor=1.0, bounds=bounds)
    except CannotSynchronizeError:
        return coarse
    coarse.diagnostics["coarse_to_fine"]["fine_confidence"] = fit.confidence
    if not fit.n_inliers or abs(fit.offset_frames - coarse.offset_frames) > band:
        return coarse
    found = dataclasses.replace(coarse.fit, offset_frames=fit.offset_frames, median_offset=fit.median_offset,
                                residual_std=fit.residual_std, offset_stderr=fit.offset_stderr) if coarse.fit else None
    return dataclasses.replace(coarse, offset_frames=fit.offset_frames,
                               offset_seconds=fit.offset_frames / track_b.fps, fit=found)

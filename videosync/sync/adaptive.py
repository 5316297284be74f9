"""What of each video ``align`` analyses, and when it looks further: the analysis policy (issue 22).

Pose estimation is what costs (MediaPipe: 25-40 ms a 1080p frame, ten times its decoding), so
the time to an answer should follow the evidence the answer needs, not the length of the
recordings. By default, for videos, :func:`align_adaptively` climbs a ladder of rounds and stops
at the first whose answer is trusted:

1. The first round is ``FIRST_STRETCH_SECONDS`` of the reference, placed where its picture
   changes most (compressed frame sizes, :mod:`videosync.video.motion`), and the same instants
   of the other videos (with ``--max-offset``, that much more on each side). Poses on every k-th
   frame only, down to ``COARSE_MATCH_FPS``, as a lower-rate track (a 30 fps video gives a 15
   fps track; a full-rate track with gaps would not match). Decoding starts at the keyframe
   before the stretch (:class:`videosync.video.reader.VideoReader` seeks).
2. A round's answer is ``align``'s own on those tracks (method, refinement, calibrated
   confidence and error bar). It is trusted when ``align`` would trust it: every input at least
   as confident as ``align``'s refusal threshold (the user's ``min_confidence`` or, when that is
   lower or not given, the default for the kind of confidence, :func:`stop_threshold`). The
   confidence is the chance of being within one coarse frame, inside the frame-exact search's
   reach (``REFINE_SEARCH_SECONDS``), so that search holds the truth at least that often; the
   90 % error bar is not asked to lie within it as well (that asks for 0.9, not ``align``'s
   threshold, :func:`trusted`). Otherwise
   the stretch grows (``STRETCH_GROWTH``) and the other videos are analysed that new length
   before and after it; only frames not yet analysed are estimated. Once the stretches cover the
   videos and the answer is still not trusted, ``align`` analyses everything as ``--full`` does
   (this module returns None).
3. A trusted answer is made frame-exact: every frame of ``FINE_SECONDS`` where the reference
   moves most, the same instants of the other videos (per the answer, plus the search's reach),
   and the two-view-geometry search around the answer on them (kept when conclusive and within
   one coarse frame; the confidence stays the coarse answer's, which judged the evidence).

Not here (None: ``align`` analyses everything, as before): ``--full``, pose files or tracks
among the inputs, videos up to ``FULL_RATE_SECONDS``, ``--time-map`` (it needs every part of the
recording), methods other than ``sesyn`` with its refinement, and videos where the first round
finds several people while ``--person`` is not given (choosing the person needs all of them).

What is analysed is said through ``say`` ("a.mp4 0:20.0-0:30.0, coarse (every 2nd frame)"), and
why the analysis goes on ("extending: not yet sure of b.mp4 (confidence 0.62)").
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from videosync.errors import CannotSynchronizeError, PoseFileError, VideoError
from videosync.poses import PoseTrack
from videosync.result import AlignmentResult, PairOffset
from videosync.sync.bounds import OffsetBounds
from videosync.sync.coarse import busiest_stretch, coarse_stride, told_at_source_rate
from videosync.tunables import (
    FINE_EDGE_FRAMES,
    FINE_SECONDS,
    FIRST_STRETCH_SECONDS,
    FULL_RATE_SECONDS,
    MIN_SEARCH_FRAMES,
    REFINE_SEARCH_SECONDS,
    STRETCH_GROWTH,
)

log = logging.getLogger(__name__)

Say = Callable[[str], None]


def clock(seconds: float) -> str:
    """``m:ss.s``, as progress messages show times."""
    minutes, rest = divmod(max(0.0, seconds), 60.0)
    return f"{int(minutes)}:{rest:04.1f}"


@dataclass(frozen=True)
class Span:
    """Frames ``[first, stop)`` of one video (its own numbers), every ``stride``-th."""

    first: int
    stop: int
    stride: int = 1

    @property
    def frames(self) -> int:
        """How many frames of the span are analysed."""
        return max(0, -(-(self.stop - self.first) // self.stride))

    def describe(self, fps: float) -> str:
        how = "every frame" if self.stride == 1 else f"coarse (every {_ordinal(self.stride)} frame)"
        return f"{clock(self.first / fps)}-{clock(self.stop / fps)}, {how}"


def _ordinal(n: int) -> str:
    return f"{n}{ {2: 'nd', 3: 'rd'}.get(n, 'th')}"


@dataclass(frozen=True)
class Video:
    """One input as the policy sees it: its rate, the frames ``[lo, hi)`` it may analyse (the
    user's ``--start``/``--duration``, the others widened by ``--max-offset``), its coarse stride."""

    path: Path
    fps: float
    lo: int
    hi: int

    @property
    def stride(self) -> int:
        return coarse_stride(self.fps)

    @property
    def seconds(self) -> float:
        return (self.hi - self.lo) / self.fps

    def span(self, t0: float, t1: float, stride: int) -> Span:
        """Frames of ``[t0, t1)`` seconds inside the video, the first on the stride's grid."""
        first = max(self.lo, int(math.floor(t0 * self.fps)))
        stop = min(self.hi, max(first + 1, int(math.ceil(t1 * self.fps))))
        return Span(first - first % stride, stop, stride)


def open_videos(inputs: Sequence[Any], start: float | None, duration: float | None,
                bounds: OffsetBounds) -> list[Video] | None:
    """The inputs' extents (probed, nothing decoded); None when one is not a video or its
    extent is unknown or empty (``align``'s own path then says what is wrong)."""
    from videosync.api import window_seconds
    from videosync.video.probe import is_video_path, probe_video

    out = []
    for index, item in enumerate(inputs):
        if isinstance(item, PoseTrack) or not is_video_path(item):
            return None
        info = probe_video(item)
        margin = float(bounds.max_frames or 0) if index else 0.0
        begin, length = window_seconds(start, duration, margin, info.fps)
        lo = int(round((begin or 0.0) * info.fps))
        hi = info.n_frames if length is None else min(info.n_frames, lo + max(1, int(round(length * info.fps))))
        if not info.n_frames > 0 or lo >= hi:
            return None
        out.append(Video(Path(item), info.fps, lo, hi))
    return out


@dataclass(frozen=True)
class Round:
    """One rung of the ladder: the reference's stretch ``[begin, begin + length)`` (s) and how
    far before and after it the other videos are analysed (s; the bound when one is given)."""

    begin: float
    length: float
    margin: float

    def spans(self, videos: Sequence[Video], bounds: OffsetBounds) -> list[Span]:
        out = []
        for index, video in enumerate(videos):
            reach = 0.0 if not index else (bounds.max_frames / video.fps if bounds.bounded else self.margin)
            out.append(video.span(self.begin - reach, self.begin + self.length + reach, video.stride))
        return out

    def next(self, videos: Sequence[Video]) -> Round:
        """A stretch ``STRETCH_GROWTH`` times longer, around the last one, inside the reference;
        the others analysed its length before and after it."""
        lo, hi = videos[0].lo / videos[0].fps, videos[0].hi / videos[0].fps
        length = min(self.length * STRETCH_GROWTH, hi - lo)
        begin = min(max(lo, self.begin - (length - self.length) / 2), hi - length)
        return Round(begin, length, length)


def covers(spans: Sequence[Span], videos: Sequence[Video]) -> bool:
    return all(s.first <= v.lo and s.stop >= v.hi for s, v in zip(spans, videos))


def first_round(videos: Sequence[Video]) -> Round:
    """``FIRST_STRETCH_SECONDS`` of the reference where its picture changes most."""
    from videosync.video.motion import busiest_start, packet_activity

    ref = videos[0]
    lo, hi = ref.lo / ref.fps, ref.hi / ref.fps
    times, activity = packet_activity(ref.path)
    return Round(busiest_start(times, activity, FIRST_STRETCH_SECONDS, lo, hi), FIRST_STRETCH_SECONDS, 0.0)


def stop_threshold(result: AlignmentResult, min_confidence: float | None) -> float:
    """The confidence a round's answer needs: what ``align`` trusts by default for the answer's
    kind of confidence (calibrated or a method's own), or the user's stricter ``min_confidence``;
    a laxer one (0: show any answer) does not make a thinner analysis trusted."""
    from videosync.api import default_threshold

    return max(default_threshold(result.pairs), min_confidence or 0.0)


def trusted(result: AlignmentResult, threshold: float) -> tuple[bool, str]:
    """The stopping rule (see the module docstring): True, or False and why in words.

    Not the error bar: it holds 90 % of the probability, so an answer below 0.9 has one that
    reaches into the far errors (at 0.78: 1.5-5 s on the 1-minute speed pairs, right answers),
    and asking it to lie within the frame-exact search asked for 0.9 whatever the threshold
    (tune split: every threshold from 0.3 to 0.9 stopped alike, ``benchmarks/tune_stopping.py``)."""
    for entry in result.inputs[1:]:
        if entry.confidence < threshold:
            return False, f"not yet sure of {Path(entry.path).name} (confidence {entry.confidence:.2f})"
    return True, ""


def confirmed(result: AlignmentResult, previous: AlignmentResult | None) -> tuple[bool, str]:
    """Whether every input's answer is the previous round's, within one of its (coarse) frames.

    A round sees only offsets that keep its stretches overlapping; where the truth lies beyond,
    the best offset inside can look as sure as a right one (the tune set: a wrong answer at
    0.85, the truth 20 s away). The next round looks twice as far: an answer it keeps is no
    artefact of the narrower view."""
    for index, entry in enumerate(result.inputs[1:], start=1):
        name = Path(entry.path).name
        if previous is None or abs(entry.offset_frames - previous.inputs[index].offset_frames) > 1.0:
            return False, f"{name} at {entry.offset_seconds:+.2f} s, to be confirmed by a wider search"
    return True, ""


class Poses:
    """The videos' poses, estimated in worker processes (one per video, as many as cores allow,
    :class:`videosync.estimate.workers.PosePool`). Coarse poses already estimated are kept: a
    longer span estimates only its new frames, where one person is all a video shows. The jobs go
    out largest first. (Parts are not cut to share a round's frames evenly: a cut restarts the
    tracker, which changed the poses enough to change an answer's error bar.)"""

    def __init__(self, videos: Sequence[Video], backend: str, person: int, say: Say,
                 report: Callable[[str, int, int], None] | None) -> None:
        from videosync.estimate.workers import PosePool

        self.videos, self.backend, self.person, self.say = list(videos), backend, person, say
        self.pool = PosePool(len(videos), report)
        self.known: dict[int, tuple[Span, PoseTrack]] = {}  # coarse poses so far, by input

    def estimate(self, spans: Sequence[Span]) -> list[PoseTrack]:
        """Every video's poses over its span (one track each, at the span's rate)."""
        plans = []
        for index, (video, span) in enumerate(zip(self.videos, spans)):
            self.say(f"{video.path.name} {span.describe(video.fps)}")
            plans.append(self._submit(index, span))
        jobs = sorted(((index, part, single) for index, (_, parts, single) in enumerate(plans) for part in parts),
                      key=lambda job: -job[1].frames)
        futures: dict[int, list[Future]] = {index: [] for index in range(len(spans))}
        for index, piece, single in jobs:
            futures[index].append(self._job(index, piece, single))
        out = []
        for index, (span, (kept, _, _)) in enumerate(zip(spans, plans)):
            track = _join(([kept] if kept is not None else []) + [f.result() for f in futures[index]])
            if span.stride > 1:
                self.known[index] = (span, track)
            out.append(track)
        return out

    def _submit(self, index: int, span: Span) -> tuple[PoseTrack | None, list[Span], bool]:
        """The poses kept for ``span``, its other frames, and whether one person is all it shows."""
        done = self.known.get(index)
        single = done is not None and not several_people(done[1])
        if single and done[0].stride == span.stride and done[0].first >= span.first and done[0].stop <= span.stop:
            after = done[0].stop + (-done[0].stop) % span.stride  # the next frame on the grid: none twice
            parts = [Span(span.first, done[0].first, span.stride), Span(after, span.stop, span.stride)]
            return done[1], [p for p in parts if p.stop > p.first], single
        return None, [span], single

    def _job(self, index: int, span: Span, single: bool) -> Future:
        from videosync.estimate.api import cached_poses
        from videosync.estimate.workers import PoseJob

        video = self.videos[index]
        options = dict(backend=self.backend, person=self.person, start=span.first / video.fps,
                       duration=(span.stop - span.first) / video.fps, stride=span.stride,
                       **({"max_people": 1} if single else {}))  # nobody else seen: no search for a second
        hit = cached_poses(video.path, **options)
        if hit is not None:
            future: Future = Future()
            future.set_result(hit)
            return future
        return self.pool.submit(PoseJob(str(video.path), f"{video.path.name} {span.describe(video.fps)}", options))

    def close(self) -> None:
        self.pool.close()


def _join(parts: list[PoseTrack]) -> PoseTrack:
    """One track from pieces of the same video, person and rate, in frame order; it shows
    several people when any piece does (its meta is that piece's)."""
    parts = sorted((t for t in parts if len(t)), key=lambda t: int(t.frame_index[0])) or parts[:1]
    if len(parts) == 1:
        return parts[0]
    joined = parts[0].with_keypoints(np.concatenate([t.keypoints for t in parts]),
                                     np.concatenate([t.frame_index for t in parts]))
    joined.meta = dict(next((t.meta for t in parts if several_people(t)), parts[0].meta))
    return joined


def eligible(inputs: Sequence[Any], options: dict[str, Any]) -> bool:
    """Whether the policy applies at all (see the module docstring), before anything is read."""
    from videosync.sync.witness import poses_alone

    return (not options.get("full") and not options.get("time_map") and options.get("refine", True)
            and all(not isinstance(item, PoseTrack) for item in inputs)
            and poses_alone(options.get("method"), inputs))


def align_adaptively(align: Callable[..., AlignmentResult], inputs: Sequence[Any], options: dict[str, Any],
                     say: Say | None = None, report: Callable[[str, int, int], None] | None = None
                     ) -> AlignmentResult | None:
    """``align``'s answer from the frames the module docstring names, or None where the policy
    does not apply or found no trusted answer (``align`` then analyses everything).

    ``options``: ``align``'s (method, model, max_offset_frames, min_confidence, start, duration,
    person, pose_backend, refine, calibration, full, time_map); ``align`` is called on the rounds' tracks.
    """
    if not eligible(inputs, options):
        return None
    say = say or (lambda _msg: None)
    bounds = OffsetBounds(options.get("max_offset_frames"))
    videos = open_videos(inputs, options.get("start"), options.get("duration"), bounds)
    if videos is None or videos[0].seconds <= FULL_RATE_SECONDS:
        return None
    poses = Poses(videos, options.get("pose_backend", "auto"), options.get("person") or 0, say, report)
    try:
        return _climb(align, videos, poses, options, bounds, say)
    except (VideoError, PoseFileError) as exc:  # e.g. nobody in a stretch: everything is analysed
        log.info("analysing everything: %s", exc)
        return None
    finally:
        poses.close()


def _climb(align: Callable[..., AlignmentResult], videos: list[Video], poses: Poses, options: dict[str, Any],
           bounds: OffsetBounds, say: Say) -> AlignmentResult | None:
    """The ladder of rounds; the frame-exact answer of the first trusted one, or None."""
    step, previous = first_round(videos), None
    while True:
        spans = step.spans(videos, bounds)
        tracks = poses.estimate(spans)
        if options.get("person") is None and any(several_people(t) for t in tracks):
            say("more than one person: analysing everything to choose whom to synchronize")
            return None
        result = _round_answer(align, tracks, options, [s.stride for s in spans])
        ok, why = (trusted(result, stop_threshold(result, options.get("min_confidence"))) if result is not None
                   else (False, "no answer yet"))
        if ok and not (bounds.bounded or covers(spans, videos)):  # offsets beyond this round's view remain
            ok, why = confirmed(result, previous)
        if ok:
            return _frame_exact(poses, videos, result, [s.stride for s in spans], bounds, say)
        previous = result
        later = step.next(videos)
        if covers(spans, videos) or later.spans(videos, bounds) == spans:  # nothing more to analyse coarsely
            say(f"{why}: analysing everything")
            return None
        step = later
        say(f"extending: {why}")


def several_people(track: PoseTrack) -> bool:
    """Whether the track's video shows more than one person who could be the subject."""
    from videosync.poses.subject import candidate_ranks

    return len(candidate_ranks(track.meta.get("track_scores", []))) > 1


def _round_answer(align: Callable[..., AlignmentResult], tracks: list[PoseTrack], options: dict[str, Any],
                  strides: Sequence[int]) -> AlignmentResult | None:
    """``align`` on the coarse tracks, nothing refused (the stopping rule judges); the bound in
    coarse frames (the loosest of the inputs'). None when no answer could be made."""
    from videosync.device import torch_threads

    bound = coarse_bounds(OffsetBounds(options.get("max_offset_frames")), strides).max_frames
    try:
        with torch_threads(1):  # a round's tracks are short: threads would cost more than they share
            return align(tracks, method=options.get("method", "sesyn"), model=options.get("model"),
                         max_offset_frames=bound, min_confidence=0.0, person=0, refine=True,
                         calibration=options.get("calibration"), full=True)
    except CannotSynchronizeError as exc:
        log.info("no answer from this round: %s", exc)
        return None


def coarse_bounds(bounds: OffsetBounds, strides: Sequence[int]) -> OffsetBounds:
    """The bound in a round's coarse frames (the loosest of the inputs')."""
    return OffsetBounds(None if bounds.max_frames is None else int(math.ceil(bounds.max_frames / min(strides))))


# ----------------------------------------------------------------------- the frame-exact pass

def _frame_exact(poses: Poses, videos: Sequence[Video], coarse: AlignmentResult, strides: Sequence[int],
                 bounds: OffsetBounds, say: Say) -> AlignmentResult:
    """The coarse answer in the videos' frames, its pairs set to the frame by the geometry on
    full-rate poses around it (where such a stretch lies inside every video)."""
    pairs = [pair_at_source_rate(p, strides[p.a], strides[p.b], coarse_bounds(bounds, strides), bounds)
             for p in coarse.pairs]
    spans = fine_spans(videos, coarse, pairs, strides)
    if spans is not None:
        turns = [t.meta.get("upright_turns", 0) for t in coarse.tracks]
        fine = [_turned(t, k) for t, k in zip(poses.estimate(spans), turns)]
        pairs = [refine_pair(p, fine, bounds, strides[p.b]) for p in pairs]
    return solved(coarse, pairs, [renumbered(t, k) for t, k in zip(coarse.tracks, strides)])


def _turned(track: PoseTrack, turns: int) -> PoseTrack:
    from videosync.poses.orient import rotate_track

    return rotate_track(track, turns) if turns else track


def renumbered(track: PoseTrack, stride: int) -> PoseTrack:
    """A coarse track in its video's frame numbers and rate (rows ``stride`` frames apart): what
    the result carries, so that plots speak the video's frames."""
    if stride == 1:
        return track
    return dataclasses.replace(track, frame_index=track.frame_index * stride, fps=track.fps * stride,
                               meta=dict(track.meta))


def pair_at_source_rate(pair: PairOffset, ka: int, kb: int, round_bounds: OffsetBounds | None = None,
                        bounds: OffsetBounds | None = None) -> PairOffset:
    """A pair answered on every ``ka``-th frame of A and ``kb``-th of B, in the videos' frames
    (offset, rate, estimate, its notes, error bar and candidates; seconds do not change); the
    notes quote offsets, told again with the bounds of the round (coarse frames) and of the videos."""
    if ka == kb == 1:
        return pair
    verdict = pair.assessment
    if verdict is not None:
        verdict = dataclasses.replace(
            verdict, uncertainty_frames=verdict.uncertainty_frames * kb,
            candidates=[dataclasses.replace(c, offset_frames=c.offset_frames * kb) for c in verdict.candidates])
    est = pair.estimate and told_at_source_rate(pair.estimate, ka, kb, round_bounds or OffsetBounds(),
                                                bounds or OffsetBounds())
    return dataclasses.replace(pair, offset_frames=pair.offset_frames * kb, rate=pair.rate * kb / ka, estimate=est,
                               assessment=verdict)


def fine_spans(videos: Sequence[Video], coarse: AlignmentResult, pairs: Sequence[PairOffset],
               strides: Sequence[int]) -> list[Span] | None:
    """Every frame of ``FINE_SECONDS`` where the reference's coarse track moves most, among the
    instants every other video shows (per its pair with the reference, plus the search's reach),
    and those instants of the others; None when there are none."""
    ref, k0 = coarse.tracks[0], strides[0]
    frames = ref.frame_index * k0
    inside = np.ones(len(frames), dtype=bool)
    mapped = {}
    for p in pairs:
        if p.a == 0:
            video = videos[p.b]
            reach = max(REFINE_SEARCH_SECONDS * video.fps, MIN_SEARCH_FRAMES) + FINE_EDGE_FRAMES
            mapped[p.b] = (p, reach)
            at = p.rate * frames + p.offset_frames
            inside &= (at - reach >= video.lo) & (at + reach < video.hi)
    if inside.sum() < 2 or len(mapped) < len(videos) - 1:
        return None
    part = busiest_stretch(ref.select(inside), FINE_SECONDS)
    t0, t1 = int(part.frame_index[0]) * k0, (int(part.frame_index[-1]) + 1) * k0
    spans = [Span(t0, min(t1, videos[0].hi))]
    for index in range(1, len(videos)):
        p, reach = mapped[index]
        a, b = p.rate * t0 + p.offset_frames - reach, p.rate * t1 + p.offset_frames + reach
        spans.append(Span(max(videos[index].lo, int(math.floor(a))), min(videos[index].hi, int(math.ceil(b)))))
    return spans


def refine_pair(pair: PairOffset, fine: Sequence[PoseTrack], bounds: OffsetBounds, stride_b: int) -> PairOffset:
    """The pair's offset where two-view geometry on the full-rate ``fine`` tracks puts it, when
    that search is conclusive and stays within a coarse frame of B; else unchanged."""
    from videosync.sync.methods.refined import two_way_geometry

    geo = two_way_geometry(fine[pair.a], fine[pair.b], pair.offset_frames, pair.rate, bounds)
    est = pair.estimate
    if geo.offset_frames is None or abs(geo.offset_frames - pair.offset_frames) > stride_b:
        if est is not None:
            est = dataclasses.replace(est, diagnostics={**est.diagnostics, "fine_refinement": geo})
        return dataclasses.replace(pair, estimate=est)
    seconds = geo.offset_frames / fine[pair.b].fps
    if est is not None:
        est = dataclasses.replace(est, offset_frames=geo.offset_frames, offset_seconds=seconds,
                                  diagnostics={**est.diagnostics, "fine_refinement": geo})
    return dataclasses.replace(pair, offset_frames=geo.offset_frames, offset_seconds=seconds, estimate=est)


def solved(coarse: AlignmentResult, pairs: list[PairOffset], tracks: list[PoseTrack]) -> AlignmentResult:
    """The N-camera solve again on ``pairs`` (in the videos' frames); the coarse result's
    warnings kept but its pairs' notes (in coarse frames: ``pairs`` tell them again), new ones
    added once."""
    from videosync.sync.solve import solve_inputs

    def told(some: Sequence[PairOffset]) -> list[str]:
        return [f"{tracks[p.a].name} <-> {tracks[p.b].name}: {n}" for p in some if p.estimate is not None
                for n in getattr(p.estimate, "notes", [])]

    coarse_notes, notes = set(told(coarse.pairs)), told(pairs)
    warnings = [w for w in coarse.warnings if w not in coarse_notes]
    warnings += [n for n in dict.fromkeys(notes) if n not in warnings]
    found: list[str] = []
    inputs = solve_inputs(tracks, [entry.path for entry in coarse.inputs], pairs, found, notes)
    warnings.extend(w for w in found if w not in warnings)
    return AlignmentResult(reference=coarse.reference, method=coarse.method, inputs=inputs, pairs=pairs,
                           warnings=warnings, tracks=tracks)

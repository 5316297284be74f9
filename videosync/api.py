"""The public Python API: ``align`` and friends. The CLI is a thin layer over these functions.

Data flows one way: inputs -> PoseTrack (load or estimate) -> per-pair estimates (a SyncMethod)
-> one consistent set of offsets (the N-camera solve) -> AlignmentResult.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from videosync.errors import CannotSynchronizeError, VideosyncError
from videosync.poses import PoseTrack
from videosync.result import AlignmentResult, PairOffset
from videosync.sync.bounds import OffsetBounds
from videosync.sync.solve import solve_inputs
from videosync.sync.timemap import attach_time_maps, keep_features, with_time_map

if TYPE_CHECKING:
    from videosync.sync.methods.base import SyncMethod

log = logging.getLogger(__name__)


InputLike = str | Path | PoseTrack
Progress = Callable[[str], None]


def load_input(
    item: InputLike,
    *,
    fps: float | None = None,
    size: tuple[float, float] | None = None,
    layout: str | None = None,
    person: int = 0,
    pose_backend: str = "auto",
    start: float | None = None,
    duration: float | None = None,
    margin_frames: float = 0.0,
    progress: Callable[[int, int], None] | None = None,
) -> PoseTrack:
    """A PoseTrack from a pose file, an OpenPose JSON folder, a video, or a PoseTrack.

    ``start``/``duration`` (seconds, widened by ``margin_frames`` on both sides) limit the part
    used; for a video only that part is decoded and put through pose estimation. A person who
    appears sideways or upside down (a camera mounted on its side) is turned upright
    (:mod:`videosync.poses.orient`; ``meta["upright_turns"]`` says by how much).
    """
    from videosync.poses.limits import check_fits_in_memory
    from videosync.poses.orient import make_upright

    return check_fits_in_memory(make_upright(_load_input(
        item, fps=fps, size=size, layout=layout, person=person, pose_backend=pose_backend,
        start=start, duration=duration, margin_frames=margin_frames, progress=progress)))


def _load_input(
    item: InputLike,
    *,
    fps: float | None,
    size: tuple[float, float] | None,
    layout: str | None,
    person: int,
    pose_backend: str,
    start: float | None,
    duration: float | None,
    margin_frames: float,
    progress: Callable[[int, int], None] | None,
) -> PoseTrack:
    from videosync.video.probe import is_video_path

    if not isinstance(item, PoseTrack) and is_video_path(item):
        from videosync.estimate import estimate_poses

        return estimate_poses(item, progress=progress, **_pose_options(item, pose_backend, person, start, duration,
                                                                        margin_frames))
    if isinstance(item, PoseTrack):
        track = item
    else:
        from videosync.poses import load_poses

        track = load_poses(item, fps=fps, size=size, layout=layout, person=person)
    begin, length = window_seconds(start, duration, margin_frames, track.fps)
    if begin is None:
        return track
    first = int(round(begin * track.fps))
    stop = None if length is None else first + max(1, int(round(length * track.fps)))
    part = track.frames_between(first, stop)
    if len(part) == 0:
        raise VideosyncError(f"no frames between {begin:g} s and {'the end' if length is None else f'{begin + length:g} s'}", track.source)
    return part


def _pose_options(video: str | Path, pose_backend: str, person: int, start: float | None, duration: float | None,
                  margin_frames: float) -> dict[str, Any]:
    """:func:`videosync.estimate.estimate_poses`'s arguments for the part of ``video`` to analyse."""
    from videosync.video.probe import probe_video

    begin, length = window_seconds(start, duration, margin_frames, probe_video(video).fps)
    return dict(backend=pose_backend, person=person, start=begin, duration=length)


def align(
    inputs: Sequence[InputLike], *, method: str = "auto", model: str | Path | None = None,
    max_offset_frames: int | None = None, min_confidence: float | None = None,
    fps: float | None = None, size: tuple[float, float] | None = None, layout: str | None = None,
    person: int | None = None, pose_backend: str = "auto", refine: bool = True, start: float | None = None,
    duration: float | None = None, on_message: Progress | None = None,
    on_progress: Callable[[str, int, int], None] | None = None, calibration: str | Path | bool | None = None,
    time_map: bool = False, full: bool = False,
) -> AlignmentResult:
    """Offsets of every input relative to the first one.

    Args:
        inputs: two or more pose files (``.npz``), OpenPose JSON folders, videos or PoseTracks.
        method: ``auto`` (default: ``fused`` when every input has sound, else ``sesyn``; see
            :mod:`videosync.sync.witness`), ``sesyn`` (the trained network on the poses alone),
            ``audio`` (the sound alone), ``fused``, ``simple``, ``ssm`` or ``speed-xcorr``.
        model: SeSyn-Net checkpoint; default the shipped ``models/sesyn.pt``.
        max_offset_frames: only consider offsets up to this many frames (faster, and fewer
            chances to lock onto a repeated motion far away); no answer lies outside it.
        min_confidence: below this confidence (P(offset within 1 frame)) an input is refused with
            :class:`CannotSynchronizeError` naming the reason (0 reports everything). None:
            ``DEFAULT_MIN_CONFIDENCE``, or ``UNCALIBRATED_MIN_CONFIDENCE`` for a method's own scores.
        person: which person to synchronize in every input: 0 = each input's main subject, 1 =
            the next most prominent, ... None: the main subject, unless another plausible one
            matches the other inputs better (:mod:`videosync.subjects`; a warning says so).
        refine: after the method's estimate, search nearby offsets for the one that best fits
            two-view geometry (:mod:`videosync.sync.refine`); kept only when conclusive.
        start, duration: analyse only this part (seconds) of each input; with
            ``max_offset_frames`` the others that much longer on both sides.
        on_progress: ``(label, frames done, frames total)`` during pose estimation of videos.
        calibration: the calibrator file (:mod:`videosync.trust.calibrator`); None: the shipped
            one; False: none (confidences are the method's own scores, not probabilities).
        time_map: answer a pair whose offset steps or drifts with a time map
            (:mod:`videosync.sync.timemap`) instead of refusing it (off: steps are placed late).
        full: analyse every frame of every video, not only what the answer needs
            (:mod:`videosync.sync.adaptive`; short clips and pose files are always analysed whole).

    Returns:
        AlignmentResult: ``inputs[i].offset_frames = k`` means frame t of the reference shows the
        same instant as frame t + k of input i.
    """
    if len(inputs) < 2:
        raise VideosyncError("align needs at least two inputs")
    say = on_message or (lambda _msg: None)
    from videosync.sync.adaptive import align_adaptively

    found = align_adaptively(align, inputs, dict(
        method=method, model=model, max_offset_frames=max_offset_frames, min_confidence=min_confidence, start=start,
        duration=duration, person=person,
        pose_backend=pose_backend, refine=refine, calibration=calibration, full=full, time_map=time_map), say, on_progress)
    if found is None:  # every input analysed whole
        load = _Loader(inputs, OffsetBounds(max_offset_frames), dict(
            fps=fps, size=size, layout=layout, pose_backend=pose_backend, start=start, duration=duration), on_progress)
        found = _align_whole(load, method=method, model=model, person=person, refine=refine,
                             calibration=calibration, time_map=time_map, say=say)
    return _decided(found, min_confidence)


def _align_whole(load: _Loader, *, method: str, model: str | Path | None, person: int | None, refine: bool,
                 calibration: str | Path | bool | None, time_map: bool, say: Progress) -> AlignmentResult:
    """:func:`align` on every frame of the inputs ``load`` reads: their tracks, the method, the
    person and frame rate of each, every pair's estimate and assessment, the N-camera solve."""
    from videosync.sync.witness import choose_method, load_tracks

    inputs, bounds = load.inputs, load.bounds
    tracks = load_tracks(lambda: load.all(person or 0), inputs, method, say)
    method, sync_method = choose_method(method, tracks, model=model, refine=refine, say=say)
    if time_map:
        keep_features(sync_method)  # the time map compares each pair along its line with them
    known: dict[tuple[int, int], object] = {}  # pair estimates (or their refusal) already made
    chosen: list[str] = []  # which person was used where that is not the main subject
    if person is None:
        tracks, known = _shared_people(inputs, tracks, load, sync_method, bounds, chosen, say)
    tracks, known = _resolve_rates(tracks, known, sync_method, bounds, say)
    judge, uncalibrated = _judge(sync_method, model, calibration, tracks, bounds)
    warnings = _input_warnings(tracks) + chosen + uncalibrated  # about the people actually used
    pairs, pair_notes = _pair_offsets(tracks, sync_method, bounds, known, warnings, lambda a, b: say(
        f"{method}: {tracks[a].name} vs {tracks[b].name}"), judge, time_map)
    return _solved(inputs, tracks, method, pairs, warnings + pair_notes, pair_notes, time_map)


def _solved(inputs: Sequence[InputLike], tracks: list[PoseTrack], method: str, pairs: list[PairOffset],
            warnings: list[str], pair_notes: list[str], time_map: bool) -> AlignmentResult:
    """The result: one consistent set of offsets from the pairs (the N-camera solve, which adds
    its warnings), each input's time map when asked for."""
    labels = [_label(item, track) for item, track in zip(inputs, tracks)]
    offsets = solve_inputs(tracks, labels, pairs, warnings, pair_notes)
    if time_map:
        attach_time_maps(offsets, pairs)
    return AlignmentResult(reference=labels[0], method=method, inputs=offsets, pairs=pairs, warnings=warnings,
                           tracks=tracks)


def default_threshold(pairs: Sequence[PairOffset]) -> float:
    """The refusal threshold when none is given, for the pairs' kind of confidence."""
    from videosync.trust.assess import default_min_confidence

    return default_min_confidence(all(p.assessment is None or p.assessment.calibrated for p in pairs))


def _resolve_rates(tracks: list[PoseTrack], known: dict, sync_method: SyncMethod, bounds: OffsetBounds,
                   say: Progress) -> tuple[list[PoseTrack], dict]:
    """Assumed frame rates found from the motion (:mod:`videosync.sync.framerate`); estimates
    already made with an input whose rate changed are made again."""
    from videosync.sync.framerate import resolve_assumed_rates

    resolved = resolve_assumed_rates(tracks, sync_method, bounds, say)
    changed = {i for i, (old, new) in enumerate(zip(tracks, resolved)) if old is not new}
    return resolved, {pair: est for pair, est in known.items() if not changed & set(pair)}


def _judge(sync_method: SyncMethod, model, calibration, tracks: Sequence[PoseTrack], bounds: OffsetBounds
           ) -> tuple[Callable[[object, int, int], object], list[str]]:
    """``judge(estimate, a, b)`` -> the pair's :class:`~videosync.trust.assess.Assessment` (with
    the calibrator of the method's kind; the sound's own judge where the sound alone answered), and
    a warning when the confidences are not calibrated probabilities."""
    from videosync.sync.witness import calibrated_as, judge_sound_alone
    from videosync.trust.assess import assess
    from videosync.trust.calibrator import calibration_for

    if calibration is False:
        cal, why_not = None, "calibration switched off: confidences are the method's own scores"
    else:
        cal, why_not = calibration_for(calibrated_as(sync_method), model,
                                       None if calibration in (None, True) else calibration)
    judge = judge_sound_alone(lambda est, a, b: assess(est, tracks[a], tracks[b], bounds, cal), sync_method,
                              tracks, bounds)
    return judge, ([why_not] if why_not else [])


@dataclass(frozen=True)
class _Loader:
    """Reads input ``index`` with person ``rank``: the reference over [start, start + duration],
    the others with the largest offset as a margin on both sides (without one, the same window)."""

    inputs: Sequence[InputLike]
    bounds: OffsetBounds
    options: dict[str, Any]
    on_progress: Callable[[str, int, int], None] | None

    def __call__(self, index: int, rank: int) -> PoseTrack:
        item = self.inputs[index]
        margin = self.margin(index)
        label = Path(str(item)).name if not isinstance(item, PoseTrack) else (item.name or f"input {index}")
        report = self.on_progress
        return load_input(item, person=rank, margin_frames=margin, **self.options,
                          progress=(lambda done, total: report(label, done, total)) if report else None)

    def margin(self, index: int) -> float:
        return float(self.bounds.max_frames or 0) if index else 0.0

    def all(self, rank: int) -> list[PoseTrack]:
        """Every input with person ``rank``; the videos' poses estimated in parallel processes
        (:func:`videosync.estimate.estimate_poses_many`), the other inputs read here."""
        from videosync.estimate import estimate_poses_many
        from videosync.poses.orient import make_upright
        from videosync.video.probe import is_video_path

        videos = [i for i, item in enumerate(self.inputs) if not isinstance(item, PoseTrack) and is_video_path(item)]
        if len(videos) < 2:
            return [self(index, rank) for index in range(len(self.inputs))]
        opts = self.options
        jobs = [(self.inputs[i], _pose_options(self.inputs[i], opts["pose_backend"], rank, opts["start"],
                                               opts["duration"], self.margin(i)))
                for i in videos]
        estimated = dict(zip(videos, (make_upright(t) for t in estimate_poses_many(jobs, progress=self.on_progress))))
        return [estimated[i] if i in estimated else self(i, rank) for i in range(len(self.inputs))]


def _pair_offsets(
    tracks: Sequence[PoseTrack], sync_method: SyncMethod, bounds: OffsetBounds,
    known: dict[tuple[int, int], object], warnings: list[str], announce: Callable[[int, int], None],
    judge: Callable[[object, int, int], object], time_map: bool = False,
) -> tuple[list[PairOffset], list[str]]:
    """Every pair's estimate (``known`` ones reused) and the methods' caveats, named by pair. With
    more than two inputs a pair that cannot be synchronized becomes a warning: the other pairs may
    still link its inputs."""
    pairs: list[PairOffset] = []
    notes: list[str] = []
    for a, b in itertools.combinations(range(len(tracks)), 2):
        announce(a, b)
        try:
            est = known.get((a, b)) or sync_method.estimate(tracks[a], tracks[b], bounds=bounds)
            if isinstance(est, CannotSynchronizeError):
                raise est
            if time_map:
                est = with_time_map(sync_method, tracks[a], tracks[b], est, bounds=bounds)
        except CannotSynchronizeError as exc:
            if len(tracks) == 2:
                raise
            warnings.append(str(exc))
            continue
        notes.extend(f"{tracks[a].name} <-> {tracks[b].name}: {note}" for note in est.notes)
        verdict = judge(est, a, b)
        pairs.append(PairOffset(a=a, b=b, offset_frames=est.offset_frames, offset_seconds=est.offset_seconds,
                                confidence=verdict.confidence, rate=est.rate, estimate=est, assessment=verdict))
    return pairs, notes


def _shared_people(
    inputs: Sequence[InputLike],
    tracks: list[PoseTrack],
    load: Callable[[int, int], PoseTrack],
    sync_method: SyncMethod,
    bounds: OffsetBounds,
    warnings: list[str],
    say: Progress,
) -> tuple[list[PoseTrack], dict[tuple[int, int], object]]:
    """Each input's person such that all inputs show the same one (see :mod:`videosync.subjects`).

    Only videos and OpenPose folders can hold several people; a pose file or a PoseTrack is one
    person already. Returns the tracks to use and the estimates made on the way, by pair.
    """
    from videosync.poses.subject import candidate_ranks
    from videosync.subjects import choose_people
    from videosync.video.probe import is_video_path

    def several(item, track) -> list[int]:
        if isinstance(item, PoseTrack) or not (is_video_path(item) or Path(item).is_dir()):
            return [0]
        return candidate_ranks(track.meta.get("track_scores", []))

    ranks = [several(item, track) for item, track in zip(inputs, tracks)]
    if all(len(r) == 1 for r in ranks):
        return tracks, {}
    people: dict[tuple[int, int], PoseTrack] = {(i, 0): t for i, t in enumerate(tracks)}
    for i, candidates in enumerate(ranks):
        for rank in candidates[1:]:
            try:
                people[i, rank] = load(i, rank)
            except VideosyncError:
                pass  # not found after all: not a candidate
    ranks = [[r for r in candidates if (i, r) in people] for i, candidates in enumerate(ranks)]
    tried: dict[tuple[int, int, int], object] = {}

    def confidence(ref: int, i: int, rank: int) -> float:
        if (ref, i, rank) not in tried:
            say(f"which person: {people[0, ref].name} person {ref} vs {people[i, rank].name} person {rank}")
            try:
                tried[ref, i, rank] = sync_method.estimate(people[0, ref], people[i, rank], bounds=bounds)
            except CannotSynchronizeError as exc:
                tried[ref, i, rank] = exc
        est = tried[ref, i, rank]
        return 0.0 if isinstance(est, CannotSynchronizeError) else float(est.confidence)

    chosen = choose_people(ranks, confidence)
    for i, rank in enumerate(chosen):
        if rank != 0:
            others = "the other inputs" if i == 0 else str(_label(inputs[0], tracks[0]))
            warnings.append(
                f"{_label(inputs[i], tracks[i])}: {len(ranks[i])} people could be the subject; synchronized on "
                f"person {rank}, the one whose motion matches {others} (--person to choose)")
    known = {(0, i): tried[chosen[0], i, chosen[i]] for i in range(1, len(chosen)) if (chosen[0], i, chosen[i]) in tried}
    return [people[i, rank] for i, rank in enumerate(chosen)], known


def window_seconds(
    start: float | None, duration: float | None, margin_frames: float, fps: float
) -> tuple[float | None, float | None]:
    """``(start, duration)`` in seconds widened by ``margin_frames`` on both sides (at ``fps``).

    ``(None, None)`` means the whole input. The start never goes below 0.
    """
    if start is None and duration is None:
        return None, None
    margin = margin_frames / fps
    begin = max(0.0, (start or 0.0) - margin)
    if duration is None:
        return begin, None
    return begin, (start or 0.0) - begin + duration + margin


def _label(item: InputLike, track: PoseTrack) -> str:
    return str(item) if not isinstance(item, PoseTrack) else (track.source or "<track>")


_TURNED = {1: "lying with the head to the right", 2: "upside down", 3: "lying with the head to the left"}


def _input_warnings(tracks: Sequence[PoseTrack]) -> list[str]:
    """Things the user should know about how the inputs were read (shown, never fatal)."""
    out = []
    for t in tracks:
        if t.meta.get("fps_source") == "assumed" and t.meta.get("fps_unresolved"):
            out.append(f"{t.source}: frame rate unknown, and the motion does not tell it (pass --fps)")
        elif t.meta.get("fps_source") == "assumed":
            out.append(f"{t.source}: frame rate unknown, assumed {t.fps:g} fps (pass --fps)")
        elif t.meta.get("fps_source") == "motion":
            out.append(f"{t.source}: frame rate unknown; the motion matches {t.fps:g} fps best (pass --fps "
                       "to be sure)")
        if t.meta.get("upright_turns"):
            out.append(
                f"{t.source}: the person appears {_TURNED[t.meta['upright_turns']]}; its poses were "
                "turned upright (a camera on its side without a rotation tag?)"
            )
        if t.size_source == "extent":
            out.append(
                f"{t.source}: image size unknown, normalised by the pose extent "
                f"({t.width:.0f}x{t.height:.0f}; pass --size WxH or keep the video beside it)"
            )
    return out


def _decided(result: AlignmentResult, min_confidence: float | None) -> AlignmentResult:
    """``result`` with the threshold it is judged by (``min_confidence``, None: the default for its
    confidences' kind) recorded: the JSON names a pair's reason only below it; refused
    (:func:`_refuse_if_unsure`) when an input is below it."""
    result.min_confidence = default_threshold(result.pairs) if min_confidence is None else min_confidence
    _refuse_if_unsure(result, result.min_confidence)
    return result


def _refuse_if_unsure(result: AlignmentResult, min_confidence: float) -> None:
    """Raise :class:`CannotSynchronizeError` naming the reason (and, for repeated motion, the
    candidates) when an input's confidence is below ``min_confidence``."""
    from videosync.trust.assess import likely_candidates
    from videosync.trust.reasons import Reason, refusal_text

    unsure = [i for i in result.inputs[1:] if i.confidence < min_confidence]
    if not unsure:
        return
    worst = min(unsure, key=lambda i: i.confidence)
    index = result.inputs.index(worst)
    notes = [n for p in result.pairs if index in (p.a, p.b) and p.estimate is not None
             for n in getattr(p.estimate, "notes", [])]
    reason = Reason(worst.reason) if worst.reason else Reason.WEAK_EVIDENCE
    named = likely_candidates(worst.candidates)
    text = refusal_text(reason, [(c.offset_frames, c.probability) for c in named], notes)
    raise CannotSynchronizeError(
        f"{text} (confidence {worst.confidence:.2f} < {min_confidence:g}; best guess "
        f"{worst.offset_frames:+.1f} frames; --min-confidence 0 shows it anyway)",
        worst.path, reason=reason.value, candidates=[c.to_json() for c in named])


def trim(
    videos: Sequence[str | Path],
    out_dir: str | Path,
    *,
    offsets_frames: Sequence[float] | None = None,
    common_end: bool = False,
    overwrite: bool = False,
    fps: float | None = None,
    audio: bool = True,
    audio_reference: bool = False,
    progress: Callable[[int, int], None] | None = None,
    time_maps: Sequence[Any] | None = None,
    **align_options,
):
    """Write synchronized copies of ``videos`` into ``out_dir``.

    Offsets come from ``offsets_frames`` (one per video, the first 0) or, when None, from
    :func:`align` with ``align_options``; with ``audio_reference`` from the sound alone (the cut
    keeps lip sync; the pictures may then be off by the cameras' audio-video skew); with
    ``align_options["time_map"]`` the copies follow the time maps found (frames repeated where an
    input dropped some, see :mod:`videosync.video.timemap_trim`), as they do ``time_maps`` given
    (one per video).
    Returns ``(TrimResult, AlignmentResult | None)``.
    """
    from videosync.sync.timemap import input_time_map
    from videosync.video.writer import trim_videos

    alignment = None
    if offsets_frames is None:
        from videosync.sync.witness import audio_reference_options

        alignment = align(list(videos), **audio_reference_options(align_options, audio_reference))
        offsets_frames = [entry.offset_frames for entry in alignment.inputs]
        if align_options.get("time_map"):
            time_maps = [input_time_map(entry) for entry in alignment.inputs]
    elif len(offsets_frames) != len(videos):
        raise VideosyncError(f"need one offset per video: {len(videos)} videos, {len(offsets_frames)} offsets")
    result = trim_videos(
        list(videos), list(offsets_frames), out_dir, common_end=common_end, overwrite=overwrite,
        fps=fps, audio=audio, progress=progress, time_maps=time_maps,
    )
    return result, alignment

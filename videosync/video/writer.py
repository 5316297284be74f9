"""Write synchronized copies of videos: the engine of ``videosync trim``.

Given the offsets found by alignment, every copy starts at the same instant (and, on request,
ends at the same instant), cut at exact frame boundaries. Which frames: :mod:`.plan`; how they are
re-encoded with their audio: :mod:`.transcode`. This module owns the file-system promises:

* inputs are never modified, and an output that would land on an input is refused;
* nothing existing is replaced unless ``overwrite=True``, checked before any frame is written;
* all or nothing: every copy is written to a temporary name in the output folder, and only when
  all of them are complete are they renamed to their final names. A failure (or Ctrl-C) leaves no
  partial file behind.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from videosync.errors import VideoError, VideosyncError
from videosync.fileio import check_output, reported_as, temporary_beside
from videosync.video import transcode
from videosync.video.plan import FramePlan, TrimPlan, as_rate, plan_trim
from videosync.video.timemap_trim import REPEATED_JSON, MappedPlan, plan_time_maps, repeated_json, write_repeated

if TYPE_CHECKING:
    from videosync.sync.timemap import TimeMap

log = logging.getLogger(__name__)

Backend = Literal["auto", "pyav", "opencv"]


@dataclass(frozen=True)
class TrimmedVideo:
    """One synchronized copy."""

    input: Path
    output: Path
    first_frame: int  # first source frame used (0-based)
    n_frames: int  # frames written
    fps: float
    width: int  # upright size as written (rotation applied)
    height: int
    offset_frames: float  # as requested
    offset_frames_used: float  # as realised: rounded to a whole frame unless resampling
    has_audio: bool | None  # the input has an audio track (None: unknown, OpenCV backend)
    audio_kept: bool
    rotation: int = 0  # display rotation (degrees counter-clockwise) applied to the pixels

    @property
    def duration_seconds(self) -> float:
        return self.n_frames / self.fps


@dataclass(frozen=True)
class TrimResult:
    videos: list[TrimmedVideo]
    start_seconds: float  # common first instant; the reference's frame 0 is at 0 s
    backend: str  # "pyav" or "opencv"
    offsets_rounded: bool  # a fractional offset was rounded to the nearest frame
    resampled: bool  # frames were dropped/duplicated to reach a common frame rate
    audio_dropped: bool  # an input's audio was (or may have been) left out
    notes: list[str] = field(default_factory=list)
    #: with time maps: per copy, the frames that repeat the previous one (``repeated_frames.json``)
    repeated: dict | None = None


def output_paths(inputs: Sequence[Path], out_dir: Path) -> list[Path]:
    """``out_dir/<input name>.mp4``; a second ``cam.mp4`` (from another folder) becomes
    ``cam-2.mp4``. Names are compared case-insensitively, as macOS and Windows file systems do."""
    natural = [p.stem for p in inputs]
    taken: set[str] = set()
    names = []
    for i, stem in enumerate(natural):
        reserved = {s.casefold() for s in natural[i + 1 :]}
        name, n = stem, 1
        while name.casefold() in taken or (n > 1 and name.casefold() in reserved):
            n += 1
            name = f"{stem}-{n}"
        taken.add(name.casefold())
        names.append(out_dir / f"{name}.mp4")
    return names


def _check_outputs(inputs: list[Path], outputs: list[Path], overwrite: bool) -> None:
    for out in outputs:
        check_output(out, inputs=inputs, overwrite=overwrite, creates_folder=out.parent)


def _make_out_dir(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise VideosyncError(f"cannot create the output folder ({exc.strerror or exc})", out_dir) from exc
    if not out_dir.is_dir():
        raise VideosyncError("the output folder is not a folder", out_dir)


def _remove(paths: Sequence[Path]) -> None:
    for p in paths:
        try:
            p.unlink(missing_ok=True)
        except OSError:
            log.warning("could not remove %s", p)


def _choose_backend(backend: Backend) -> str:
    if backend == "opencv":
        return "opencv"
    if transcode.pyav_usable():
        return "pyav"
    if backend == "pyav":
        raise VideosyncError("PyAV with the libx264 and aac encoders is not available")
    log.warning("PyAV (with libx264) is not available: writing with OpenCV, without audio")
    return "opencv"


def trim_videos(
    inputs: Sequence[str | os.PathLike[str]],
    offsets_frames: Sequence[float],
    out_dir: str | os.PathLike[str],
    *,
    common_end: bool = False,
    overwrite: bool = False,
    fps: float | Fraction | None = None,
    progress: Callable[[int, int], None] | None = None,
    audio: bool = True,
    crf: int = 18,
    preset: str = "veryfast",
    backend: Backend = "auto",
    time_maps: Sequence[TimeMap] | None = None,
) -> TrimResult:
    """Write copies of ``inputs`` into ``out_dir`` that all start at the same instant.

    ``offsets_frames[i] = k`` means frame t of ``inputs[0]`` (the reference, offset 0) shows the
    same instant as frame t + k of ``inputs[i]``. Each copy begins at the latest start among the
    inputs; with ``common_end`` it also stops at the earliest end, so all copies have the same
    length. Copies keep each input's frame rate and (upright) size; inputs with different frame
    rates are refused unless ``fps`` names a common rate, to which every copy is then resampled
    by showing, at each output instant, the nearest source frame. Fractional offsets are rounded to
    the nearest frame (``offsets_rounded`` in the result) except when resampling, where the
    nearest-frame choice is made per output frame.

    Video is re-encoded (H.264, ``crf``, ``preset``, yuv420p) so cuts fall on exact frames; audio
    is cut to the same window at the sample and re-encoded as AAC (``audio=False`` leaves it out).
    Outputs are named after their input with suffix ``.mp4``; duplicates get ``-2``, ``-3``.
    ``progress(done, total)`` is called after every written frame (total over all copies).

    With ``time_maps`` (one per input, the reference's ignored) frame n of every copy shows the
    same instant even where an input dropped frames or drifts (:mod:`.timemap_trim`): frames are
    repeated where an input lost some, and the list of them is written beside the copies
    (``repeated_frames.json``, also ``TrimResult.repeated``); ``offsets_frames`` are then only reported.

    Raises :class:`VideosyncError` (before writing anything) for a missing input, an output that
    exists (without ``overwrite``) or would replace an input, an unusable output folder, or
    different frame rates without ``fps``; :class:`CannotSynchronizeError` when the offsets leave
    no common instant. On any failure no output file is left behind.
    """
    paths = _existing_inputs(inputs, offsets_frames)
    out_dir = Path(out_dir)
    out_fps = as_rate(fps) if fps is not None else None
    chosen = _choose_backend(backend)
    probe = transcode.probe_pyav if chosen == "pyav" else transcode.probe_opencv
    infos = [probe(p) for p in paths]
    plan, mapped = _plan(paths, infos, offsets_frames, time_maps, common_end, out_fps)
    outputs = output_paths(paths, out_dir)
    _check_outputs(paths, outputs + ([out_dir / REPEATED_JSON] if mapped else []), overwrite)
    _make_out_dir(out_dir)
    counter = _FrameCounter(sum(fp.n_frames for fp in plan.frames), progress)
    copy = _Copier(chosen, audio, crf, preset, common_end, counter)
    outcomes = _write_all(paths, outputs, plan, copy, overwrite)
    result = _trim_result(paths, outputs, offsets_frames, plan, outcomes, infos, chosen, out_fps)
    if mapped is not None:
        repeated = repeated_json(outputs, paths, mapped)
        write_repeated(out_dir / REPEATED_JSON, repeated)
        result = dataclasses.replace(result, repeated=repeated)
    return result


def _plan(paths: list[Path], infos: list[transcode.SourceInfo], offsets_frames: Sequence[float],
          time_maps: Sequence[TimeMap] | None, common_end: bool, out_fps: Fraction | None
          ) -> tuple[TrimPlan, MappedPlan | None]:
    """The frames of every copy: by one offset each (:func:`.plan.plan_trim`) or, with
    ``time_maps``, frame by frame (:func:`.timemap_trim.plan_time_maps`)."""
    names, counts, rates = [str(p) for p in paths], [i.n_frames for i in infos], [i.fps for i in infos]
    if time_maps is not None:
        mapped = plan_time_maps(counts, rates, list(time_maps), names, common_end=common_end)
        return mapped.plan, mapped
    return plan_trim(counts, rates, [float(k) for k in offsets_frames], names, common_end=common_end,
                     out_fps=out_fps), None


def _existing_inputs(inputs: Sequence[str | os.PathLike[str]], offsets_frames: Sequence[float]) -> list[Path]:
    """The inputs as paths, one offset each, every one an existing file."""
    paths = [Path(p) for p in inputs]
    if not paths:
        raise VideosyncError("no input videos given")
    if len(offsets_frames) != len(paths):
        raise VideosyncError(f"need one offset per input: {len(paths)} inputs, {len(offsets_frames)} offsets")
    for p in paths:
        if not p.is_file():
            raise VideoError("no such file" if not p.exists() else "not a file", p)
    return paths


@dataclass
class _FrameCounter:
    """Frames written over all copies, reported to ``progress`` (if any) after each one."""

    total: int
    progress: Callable[[int, int], None] | None
    done: int = 0

    def tick(self) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)


@dataclass(frozen=True)
class _Copier:
    """How each copy is written: the backend, audio, encoder settings, whether the copies must end
    together, and the frame counter."""

    backend: str
    audio: bool
    crf: int
    preset: str
    common_end: bool
    counter: _FrameCounter

    def __call__(self, src: Path, tmp: Path, fp: FramePlan) -> transcode.CopyOutcome:
        """Copy ``fp``'s frames of ``src`` into ``tmp``; a copy that ends early is an error only
        when the copies must end together."""
        if self.backend == "pyav":
            oc = transcode.copy_frames_pyav(src, tmp, fp, keep_audio=self.audio, crf=self.crf,
                                            preset=self.preset, on_frame=self.counter.tick)
        else:
            oc = transcode.copy_frames_opencv(src, tmp, fp, on_frame=self.counter.tick)
        if oc.n_frames < fp.n_frames:
            if self.common_end:
                raise VideoError(
                    f"its header announces more frames than could be decoded ({oc.n_frames} of "
                    f"the {fp.n_frames} needed from frame {fp.first_frame}), so the copies "
                    "cannot end together",
                    src,
                )
            log.warning("%s: only %d of %d frames could be decoded", src, oc.n_frames, fp.n_frames)
        return oc


def _write_all(paths: list[Path], outputs: list[Path], plan: TrimPlan, copy: _Copier, overwrite: bool
               ) -> list[transcode.CopyOutcome]:
    """Every copy into a temporary file, then all renamed into place; on any failure none is left
    behind (all or nothing; a replaced old file cannot be brought back). The temporary files are
    locked while this runs: a killed run's are removed by the next (:mod:`videosync.fileio`)."""
    renamed: list[Path] = []
    with contextlib.ExitStack() as held:
        temps = [held.enter_context(temporary_beside(out, ".mp4")) for out in outputs]
        try:
            outcomes = []
            for src, tmp, fp, out in zip(paths, temps, plan.frames, outputs):
                with reported_as(out):
                    outcomes.append(copy(src, tmp, fp))
            # all complete: now make them appear, and refuse again if something appeared meanwhile
            _check_outputs(paths, outputs, overwrite)
            for tmp, out in zip(temps, outputs):
                existed = out.exists()
                os.replace(tmp, out)
                if not existed:
                    renamed.append(out)
        except BaseException:
            _remove(renamed)
            raise
    return outcomes


def _trim_result(paths: list[Path], outputs: list[Path], offsets_frames: Sequence[float], plan: TrimPlan,
                 outcomes: list[transcode.CopyOutcome], infos: list[transcode.SourceInfo], chosen: str, out_fps: Fraction | None
                 ) -> TrimResult:
    """The written copies and what the user should know about them."""
    videos = [
        TrimmedVideo(input=src, output=out, first_frame=fp.first_frame, n_frames=oc.n_frames,
                     fps=float(fp.fps_out), width=oc.width, height=oc.height, offset_frames=float(k),
                     offset_frames_used=fp.offset_used, has_audio=info.has_audio, audio_kept=oc.audio_kept,
                     rotation=oc.rotation)
        for src, out, fp, oc, info, k in zip(paths, outputs, plan.frames, outcomes, infos, offsets_frames)
    ]
    audio_dropped = any(info.has_audio is not False and not oc.audio_kept for info, oc in zip(infos, outcomes))
    notes = []
    if plan.rounded:
        used = ", ".join(f"{k:g}->{fp.offset_used:g}" for k, fp in zip(offsets_frames, plan.frames))
        notes.append(f"fractional offsets were rounded to the nearest frame ({used})")
    if plan.resampled:
        notes.append(f"resampled to {float(out_fps):g} fps by nearest-time frame dropping/duplication")
    if chosen == "opencv":
        notes.append("written with OpenCV (PyAV unavailable): MPEG-4 video, audio not copied")
    elif audio_dropped:
        left_out = [str(v.input) for v in videos if v.has_audio and not v.audio_kept]
        notes.append("audio left out for: " + ", ".join(left_out))
    return TrimResult(videos, plan.start_seconds, chosen, plan.rounded, plan.resampled, audio_dropped, notes)

"""``estimate_poses``: a video in, the main subject's PoseTrack out (the library entry point)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from videosync.errors import NoPersonError, VideoError, VideosyncError
from videosync.estimate import cache as pose_cache
from videosync.estimate.registry import create_backend, expected_model, resolve_backend_name
from videosync.estimate.swaps import fix_left_right_swaps
from videosync.poses.subject import candidate_ranks, rank_tracks
from videosync.poses.track import PoseTrack
from videosync.video.probe import probe_video
from videosync.video.reader import VideoReader

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


def _frame_range(fps: float, n_frames: int, start: float | None, duration: float | None, path: Path):
    """``[start, stop)`` frames of a video for ``start``/``duration`` seconds (stop None: to the end)."""
    if start is not None and not start >= 0:
        raise VideosyncError(f"start must be >= 0 seconds, got {start}")
    if duration is not None and not duration > 0:
        raise VideosyncError(f"duration must be > 0 seconds, got {duration}")
    start_frame = int(round((start or 0.0) * fps))
    if n_frames > 0 and start_frame >= n_frames:
        raise VideoError(f"start {start:g} s is past the end of the video ({n_frames / fps:.2f} s)", path)
    stop_frame = None if duration is None else start_frame + max(1, int(round(duration * fps)))
    if stop_frame is not None and n_frames > 0 and stop_frame >= n_frames:
        stop_frame = None  # up to the end: same cache entry as "no duration"
    return start_frame, stop_frame


def estimate_poses(
    video_path: str | Path, *, backend: str = "auto", start: float | None = None, duration: float | None = None,
    person: int = 0, device: str | None = None, progress: Progress | None = None, cache: bool = True,
    pose_checkpoint: str | Path | None = None, stride: int = 1, max_people: int | None = None,
) -> PoseTrack:
    """Estimate the 2D pose of the video's main subject, frame by frame.

    Args:
        video_path: the video file.
        backend: "auto" (HRNet if installed with local weights, else MediaPipe), "mediapipe", "mmpose".
        start, duration: the part of the video to process, in seconds (default: all of it). Only
            those frames are decoded; the track's ``frame_index`` keeps the video's frame numbers.
        person: 0 = the most prominent person (largest and present longest), 1 = the next...
        device: torch device for the mmpose backend (default CUDA if available).
        progress: called with (frames done, frames expected) after every frame.
        cache: reuse / store the result in the pose cache (see :mod:`videosync.estimate.cache`).
        pose_checkpoint: HRNet weights file for the mmpose backend.
        stride: estimate every ``stride``-th frame only, from the start frame rounded down to a
            multiple of ``stride``: the result is a track at ``fps / stride`` whose frame ``n``
            is the video's frame ``n * stride`` (``meta["stride"]``, ``meta["source_fps"]``).
            A lower-rate track, not a full-rate one with gaps: matching needs evenly spaced rows.
        max_people: people the backend looks for per frame (None: its default). One is enough
            where nobody else is in the picture, and saves the search for a second one.

    Returns:
        A PoseTrack in the video's pixels (``size_source="video"``) with one row per frame in which
        the subject was found, sudden left/right swaps undone (:mod:`videosync.estimate.swaps`);
        ``meta`` says which backend and model made it and how many frames were undecodable,
        without the subject, or had a swap fixed.
    """
    path = Path(video_path)
    info = probe_video(path)
    start_frame, stop_frame, slot = _where(path, info, start, duration, person, stride, max_people, cache,
                                           resolve_backend_name(backend, pose_checkpoint), pose_checkpoint)
    hit = _from_cache(path, info, slot, person)
    if hit is not None:
        return hit
    found = _detect(path, info, _Frames(start_frame, stop_frame, stride), backend,
                    dict(device=device, pose_checkpoint=pose_checkpoint, max_people=max_people), progress)
    if slot is not None and slot.key is None:
        slot.key = found.backend_key
    found.meta = {
        **found.described, "backend_requested": backend,
        "video_sha256": slot.digest if slot else pose_cache.video_hash(path), "start_frame": start_frame,
        "stop_frame": stop_frame, **({"stride": stride, "source_fps": found.fps} if stride > 1 else {}),
        **found.meta,
    }
    track = found.person_track(person, path)
    if slot is not None and slot.key is not None:
        pose_cache.store(track, slot.path(person))
        # The other people who could be the subject are cached too: `align` may ask for them
        # (see videosync.subjects), and they cost nothing more now, a second pass later.
        for rank in candidate_ranks(track.meta.get("track_scores", [])):
            if rank != person:
                pose_cache.store(found.person_track(rank, path), slot.path(rank))
    return track


def cached_poses(
    video_path: str | Path, *, backend: str = "auto", start: float | None = None, duration: float | None = None,
    person: int = 0, pose_checkpoint: str | Path | None = None, stride: int = 1, max_people: int | None = None,
    **_ignored: Any,
) -> PoseTrack | None:
    """What :func:`estimate_poses` with these arguments would read from the pose cache, or None
    (nothing cached, or a backend whose model is only known once built): a caller that has the
    poses already need not start a worker for them."""
    path = Path(video_path)
    info = probe_video(path)
    name = resolve_backend_name(backend, pose_checkpoint)
    *_, slot = _where(path, info, start, duration, person, stride, max_people, True, name, pose_checkpoint)
    return _from_cache(path, info, slot, person)


def estimate_poses_many(
    jobs: Sequence[tuple[str | Path, dict[str, Any]]], *, progress: Callable[[str, int, int], None] | None = None,
) -> list[PoseTrack]:
    """:func:`estimate_poses` of several videos, ``(video, keyword arguments)`` each, the videos
    whose poses are not cached estimated at the same time in worker processes (one per core at
    most, :mod:`videosync.estimate.workers`), each fed by its own decoding thread.

    Why: one MediaPipe estimate holds one core for the whole frame, so videos estimated one
    after the other leave the other cores idle. With one video to estimate, or one core, it runs
    here. ``progress(video's file name, frames done, frames expected)``. The first failing job's
    error is raised (its class and path as :func:`estimate_poses` raises them).
    """
    from concurrent.futures import Future

    from videosync.estimate.workers import PoseJob, PosePool

    cached = [cached_poses(video, **options) if options.get("cache", True) else None for video, options in jobs]
    missing = sum(hit is None for hit in cached)
    futures: list[Future] = []
    with PosePool(missing, progress) as pool:
        for (video, options), hit in zip(jobs, cached):
            if hit is None:
                futures.append(pool.submit(PoseJob(str(video), Path(video).name, dict(options))))
            else:
                futures.append(Future())
                futures[-1].set_result(hit)
        return [future.result() for future in futures]


def _where(path: Path, info: Any, start: float | None, duration: float | None, person: int, stride: int,
           max_people: int | None, cache: bool, name: str, pose_checkpoint: str | Path | None):
    """The frames asked for (the start on the stride) and their cache slot (None: no cache)."""
    if person < 0:
        raise VideosyncError(f"person must be >= 0, got {person}")
    if stride < 1:
        raise VideosyncError(f"stride must be >= 1, got {stride}")
    start_frame, stop_frame = _frame_range(info.fps, info.n_frames, start, duration, path)
    start_frame -= start_frame % stride
    slot = _CacheSlot(pose_cache.video_hash(path), start_frame, stop_frame, stride, max_people) if cache else None
    if slot is not None:
        slot.key = _expected_key(name, pose_checkpoint)
    return start_frame, stop_frame, slot


def _from_cache(path: Path, info: Any, slot: _CacheSlot | None, person: int) -> PoseTrack | None:
    """The cached poses, when an entry exists and describes this video and these frames."""
    if slot is None or slot.key is None:
        return None
    hit = pose_cache.load_cached(slot.path(person), pose_cache.VideoRange(
        slot.digest, info, slot.start_frame, slot.stop_frame, slot.stride))
    if hit is not None:
        log.info("%s: poses from the cache (%s)", path, slot.path(person))
        hit.source = str(path)
        hit.meta["cache"] = str(slot.path(person))
    return hit


@dataclass
class _CacheSlot:
    """Where a video's poses are cached: its hash, the frame range, and the (backend, model) that
    names the entry (None until known: from the checkpoint, else once the backend is made)."""

    digest: str
    start_frame: int
    stop_frame: int | None
    stride: int = 1
    max_people: int | None = None
    key: tuple[str, str] | None = None

    def path(self, rank: int) -> Path:
        return pose_cache.cache_path(self.digest, *self.key, self.start_frame, self.stop_frame, rank,
                                     self.stride, self.max_people)


@dataclass(frozen=True)
class _Frames:
    """Which frames are estimated: ``[start, stop)`` (None: to the end), every ``stride``-th."""

    start: int
    stop: int | None
    stride: int = 1


def _expected_key(name: str, pose_checkpoint: str | Path | None) -> tuple[str, str] | None:
    model = expected_model(name, pose_checkpoint)
    return None if model is None else (name, model)


@dataclass
class _Detections:
    """Everyone the backend found in the decoded frames (``decoded``: their frame numbers at the
    track's rate, the video's divided by ``stride``), ranked into people once; the backend's
    description and the decoding counts for ``meta``."""

    decoded: np.ndarray
    people: list[np.ndarray]
    ranked: Any
    fps: float
    size: tuple[int, int]
    backend_key: tuple[str, str]
    described: dict[str, Any]
    meta: dict[str, Any]
    stride: int = 1

    def person_track(self, rank: int, path: Path) -> PoseTrack:
        """The ``rank``-th most prominent person's track, left/right swaps undone."""
        try:
            choice = self.ranked.choose(rank)
        except ValueError as exc:
            raise VideoError(f"person {rank} not found ({exc})", path) from None
        subject = np.asarray(choice.keypoints, dtype=np.float32)
        keep = (subject[..., 2] > 0).any(axis=1)
        if not keep.any():
            raise NoPersonError(f"no person detected in {len(self.people)} frames", path)
        frame_index = self.decoded[keep]
        keypoints, n_swapped = fix_left_right_swaps(subject[keep], frame_index)
        meta = {**self.meta, "person": rank, "frames_without_subject": int((~keep).sum()),
                "left_right_swaps_fixed": n_swapped, **choice.meta()}
        return PoseTrack(keypoints=keypoints, fps=self.fps / self.stride, width=self.size[0], height=self.size[1],
                         frame_index=frame_index, source=str(path), size_source="video", meta=meta)


def _channels(est: Any) -> str:
    """The pixel layout the backend wants; one that does not say gets the interface's default."""
    from videosync.estimate.base import PoseBackend

    return getattr(est, "channels", PoseBackend.channels)


def _detect(path: Path, info: Any, span: _Frames, backend: str, options: dict[str, Any],
            progress: Progress | None) -> _Detections:
    """Run the pose backend (built with ``options``) over the frames ``span`` of the video."""
    with create_backend(backend, **options) as est:
        stop = span.stop if span.stop is not None else max(info.n_frames, span.start + 1)
        total = -(-(stop - span.start) // span.stride)
        indices: list[int] = []
        people: list[np.ndarray] = []
        size: list[tuple[int, int]] = []  # of the first decoded frame
        with VideoReader(path, span.start, span.stop, step=span.stride, channels=_channels(est)) as reader:

            def frames():
                for frame in reader:
                    if not size:
                        size.append((frame.image.shape[1], frame.image.shape[0]))
                    yield frame

            for index, found in est.estimate(frames(), info):
                indices.append(index)
                people.append(found)
                if progress is not None:
                    progress(len(indices), max(total, len(indices)))
            n_corrupt, fps = reader.n_corrupt, reader.fps
        described, key = est.describe(), (est.name, est.model)
    # rows numbered at the track's own rate: subject tracking and the swap check see consecutive
    # frames where every stride-th frame was estimated, not gaps
    decoded = np.asarray(indices, dtype=np.int64) // span.stride
    counts = {"frames_decoded": len(indices), "frames_corrupt": n_corrupt,
              "max_people_per_frame": int(max((len(p) for p in people), default=0))}
    try:
        ranked = rank_tracks(people, decoded)  # once, for every person asked for
    except (IndexError, ValueError):
        raise NoPersonError(f"no person detected in {len(people)} frames", path) from None
    return _Detections(decoded, people, ranked, fps, size[0] if size else (info.width, info.height), key,
                       described, counts, span.stride)

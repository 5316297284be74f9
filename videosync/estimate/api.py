"""``estimate_poses``: a video in, the main subject's PoseTrack out (the library entry point)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np

from videosync.errors import VideoError, VideosyncError
from videosync.estimate import cache as pose_cache
from videosync.estimate.registry import create_backend, expected_model, resolve_backend_name
from videosync.estimate.swaps import fix_left_right_swaps
from videosync.poses.track import PoseTrack
from videosync.video.probe import probe_video
from videosync.video.reader import VideoReader

from videosync.poses.subject import candidate_ranks, rank_tracks

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


def _frame_range(fps: float, n_frames: int, start: float | None, duration: float | None, path: Path):
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
    video_path: str | Path,
    *,
    backend: str = "auto",
    start: float | None = None,
    duration: float | None = None,
    person: int = 0,
    device: str | None = None,
    progress: Progress | None = None,
    cache: bool = True,
    pose_checkpoint: str | Path | None = None,
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

    Returns:
        A PoseTrack in the video's pixels (``size_source="video"``) with one row per frame in which
        the subject was found, sudden left/right swaps undone (:mod:`videosync.estimate.swaps`);
        ``meta`` says which backend and model made it and how many frames were undecodable,
        without the subject, or had a swap fixed.
    """
    path = Path(video_path)
    info = probe_video(path)
    if person < 0:
        raise VideosyncError(f"person must be >= 0, got {person}")
    start_frame, stop_frame = _frame_range(info.fps, info.n_frames, start, duration, path)
    name = resolve_backend_name(backend, pose_checkpoint)

    key: tuple[str, str] | None = None  # (backend, model) naming the cache entries

    def entry_for(rank: int) -> Path:
        return pose_cache.cache_path(digest, *key, start_frame, stop_frame, rank)

    if cache:
        digest = pose_cache.video_hash(path)
        model = expected_model(name, pose_checkpoint)
        if model is not None:
            key = (name, model)
            entry = entry_for(person)
            hit = pose_cache.load_cached(entry)
            if hit is not None:
                log.info("%s: poses from the cache (%s)", path, entry)
                hit.source = str(path)
                hit.meta["cache"] = str(entry)
                return hit

    with create_backend(backend, device=device, pose_checkpoint=pose_checkpoint) as est:
        if cache and key is None:
            key = (est.name, est.model)
        total = (stop_frame if stop_frame is not None else max(info.n_frames, start_frame + 1)) - start_frame
        indices: list[int] = []
        people: list[np.ndarray] = []
        size: tuple[int, int] | None = None
        with VideoReader(path, start_frame, stop_frame) as reader:

            def frames():
                nonlocal size
                for frame in reader:
                    if size is None:
                        size = (frame.image.shape[1], frame.image.shape[0])
                    yield frame

            for index, found in est.estimate(frames(), info):
                indices.append(index)
                people.append(found)
                if progress is not None:
                    progress(len(indices), max(total, len(indices)))
            n_corrupt, fps = reader.n_corrupt, reader.fps
        described = est.describe()

    common = {
        **described,
        "backend_requested": backend,
        "video_sha256": digest if cache else pose_cache.video_hash(path),
        "start_frame": start_frame,
        "stop_frame": stop_frame,
        "frames_decoded": len(indices),
        "frames_corrupt": n_corrupt,
        "max_people_per_frame": int(max((len(p) for p in people), default=0)),
    }
    width, height = size if size is not None else (info.width, info.height)
    decoded = np.asarray(indices, dtype=np.int64)
    try:
        ranked = rank_tracks(people, decoded)  # once, for every person asked for below
    except (IndexError, ValueError):
        raise VideoError(f"no person detected in {len(people)} frames", path) from None

    def person_track(rank: int) -> PoseTrack:
        try:
            choice = ranked.choose(rank)
        except ValueError as exc:
            raise VideoError(f"person {rank} not found ({exc})", path) from None
        subject = np.asarray(choice.keypoints, dtype=np.float32)
        keep = (subject[..., 2] > 0).any(axis=1)
        if not keep.any():
            raise VideoError(f"no person detected in {len(people)} frames", path)
        frame_index = decoded[keep]
        keypoints, n_swapped = fix_left_right_swaps(subject[keep], frame_index)
        meta = {**common, "person": rank, "frames_without_subject": int((~keep).sum()),
                "left_right_swaps_fixed": n_swapped, **choice.meta()}
        return PoseTrack(keypoints=keypoints, fps=fps, width=width, height=height, frame_index=frame_index,
                         source=str(path), size_source="video", meta=meta)

    track = person_track(person)
    if cache and key is not None:
        pose_cache.store(track, entry_for(person))
        # The other people who could be the subject are cached too: `align` may ask for them
        # (see videosync.subjects), and they cost nothing more now, a second pass later.
        for rank in candidate_ranks(track.meta.get("track_scores", [])):
            if rank != person:
                pose_cache.store(person_track(rank), entry_for(rank))
    return track

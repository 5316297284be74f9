"""One entry point for every pose file the tool accepts, so callers never branch on format."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import replace
from pathlib import Path

from videosync.errors import PoseFileError
from videosync.poses.limits import check_fps, check_image_size
from videosync.poses.npz import load_npz
from videosync.poses.openpose import load_openpose_dir
from videosync.poses.track import PoseTrack

NOT_A_POSE_FILE = "not a pose file: expected .npz or a folder of OpenPose .json files"

#: The tracks read inside :func:`reading_once`, by path and options (None outside one).
_READ: ContextVar[dict[tuple, PoseTrack] | None] = ContextVar("videosync_poses_read", default=None)


@contextlib.contextmanager
def reading_once() -> Iterator[None]:
    """Inside the block :func:`load_poses` reads each input with the same options once: a command
    that aligns pose files and then writes them (``sync-poses``) parses a folder of thousands of
    JSON files once. A block inside another shares its reads."""
    if _READ.get() is not None:
        yield
        return
    token = _READ.set({})
    try:
        yield
    finally:
        _READ.reset(token)


def load_poses(
    path: str | Path,
    *,
    fps: float | None = None,
    size: tuple[float, float] | None = None,
    layout: str | None = None,
    person: int = 0,
) -> PoseTrack:
    """Load a ``.npz`` (videosync's own) or a folder of OpenPose ``.json`` files.

    ``fps`` and ``size`` override the stored or inferred values (for a ``.npz`` too, then
    ``size_source`` becomes ``"given"``); ``layout`` and ``person`` only apply to OpenPose folders,
    whose files hold every detected person in one of several layouts.
    Raises PoseFileError (one line naming the path) for anything that is not a usable pose file.
    """
    read = _READ.get()
    key = (str(Path(path).absolute()), fps, None if size is None else tuple(size), layout, person)
    if read is not None and key in read:
        return read[key]
    track = _load(Path(path), fps=fps, size=size, layout=layout, person=person)
    if read is not None:
        read[key] = track
    return track


def _load(path: Path, *, fps: float | None, size: tuple[float, float] | None, layout: str | None,
          person: int) -> PoseTrack:
    """:func:`load_poses` from the file."""
    if not path.exists():
        raise PoseFileError("no such file or folder", path)
    fps = None if fps is None else check_fps(fps, path)
    size = None if size is None else check_image_size(*size, path)
    if path.is_dir():
        entries = list(path.iterdir())
        if not entries:
            raise PoseFileError("empty folder", path)
        if not any(p.suffix.lower() == ".json" for p in entries):
            raise PoseFileError(NOT_A_POSE_FILE, path)
        return load_openpose_dir(path, fps=fps, size=size, layout=layout, person=person)
    if path.suffix.lower() != ".npz":
        raise PoseFileError(NOT_A_POSE_FILE, path)
    track = load_npz(path)
    if track.n_valid == 0:
        raise PoseFileError("no frame has a valid joint", path)
    if fps is None and size is None:
        return track
    changes: dict = {"meta": {**track.meta, "fps_source": "given"} if fps is not None else dict(track.meta)}
    if fps is not None:
        changes["fps"] = fps
    if size is not None:
        changes.update(width=float(size[0]), height=float(size[1]), size_source="given")
    return replace(track, **changes)

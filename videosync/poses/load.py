"""One entry point for every pose file the tool accepts, so callers never branch on format."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from videosync.errors import PoseFileError
from videosync.poses.limits import check_fps, check_image_size
from videosync.poses.npz import load_npz
from videosync.poses.openpose import load_openpose_dir
from videosync.poses.track import PoseTrack

NOT_A_POSE_FILE = "not a pose file: expected .npz or a folder of OpenPose .json files"


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
    path = Path(path)
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

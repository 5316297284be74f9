"""The native pose file: one PoseTrack in a compressed ``.npz``.

Written atomically (temporary name in the target folder, then rename) so an interrupted run never
leaves a truncated pose file that a later run would trust as a cache.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

from videosync.errors import PoseFileError
from videosync.fileio import atomic_path
from videosync.poses.track import PoseTrack

FORMAT_VERSION = 1


def save_npz(track: PoseTrack, path: str | Path) -> Path:
    """Write ``track`` to ``path`` (a ``.npz``), atomically."""
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez_compressed(
            tmp,
            keypoints=track.keypoints.astype(np.float32),
            frame_index=track.frame_index.astype(np.int64),
            fps=np.float64(track.fps),
            size=np.array([track.width, track.height], dtype=np.float64),
            size_source=np.array(track.size_source),
            meta=np.array(json.dumps(track.meta, default=str)),
            format_version=np.int64(FORMAT_VERSION),
        )
    return path


def load_npz(path: str | Path) -> PoseTrack:
    """Read a ``.npz`` written by :func:`save_npz`; every failure is a one-line PoseFileError."""
    path = Path(path)
    if not path.exists():
        raise PoseFileError("no such file", path)
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = {"keypoints", "fps", "size"} - set(data.files)
            if missing:
                raise PoseFileError(f"not a videosync pose file (missing {', '.join(sorted(missing))})", path)
            keypoints = data["keypoints"]
            frame_index = data["frame_index"] if "frame_index" in data.files else None
            fps = float(data["fps"])
            width, height = (float(v) for v in data["size"])
            size_source = str(data["size_source"]) if "size_source" in data.files else "file"
            meta = json.loads(str(data["meta"])) if "meta" in data.files else {}
    except PoseFileError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise PoseFileError(f"unreadable pose file ({exc.__class__.__name__}: {exc})", path) from None
    if len(keypoints) == 0:
        raise PoseFileError("the pose file holds no frames", path)
    return PoseTrack(
        keypoints=keypoints,
        fps=fps,
        width=width,
        height=height,
        frame_index=frame_index,
        source=str(path),
        size_source=size_source,
        meta=meta,
    )

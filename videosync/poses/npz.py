"""The native pose file: one PoseTrack in a compressed ``.npz``.

Written atomically (temporary name in the target folder, then rename) so an interrupted run never
leaves a truncated pose file that a later run would trust as a cache. Read with every value
checked (:mod:`videosync.poses.limits`) and nothing unpickled: a pose file is data from outside.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np

from videosync.errors import PoseFileError
from videosync.fileio import write_bytes
from videosync.poses.layouts import NUM_JOINTS
from videosync.poses.limits import check_fps, check_frame_numbers, check_image_size, memory_budget
from videosync.poses.track import SIZE_SOURCES, PoseTrack

FORMAT_VERSION = 1


def npz_path(path: str | Path) -> Path:
    """``path``, with ``.npz`` appended unless it ends so (numpy's rule, which :func:`save_npz` keeps)."""
    path = Path(path)
    return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")


def save_npz(track: PoseTrack, path: str | Path) -> Path:
    """Write ``track`` to ``path`` (a ``.npz``), atomically."""
    path = npz_path(path)
    data = io.BytesIO()  # in memory first: a full disk is then one OSError, not the zip writer's own failure
    np.savez_compressed(
        data,
        keypoints=track.keypoints.astype(np.float32),
        frame_index=track.frame_index.astype(np.int64),
        fps=np.float64(track.fps),
        size=np.array([track.width, track.height], dtype=np.float64),
        size_source=np.array(track.size_source),
        meta=np.array(json.dumps(track.meta, default=str)),
        format_version=np.int64(FORMAT_VERSION),
    )
    return write_bytes(path, data)


def load_npz(path: str | Path) -> PoseTrack:
    """Read a ``.npz`` written by :func:`save_npz`, checking every value before it is used; every
    failure is a one-line PoseFileError (nothing in the file is unpickled)."""
    path = Path(path)
    if not path.is_file():
        raise PoseFileError("no such file" if not path.exists() else "not a file", path)
    if path.stat().st_size == 0:
        raise PoseFileError("empty file (0 bytes)", path)
    arrays = _read_arrays(path)
    missing = {"keypoints", "fps", "size"} - set(arrays)
    if missing:
        raise PoseFileError(f"not a videosync pose file (missing {', '.join(sorted(missing))})", path)
    version = _scalar(arrays, "format_version", path, default=FORMAT_VERSION)
    if not isinstance(version, (int, np.integer)) or not 1 <= int(version) <= FORMAT_VERSION:
        raise PoseFileError(f"unsupported pose file version {version!r} (this videosync reads <= {FORMAT_VERSION})", path)
    keypoints = _keypoints(arrays["keypoints"], path)
    frame_index = arrays.get("frame_index", np.arange(len(keypoints)))
    frame_index = check_frame_numbers(frame_index, len(keypoints), path)
    size = arrays["size"]
    if size.shape != (2,):
        raise PoseFileError(f"size must hold (width, height), holds shape {size.shape}", path)
    width, height = check_image_size(size[0], size[1], path)
    size_source = str(_scalar(arrays, "size_source", path, default="file"))
    if size_source not in SIZE_SOURCES:
        raise PoseFileError(f"unknown size_source {size_source!r}", path)
    try:
        meta = json.loads(str(_scalar(arrays, "meta", path, default="{}")))
    except json.JSONDecodeError as exc:
        raise PoseFileError(f"meta is not JSON ({exc})", path) from None
    if not isinstance(meta, dict):
        raise PoseFileError(f"meta is a JSON {type(meta).__name__}, not an object", path)
    return PoseTrack(keypoints=keypoints, fps=check_fps(_scalar(arrays, "fps", path), path), width=width,
                     height=height, frame_index=frame_index, source=str(path), size_source=size_source, meta=meta)


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    """Every array of the file, after checking that they fit in memory (a few bytes of a zip can
    announce terabytes)."""
    try:
        with zipfile.ZipFile(path) as archive:
            announced = sum(info.file_size for info in archive.infolist())
        if announced > memory_budget():
            raise PoseFileError(f"holds {announced / 2**30:.1f} GiB of arrays, more than this machine can give", path)
        with np.load(path, allow_pickle=False) as data:
            return {name: data[name] for name in data.files}
    except PoseFileError:
        raise
    except ValueError as exc:
        if "pickle" in str(exc):  # numpy's advice to allow pickles is not ours to give
            raise PoseFileError("holds Python objects, which are never loaded (not a videosync pose file)", path) from None
        raise PoseFileError(f"unreadable pose file ({exc.__class__.__name__}: {_first_line(exc)})", path) from None
    except Exception as exc:  # noqa: BLE001 - numpy and zipfile raise many kinds on damaged bytes
        raise PoseFileError(f"unreadable pose file ({exc.__class__.__name__}: {_first_line(exc)})", path) from None


def _scalar(arrays: dict[str, np.ndarray], name: str, path: Path, default: object = None) -> object:
    if name not in arrays:
        return default
    value = arrays[name]
    if value.shape != () or value.dtype.kind not in "iufUSb":
        raise PoseFileError(f"{name} must be a single number or text, holds shape {value.shape} of {value.dtype}", path)
    return value.item()


def _keypoints(value: np.ndarray, path: Path) -> np.ndarray:
    """``(T, 17, 3)`` float32, T >= 1; a joint with a non-finite value is missing (score 0)."""
    if value.ndim != 3 or value.shape[1:] != (NUM_JOINTS, 3) or value.dtype.kind not in "iuf":
        raise PoseFileError(f"keypoints must be numbers of shape (T, {NUM_JOINTS}, 3), got {value.shape} of {value.dtype}", path)
    if len(value) == 0:
        raise PoseFileError("the pose file holds no frames", path)
    with np.errstate(over="ignore", invalid="ignore"):
        kp = value.astype(np.float32)
    kp[~np.isfinite(kp).all(axis=-1)] = 0.0
    return kp


def _first_line(exc: BaseException, limit: int = 160) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."

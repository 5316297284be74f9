"""Cache of estimated poses, keyed by the video's content, so a second run skips pose estimation.

Layout: ``<root>/poses/<sha256 of the video's bytes, 32 hex>-<backend>-<model>-<range>-p<person>-v<FORMAT>.npz``
where ``<root>`` is ``$VIDEOSYNC_CACHE_DIR``, else ``$XDG_CACHE_HOME/videosync``, else
``~/.cache/videosync``.

Why the full content hash and not the path or mtime: the same clip under another name or copied
elsewhere must hit, and a re-encoded or trimmed file with the same name must miss. Hashing reads
the whole file once (about 1 s per GB), far cheaper than estimating its poses; the result is
remembered per (path, size, mtime) for the rest of the process. The model part of the key names
the weights (e.g. the checkpoint's hash), so new weights never reuse old poses. Entries are
written with :func:`save_npz` (temporary file + rename): an interrupted run never leaves a
truncated entry that a later run would trust. An entry is used only when it says it was made from
this video and frame range and agrees with the video's header (:func:`load_cached`); any other is
estimated again and replaced.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

from videosync.errors import OutputError, PoseFileError
from videosync.poses.npz import load_npz, save_npz
from videosync.poses.track import PoseTrack
from videosync.video.probe import VideoInfo

log = logging.getLogger(__name__)

#: Bumped whenever the same video and model would give different poses (how frames are numbered,
#: decoded or tracked), so that entries made by an older videosync are not reused.
#: 2: frames numbered at the nominal rate (variable-frame-rate files with dropped frames).
#: 3: subject tracking links a person across left/right label swaps.
FORMAT = 3

_HASHES: dict[tuple[str, int, int], str] = {}
#: A header's frame count may fall short of the frames decoded (variable frame rate, a damaged
#: index); an entry's frames may pass it by this factor before the entry is taken for another video's.
_HEADER_SLACK = 1.1


def cache_root() -> Path:
    """The folder for everything videosync caches (poses, downloaded models)."""
    env = os.environ.get("VIDEOSYNC_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "videosync"


def _hash_key(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return str(path.resolve()), st.st_size, st.st_mtime_ns


def known_hash(path: str | Path) -> str | None:
    """The digest :func:`video_hash` would return, if this process already knows it (else None)."""
    return _HASHES.get(_hash_key(Path(path)))


def remember_hash(path: str | Path, digest: str) -> None:
    """Tell this process a file's digest, computed elsewhere (a pose worker): hashing a long
    video reads all of it, once per process is enough."""
    _HASHES[_hash_key(Path(path))] = digest


def video_hash(path: str | Path, chunk: int = 1 << 20) -> str:
    """sha256 hex digest of the file's bytes."""
    path = Path(path)
    key = _hash_key(path)
    if key not in _HASHES:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            while block := f.read(chunk):
                h.update(block)
        _HASHES[key] = h.hexdigest()
    return _HASHES[key]


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.@_+]+", "_", text)


def cache_path(
    digest: str, backend: str, model: str, start_frame: int, stop_frame: int | None, person: int,
    stride: int = 1, max_people: int | None = None,
) -> Path:
    """Where the track for these exact settings is (or would be) cached (``stride``: every k-th
    frame; ``max_people``: a backend limited to that many people, None for its default)."""
    span = f"f{start_frame}-{'end' if stop_frame is None else stop_frame}"
    span += (f"-s{stride}" if stride > 1 else "") + (f"-m{max_people}" if max_people is not None else "")
    name = f"{digest[:32]}-{_safe(backend)}-{_safe(model)}-{span}-p{person}-v{FORMAT}.npz"
    return cache_root() / "poses" / name


@dataclass(frozen=True)
class VideoRange:
    """What an entry must describe to be used: the video (its content hash and probed header) and
    the frame range that was estimated."""

    digest: str
    info: VideoInfo
    start_frame: int
    stop_frame: int | None
    stride: int = 1  # every stride-th frame was estimated: a track at fps / stride


def load_cached(path: Path, video: VideoRange | None = None) -> PoseTrack | None:
    """The cached track, or None if absent, unreadable or not of the video ``video`` names (a bad
    entry is a miss, estimated again and replaced, not an error)."""
    if not path.is_file():
        return None
    try:
        track = load_npz(path)
    except PoseFileError as exc:
        log.warning("ignoring unreadable pose cache entry: %s", exc)
        return None
    problem = _mismatch(track, video) if video is not None else None
    if problem:
        log.warning("ignoring pose cache entry %s: %s", path, problem)
        return None
    return track


def _mismatch(track: PoseTrack, video: VideoRange) -> str | None:
    """Why ``track`` is not the poses of ``video``'s video and frames, or None when it is."""
    m, info = track.meta, video.info
    if m.get("video_sha256") != video.digest:
        return "made from another video"
    if (m.get("start_frame"), m.get("stop_frame")) != (video.start_frame, video.stop_frame):
        return f"made for frames {m.get('start_frame')}-{m.get('stop_frame')}"
    if sorted((track.width, track.height)) != sorted((float(info.width), float(info.height))):
        return f"made for {track.width:g}x{track.height:g} frames, the video's are {info.width}x{info.height}"
    if not math.isclose(track.fps, info.fps / video.stride, rel_tol=1e-6):
        return f"made at {track.fps:g} fps, the video is {info.fps:g} fps"
    last = video.stop_frame if video.stop_frame is not None else max(info.n_frames, 1) * _HEADER_SLACK
    # a strided track numbers its rows at its own rate: row n is the video's frame n * stride
    first, final = int(track.frame_index[0]) * video.stride, int(track.frame_index[-1]) * video.stride
    if first < video.start_frame or final >= last:
        return f"frames {first}-{final} lie outside the video's"
    return None


def store(track: PoseTrack, path: Path) -> Path | None:
    """Write ``track`` to the cache; a cache that cannot be written only costs a later re-run."""
    try:
        return save_npz(track, path)
    except (OSError, OutputError) as exc:
        log.warning("cannot write the pose cache %s (%s)", path, exc)
        return None

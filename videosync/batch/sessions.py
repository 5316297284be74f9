"""Which sessions a batch synchronizes, and which inputs each one has.

A session is a recording of one take by several cameras: two or more videos, pose files
(``.npz``) or OpenPose JSON folders. They are found in one of three ways:

- a folder of sessions: every sub-folder is a session holding its inputs, directly or one level
  down (Pose2Sim keeps ``videos/cam01.mp4`` beside ``pose/cam01_json``);
- a glob pattern matching session folders (``/data/2024-*/trial*``);
- a CSV file with a ``path`` column: one session folder per row; with a ``session`` column too,
  the rows of one session name its inputs (or its one folder). Relative paths are relative to
  the CSV file.

Pose data is preferred to the video it was computed from: a video is left out when an OpenPose
folder of the session was made from it (:func:`~videosync.poses.openpose.find_video`) or a
``.npz`` has its name, so a session of ``cam01.mp4`` and ``cam01_json`` is one input, not two.
The first input in natural order (``cam2`` before ``cam10``) is the reference.
"""

from __future__ import annotations

import csv
import glob
import os
import re
from dataclasses import dataclass
from pathlib import Path

from videosync.errors import VideosyncError
from videosync.poses.openpose import find_video
from videosync.video.probe import is_video_path


@dataclass(frozen=True)
class Session:
    """One session: a unique ``name`` (also its result's file name), its inputs, its folder."""

    name: str
    inputs: tuple[Path, ...]
    folder: Path | None = None

    def label(self, path: str | Path) -> str:
        """How an input is named in the results table: relative to the session folder."""
        path = Path(path)
        if self.folder is not None:
            try:
                return path.relative_to(self.folder).as_posix()
            except ValueError:
                pass
        return path.name


def natural_key(text: str) -> list:
    """Sort key under which ``cam2`` comes before ``cam10``."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", text)]


def _is_pose_folder(path: Path) -> bool:
    with os.scandir(path) as it:
        return any(e.name.lower().endswith(".json") and e.is_file() for e in it)


def _candidates(folder: Path) -> list[Path]:
    """Videos, ``.npz`` files and OpenPose folders in ``folder`` (not hidden)."""
    out = []
    for entry in sorted(folder.iterdir(), key=lambda p: natural_key(p.name)):
        if entry.name.startswith("."):
            continue
        if entry.is_dir() and _is_pose_folder(entry):
            out.append(entry)
        elif entry.is_file() and (is_video_path(entry) or entry.suffix.lower() == ".npz"):
            out.append(entry)
    return out


def session_inputs(folder: Path) -> list[Path]:
    """The inputs of one session folder (see the module docstring), reference first."""
    found = _candidates(folder)
    for sub in sorted(folder.iterdir(), key=lambda p: natural_key(p.name)):
        if sub.is_dir() and not sub.name.startswith(".") and sub not in found:
            found += _candidates(sub)
    videos = [p for p in found if is_video_path(p)]
    shadowed = {find_video(p) for p in found if p.is_dir()}
    shadowed |= {v for v in videos for p in found if p.suffix.lower() == ".npz" and p.stem == v.stem}
    shadowed = {p.resolve() for p in shadowed if p is not None}
    kept = [p for p in found if not (is_video_path(p) and p.resolve() in shadowed)]
    return sorted(kept, key=lambda p: natural_key(p.relative_to(folder).as_posix()))


def _names(folders: list[Path]) -> list[str]:
    """Unique names: each folder relative to the folders' common parent."""
    if len(folders) <= 1:
        return [f.name for f in folders]
    common = Path(os.path.commonpath([str(f) for f in folders]))
    return [f.relative_to(common).as_posix() for f in folders]


def _from_folders(folders: list[Path]) -> tuple[list[Session], list[Path]]:
    folders = [f.resolve() for f in folders]
    sessions, empty = [], []
    for folder, name in zip(folders, _names(folders)):
        inputs = session_inputs(folder)
        if inputs:
            sessions.append(Session(name, tuple(inputs), folder))
        else:
            empty.append(folder)
    return sessions, empty


def _from_csv(path: Path) -> tuple[list[Session], list[Path]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise VideosyncError(f"cannot read the session list ({exc})", path) from None
    if not rows or "path" not in rows[0]:
        raise VideosyncError("a session list needs a header with a 'path' column (and optionally 'session')", path)
    items = [(path.parent / (row["path"] or "").strip()).resolve() for row in rows]
    if "session" not in rows[0]:  # one session folder per row
        return _from_folders(items)
    groups: dict[str, list[Path]] = {}
    for row, item in zip(rows, items):
        groups.setdefault((row["session"] or "").strip() or item.name, []).append(item)
    sessions, empty = [], []
    for name, paths in groups.items():
        if len(paths) == 1 and paths[0].is_dir() and not _is_pose_folder(paths[0]):
            found, none = _from_folders(paths)
            sessions += [Session(name, s.inputs, s.folder) for s in found]
            empty += none
        else:
            sessions.append(Session(name, tuple(paths)))
    return sessions, empty


def discover_sessions(source: str | Path) -> tuple[list[Session], list[Path]]:
    """Sessions from a folder of session folders, a glob pattern or a CSV list.

    Returns ``(sessions sorted by name, folders left out because they hold no inputs)``.
    """
    text = str(source)
    path = Path(text).expanduser()
    if path.suffix.lower() == ".csv" and path.is_file():
        sessions, empty = _from_csv(path)
    elif path.is_dir():
        subs = [p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")]
        sessions, empty = _from_folders(subs)
    elif glob.has_magic(text):
        sessions, empty = _from_folders([Path(p) for p in glob.glob(os.path.expanduser(text)) if Path(p).is_dir()])
    else:
        raise VideosyncError("no such folder, glob pattern or .csv session list", text)
    return sorted(sessions, key=lambda s: natural_key(s.name)), empty

"""Finding multi-view recordings and evaluation pairs in a folder of pose files.

Two layouts are understood, so users can train on their own recordings without our synth tool:
- a ``manifest.json`` as written by ``videosync synth`` (recordings with their views and split,
  evaluation pairs with their true offset), or
- plain folders: every sub-folder holding two or more ``.npz`` pose files is one recording whose
  files are synchronized views of the same moment.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from videosync.errors import PoseFileError

#: The file that lists a folder's recordings and evaluation pairs.
MANIFEST = "manifest.json"
#: Version of the manifest layout ``videosync synth`` writes.
MANIFEST_VERSION = 1
#: The splits a recording or a pair may belong to.
SPLITS = ("train", "validation", "test")


@dataclass(frozen=True)
class Recording:
    """Synchronized views (pose files) of one moment; frame i is the same instant in every view."""

    id: str
    views: tuple[Path, ...]
    split: str = "train"


@dataclass(frozen=True)
class EvalPair:
    """Two equal-length pose files whose true offset is known (frame i of a = frame i + k of b)."""

    id: str
    a: Path
    b: Path
    offset_frames: float
    split: str = "test"
    recording: str = ""


@dataclass(frozen=True)
class Manifest:
    """A folder's ``manifest.json`` with every file made absolute and checked to exist."""

    root: Path
    recordings: tuple[Recording, ...]
    pairs: tuple[EvalPair, ...]
    raw: dict[str, Any]


def read_manifest(root: str | Path) -> Manifest:
    """Read ``root/manifest.json`` (as ``videosync synth`` writes it, or made by hand: a manifest
    without a ``version`` is read as the current one). Every problem is a one-line PoseFileError:
    no or unreadable manifest, an unsupported version, a file entry that is not a relative path
    inside ``root`` or is missing, a malformed entry, an unknown split."""
    root = Path(root)
    path = root / MANIFEST
    if not path.is_file():
        raise PoseFileError(f"no {MANIFEST} (make one with `videosync synth`)", root)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise PoseFileError(f"unreadable manifest ({exc.__class__.__name__}: {exc})", path) from None
    if not isinstance(raw, dict):
        raise PoseFileError("manifest is not a JSON object", path)
    if raw.get("version", MANIFEST_VERSION) != MANIFEST_VERSION:
        raise PoseFileError(f"unsupported manifest version {raw.get('version')!r}", path)

    def file(rel: Any) -> Path:
        if not isinstance(rel, str) or not rel or Path(rel).is_absolute() or ".." in Path(rel).parts:
            raise PoseFileError(f"bad file entry {rel!r}", path)
        if not (root / rel).is_file():
            raise PoseFileError(f"listed file {rel} is missing", path)
        return root / rel

    try:
        recordings = tuple(Recording(str(r.get("id")), tuple(file(v) for v in _entries(r, "views", path, str)),
                                     str(r.get("split", "train"))) for r in _entries(raw, "recordings", path))
        pairs = tuple(EvalPair(id=str(p.get("id")), a=file(p["a"]), b=file(p["b"]),
                               offset_frames=float(p["offset_frames"]), split=str(p.get("split", "test")),
                               recording=str(p.get("recording", ""))) for p in _entries(raw, "pairs", path))
    except KeyError as exc:
        raise PoseFileError(f"malformed manifest: an entry has no {exc}", path) from None
    except (TypeError, ValueError) as exc:
        raise PoseFileError(f"malformed manifest ({exc.__class__.__name__}: {exc})", path) from None
    bad = next((p for p in pairs if not math.isfinite(p.offset_frames)), None)
    if bad is not None:
        raise PoseFileError(f"offset_frames of {bad.id} is {bad.offset_frames}, not a finite number", path)
    for entry in (*recordings, *pairs):
        if entry.split not in SPLITS:
            raise PoseFileError(f"unknown split {entry.split!r} for {entry.id}", path)
    return Manifest(root, recordings, pairs, raw)


def _entries(raw: dict[str, Any], key: str, path: Path, kind: type = dict) -> list[Any]:
    """``raw[key]``, a list of ``kind`` (JSON objects by default), else a PoseFileError."""
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, kind) for v in value):
        raise PoseFileError(f"malformed manifest: {key} must be a list of {'objects' if kind is dict else 'paths'}", path)
    return value


def find_recordings(root: str | Path, split: str | None = None) -> list[Recording]:
    """Recordings under ``root`` (manifest first, else sub-folders with >= 2 ``.npz``)."""
    root = Path(root)
    if not root.is_dir():
        raise PoseFileError("no such folder" if not root.exists() else "not a folder", root)
    if (root / MANIFEST).exists():
        recordings = [r for r in read_manifest(root).recordings if len(r.views) >= 2]
    else:
        recordings = []
        for folder in sorted({p.parent for p in root.rglob("*.npz")}):
            views = tuple(sorted(folder.glob("*.npz")))
            if len(views) >= 2:
                recordings.append(Recording(str(folder.relative_to(root)), views, "train"))
    return [r for r in recordings if split is None or r.split == split]


def find_pairs(root: str | Path, split: str | None = "test") -> list[EvalPair]:
    """Evaluation pairs listed in ``root/manifest.json`` (optionally of one split)."""
    return [p for p in read_manifest(root).pairs if split is None or p.split == split]

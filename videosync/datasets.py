"""Finding multi-view recordings and evaluation pairs in a folder of pose files.

Two layouts are understood, so users can train on their own recordings without our synth tool:
- a ``manifest.json`` as written by ``videosync synth`` (recordings with their views and split,
  evaluation pairs with their true offset), or
- plain folders: every sub-folder holding two or more ``.npz`` pose files is one recording whose
  files are synchronized views of the same moment.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from videosync.errors import PoseFileError

MANIFEST = "manifest.json"


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


def _read_manifest(root: Path) -> dict | None:
    path = root / MANIFEST
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise PoseFileError(f"unreadable manifest ({exc})", path) from None
    if not isinstance(data, dict):
        raise PoseFileError("manifest is not a JSON object", path)
    return data


def find_recordings(root: str | Path, split: str | None = None) -> list[Recording]:
    """Recordings under ``root`` (manifest first, else sub-folders with >= 2 ``.npz``)."""
    root = Path(root)
    if not root.is_dir():
        raise PoseFileError("no such folder" if not root.exists() else "not a folder", root)
    manifest = _read_manifest(root)
    recordings: list[Recording] = []
    if manifest is not None:
        for rec in manifest.get("recordings", []):
            views = tuple(root / v for v in rec.get("views", []))
            if len(views) >= 2:
                recordings.append(Recording(str(rec.get("id")), views, str(rec.get("split", "train"))))
    else:
        for folder in sorted({p.parent for p in root.rglob("*.npz")}):
            views = tuple(sorted(folder.glob("*.npz")))
            if len(views) >= 2:
                recordings.append(Recording(str(folder.relative_to(root)), views, "train"))
    if split is not None:
        recordings = [r for r in recordings if r.split == split]
    missing = [v for r in recordings for v in r.views if not v.exists()]
    if missing:
        raise PoseFileError("listed in the manifest but missing", missing[0])
    return recordings


def find_pairs(root: str | Path, split: str | None = "test") -> list[EvalPair]:
    """Evaluation pairs listed in ``root/manifest.json`` (optionally of one split)."""
    root = Path(root)
    manifest = _read_manifest(root)
    if manifest is None:
        raise PoseFileError(f"no {MANIFEST} with evaluation pairs (make one with `videosync synth`)", root)
    pairs = [
        EvalPair(
            id=str(p.get("id")),
            a=root / p["a"],
            b=root / p["b"],
            offset_frames=float(p["offset_frames"]),
            split=str(p.get("split", "test")),
            recording=str(p.get("recording", "")),
        )
        for p in manifest.get("pairs", [])
        if split is None or p.get("split", "test") == split
    ]
    return pairs

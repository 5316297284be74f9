"""Hostile inputs: each function builds one faulty or malicious file, for the hardening tests and
``benchmarks/bench_hostile.py``. Every builder writes under the folder it is given and returns the
path it made; the good inputs they start from are small synthetic views of one moving body."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from tests.sync.synth import other_view, sampled_track
from tests.sync.test_refine import moving_body, view
from videosync.poses.npz import save_npz
from videosync.poses.track import PoseTrack

#: Where a view starts in the body's frames: room for offsets up to this either way.
_MARGIN = 60


def pair(folder: Path, offset: int = 33, n: int = 400, names: tuple[str, str] = ("a.npz", "b.npz")) -> tuple[Path, Path]:
    """Two views of one body whose true offset is ``offset`` (frame i of a = frame i + offset of b)."""
    body = moving_body(n + 2 * _MARGIN, seed=5)
    a = view(body, 0.0, slice(_MARGIN, _MARGIN + n))
    b = view(body, 25.0, slice(_MARGIN - offset, _MARGIN - offset + n))
    folder.mkdir(parents=True, exist_ok=True)
    return save_npz(a, folder / names[0]), save_npz(b, folder / names[1])


def arrays(track: PoseTrack | None = None) -> dict[str, np.ndarray]:
    """The arrays of a pose file as :func:`save_npz` writes them."""
    track = track or sampled_track(60, 30.0)
    return {"keypoints": track.keypoints.astype(np.float32), "frame_index": track.frame_index.astype(np.int64),
            "fps": np.float64(track.fps), "size": np.array([track.width, track.height], np.float64),
            "size_source": np.array(track.size_source), "meta": np.array(json.dumps(track.meta)),
            "format_version": np.int64(1)}


def npz(path: Path, drop: tuple[str, ...] = (), **changed: Any) -> Path:
    """A pose file with some arrays left out or replaced (a value ``None``: left out too)."""
    data = {k: v for k, v in {**arrays(), **changed}.items() if k not in drop and v is not None}
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        np.savez(fh, **data)
    return path


#: Pose files that must each be refused with one line (name: arrays left out or replaced).
BAD_NPZ: dict[str, dict[str, Any]] = {
    "frame numbers times 1e12": {"frame_index": np.arange(60, dtype=np.int64) * 10**12},
    "negative frame numbers": {"frame_index": np.arange(60, dtype=np.int64) - 1_000_000},
    "frame numbers not increasing": {"frame_index": np.arange(60, dtype=np.int64)[::-1].copy()},
    "frame numbers spanning 1e10": {"frame_index": np.r_[np.arange(59), 10**10].astype(np.int64)},
    "fractional frame numbers": {"frame_index": np.arange(60) + 0.5},
    "fps 1e300": {"fps": np.float64(1e300)},
    "fps 1e-300": {"fps": np.float64(1e-300)},
    "fps nan": {"fps": np.float64("nan")},
    "fps negative": {"fps": np.float64(-30)},
    "fps as text": {"fps": np.array("thirty")},
    "fps as a list": {"fps": np.array([30.0, 25.0])},
    "meta holding a list": {"meta": np.array("[1, 2]")},
    "meta not JSON": {"meta": np.array("{oops")},
    "size 0x0": {"size": np.array([0.0, 0.0])},
    "size inf": {"size": np.array([np.inf, 1080.0])},
    "size of three numbers": {"size": np.array([1.0, 2.0, 3.0])},
    "keypoints of the wrong shape": {"keypoints": np.zeros((60, 5, 2), np.float32)},
    "keypoints as text": {"keypoints": np.full((60, 17, 3), "x")},
    "no frames": {"keypoints": np.zeros((0, 17, 3), np.float32), "frame_index": np.zeros(0, np.int64)},
    "no keypoints": {"keypoints": None},
    "unknown format version": {"format_version": np.int64(99)},
    "unknown size source": {"size_source": np.array("guessed")},
    "a pickled object": {"meta": np.array([{"evil": 1}], dtype=object)},
}


def junk(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


class RunsCode:
    """Pickled, it asks the unpickler to call ``os.system``: loading it would run a command."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def code_checkpoint(path: Path, marker: Path) -> Path:
    """A torch checkpoint that would create ``marker`` if unpickled fully."""
    import torch

    torch.save({"state_dict": {"w": RunsCode(marker)}}, path)
    return path


def code_pickle(path: Path, marker: Path) -> Path:
    """A bare pickle (torch's legacy format) that would create ``marker`` if unpickled."""
    return junk(path, pickle.dumps({"state_dict": RunsCode(marker)}))


def checkpoint(path: Path, *, channels: tuple[int, ...] = (8, 8), **change: Any) -> Path:
    """A tiny SeSyn-Net checkpoint, then its payload changed: ``config_channels`` (the config
    claims other layers than the weights), ``nan`` (one weight NaN), ``drop`` (a key removed)."""
    import torch

    from videosync.model import SeSynConfig, SeSynNet, save_checkpoint

    save_checkpoint(path, SeSynNet(SeSynConfig(channels=channels, temporal_kernel=3)))
    if not change:
        return path
    payload = torch.load(path, weights_only=True)
    if "config_channels" in change:
        payload["config"]["channels"] = list(change["config_channels"])
    if change.get("nan"):
        first = next(k for k, v in payload["state_dict"].items() if v.is_floating_point())
        payload["state_dict"][first].view(-1)[0] = float("nan")
    for key in change.get("drop", ()):
        payload.pop(key)
    torch.save(payload, path)
    return path


def dataset(root: Path) -> Path:
    """A pose dataset with a manifest: one recording of two views and one evaluation pair (+3)."""
    base = sampled_track(80, 30.0, seed=1)
    save_npz(base, root / "rec/v0.npz")
    save_npz(other_view(base, angle_deg=20), root / "rec/v1.npz")
    a, b = base.select(slice(10, 50)), other_view(base).select(slice(7, 47))
    save_npz(a.with_keypoints(a.keypoints, np.arange(40)), root / "pair/a.npz")
    save_npz(b.with_keypoints(b.keypoints, np.arange(40)), root / "pair/b.npz")
    manifest(root, {"recordings": [{"id": "rec", "split": "train", "views": ["rec/v0.npz", "rec/v1.npz"]}],
                    "pairs": [{"id": "p", "split": "test", "a": "pair/a.npz", "b": "pair/b.npz", "offset_frames": 3}]})
    return root


def manifest(root: Path, content: Any) -> Path:
    """``root/manifest.json`` holding ``content`` (JSON), or the text itself when it is a str."""
    path = root / "manifest.json"
    root.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


#: Manifests (of :func:`dataset`'s files) that must each be refused with one line.
BAD_MANIFESTS: dict[str, Any] = {
    "not JSON": "{",
    "a JSON list": "[]",
    "version 99": {"version": 99, "pairs": []},
    "pair without offset": {"pairs": [{"id": "p", "a": "pair/a.npz", "b": "pair/b.npz"}]},
    "offset as text": {"pairs": [{"id": "p", "a": "pair/a.npz", "b": "pair/b.npz", "offset_frames": "three"}]},
    "offset NaN": {"pairs": [{"id": "p", "a": "pair/a.npz", "b": "pair/b.npz", "offset_frames": float("nan")}]},
    "file outside the folder": {"pairs": [{"id": "p", "a": "../x.npz", "b": "pair/b.npz", "offset_frames": 3}]},
    "absolute file": {"pairs": [{"id": "p", "a": "/etc/passwd", "b": "pair/b.npz", "offset_frames": 3}]},
    "missing file": {"pairs": [{"id": "p", "a": "pair/gone.npz", "b": "pair/b.npz", "offset_frames": 3}]},
    "file as a number": {"pairs": [{"id": "p", "a": 7, "b": "pair/b.npz", "offset_frames": 3}]},
    "pairs as text": {"pairs": "pair/a.npz"},
    "unknown split": {"pairs": [{"id": "p", "a": "pair/a.npz", "b": "pair/b.npz", "offset_frames": 3, "split": "x"}]},
    "deeply nested": "[" * 100_000 + "]" * 100_000,
}

"""Build a synthetic multi-view dataset folder from a mocap collection (read it back with
:func:`videosync.datasets.read_manifest`).

Layout of the output folder::

    manifest.json                       what is where, splits, offsets, licences
    recordings/<rec>/view<i>.npz        training data: one clip seen by V synchronized cameras
    pairs/<pair>/a.npz, b.npz           evaluation data: two equal-length windows, known offset

Why this shape: training is self-supervised on synchronized views (any window of any two views
is a positive pair), while evaluation needs fixed pairs with a true offset. Splits are by motion
clip, so no motion is seen in training and testing. An evaluation pair never reveals its offset
through its files: both windows have exactly the preset's length whatever the offset, their frame
numbers both start at 0, and nothing in names or metadata depends on the offset.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from videosync.datasets import MANIFEST, MANIFEST_VERSION, SPLITS
from videosync.fileio import atomic_path, reported_as, temporary_folder_beside
from videosync.errors import VideosyncError
from videosync.poses.npz import save_npz
from videosync.poses.track import PoseTrack
from videosync.synth.camera import CameraConfig, sample_camera
from videosync.synth.motion import MocapError
from videosync.synth.noise import NoiseConfig, render_view
from videosync.synth.skeletons import (
    Pose3D,
    jitter_face,
    load_pose3d,
    random_segment_factors,
    resample,
    scale_segments,
)

log = logging.getLogger(__name__)

MOTION_SUFFIXES = (".bvh", ".amc")
#: Clips shorter than this (after resampling) teach nothing about timing and are skipped.
MIN_CLIP_SECONDS = 1.0


class SynthError(VideosyncError):
    """The dataset cannot be built (no usable motion, output folder in the way...)."""


@dataclass(frozen=True)
class Preset:
    """Window length and offset range of the evaluation pairs (the paper's two settings).

    ``short`` follows NTU-SYN (about 120 frames at 30 fps, offsets in [-30, 30]); ``long``
    follows CMU-SYN (480 frames, same offsets).
    """

    name: str
    fps: float
    window_frames: int
    max_offset_frames: int

    @property
    def min_pair_clip_frames(self) -> int:
        """A clip needs this many frames to yield pairs for every offset in the range."""
        return self.window_frames + self.max_offset_frames


PRESETS: dict[str, Preset] = {
    "short": Preset("short", 30.0, 120, 30),
    "long": Preset("long", 30.0, 480, 30),
}


@dataclass
class ClipSource:
    """One motion file found in the mocap folder, with its provenance."""

    path: Path
    rel: str
    clip_id: str
    dataset: str
    licence: str


# ---------------------------------------------------------------------------------- discovery
def _catalogue(start: Path) -> tuple[Path, dict[str, dict[str, str]]]:
    """The mocap collection's ``manifest.csv`` (searched upwards) as {relative path: row}."""
    for folder in (start, *start.parents):
        csv_path = folder / "manifest.csv"
        if csv_path.is_file():
            try:
                with open(csv_path, newline="", encoding="utf-8") as fh:
                    rows = {row["path"]: row for row in csv.DictReader(fh) if row.get("path")}
                return folder, rows
            except (OSError, KeyError, csv.Error, UnicodeDecodeError):
                break
    return start, {}


_CMU_TRIAL = re.compile(r"^(\d{1,3})_(\d{1,3})$")


def clip_identity(path: Path, rel: str) -> str:
    """A key shared by every file holding the same capture (CMU ``01_01.bvh`` and ``01_01.amc``)."""
    m = _CMU_TRIAL.match(path.stem)
    if m:
        return f"cmu:{int(m.group(1)):02d}_{int(m.group(2)):02d}"
    return rel.rsplit(".", 1)[0]


def discover_clips(mocap: str | Path) -> tuple[list[ClipSource], list[dict[str, str]]]:
    """Motion files under ``mocap`` (a folder or one file), one per capture.

    Returns the clips and the dropped duplicates; when a capture exists in several files the
    ASF/AMC original wins over a BVH conversion.
    """
    mocap = Path(mocap)
    if not mocap.exists():
        raise MocapError("no such file or folder", mocap)
    if mocap.is_file():
        if mocap.suffix.lower() not in MOTION_SUFFIXES:
            raise MocapError("not a motion file (expected .bvh, or .amc with its .asf)", mocap)
        files = [mocap]
        root, rows = _catalogue(mocap.parent)
    else:
        files = sorted(p for p in mocap.rglob("*") if p.is_file() and p.suffix.lower() in MOTION_SUFFIXES)
        if not files:
            raise MocapError("no .bvh or .amc motion files in this folder", mocap)
        root, rows = _catalogue(mocap)
    clips: dict[str, ClipSource] = {}
    duplicates: list[dict[str, str]] = []
    for path in files:
        rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
        row = rows.get(rel, {})
        top = rel.split("/", 1)[0] if "/" in rel else (path.parent.name or "mocap")
        src = ClipSource(path, rel, clip_identity(path, rel), row.get("source") or top, row.get("licence") or "unknown")
        old = clips.get(src.clip_id)
        if old is None:
            clips[src.clip_id] = src
            continue
        keep, drop = (src, old) if path.suffix.lower() == ".amc" and old.path.suffix.lower() != ".amc" else (old, src)
        clips[src.clip_id] = keep
        duplicates.append({"path": drop.rel, "same_capture_as": keep.rel})
    return sorted(clips.values(), key=lambda c: c.clip_id), duplicates


def assign_splits(clip_ids: list[str], seed: int, val_fraction: float = 0.15,
                  test_fraction: float = 0.15) -> dict[str, str]:
    """Split clips into train/validation/test, deterministically for a seed and set of clips.

    With at least 3 clips, validation and test get at least one clip each.
    """
    ids = sorted(set(clip_ids))
    order = np.random.default_rng([seed, 0x5EED]).permutation(len(ids))
    n = len(ids)
    n_test = n_val = 0
    if n >= 3:
        n_test = max(1, int(round(n * test_fraction)))
        n_val = max(1, int(round(n * val_fraction)))
    out = {}
    for rank, i in enumerate(order):
        out[ids[i]] = "test" if rank < n_test else "validation" if rank < n_test + n_val else "train"
    return out


# ---------------------------------------------------------------------------------- rendering
def _stable_rng(seed: int, *keys: str | int) -> np.random.Generator:
    """A generator that depends only on the seed and the keys, not on processing order."""
    parts = [int(seed) & 0xFFFFFFFF] + [zlib.crc32(str(k).encode()) for k in keys]
    return np.random.default_rng(parts)


def render_recording(pose: Pose3D, views: int, rng: np.random.Generator,
                     camera_config: CameraConfig | None = None, noise_config: NoiseConfig | None = None,
                     bone_spread: float = 0.07) -> list[PoseTrack]:
    """One performance seen by ``views`` synchronized cameras: same body, independent cameras and noise."""
    joints = scale_segments(pose.joints, random_segment_factors(rng, spread=bone_spread))
    joints = jitter_face(joints, rng)
    tracks = []
    for v in range(views):
        cam = sample_camera(joints, pose.fps, rng, camera_config)
        tracks.append(render_view(joints, pose.fps, cam, rng, noise_config, meta={"view": v}))
    return tracks


def window(track: PoseTrack, start: int, length: int) -> PoseTrack:
    """Rows ``[start, start + length)`` renumbered from 0, so the file carries no position in time."""
    rows = track.select(slice(start, start + length))
    if len(rows) != length:
        raise ValueError(f"window [{start}, {start + length}) outside a track of {len(track)} frames")
    return rows.with_keypoints(rows.keypoints, np.arange(length, dtype=np.int64))


def draw_pair(n_frames: int, views: int, preset: Preset, rng: np.random.Generator) -> tuple[int, int, int, int]:
    """``(u, v, s, k)``: views u != v, true offset k uniform in ``[-K, K]`` and a start s such that
    ``[s, s+L)`` (window a) and ``[s-k, s-k+L)`` (window b) both lie inside the clip.

    Window b starts k frames *before* window a so that frame i of a (instant s+i) is frame i+k of
    b (instant s-k+i+k): the project's sign convention."""
    L, K = preset.window_frames, preset.max_offset_frames
    if n_frames < L + K:
        raise ValueError(f"clip of {n_frames} frames is too short for {L}-frame windows with offsets up to {K}")
    u, v = (int(x) for x in rng.choice(views, size=2, replace=False))
    k = int(rng.integers(-K, K + 1))
    s = int(rng.integers(max(0, k), n_frames - L + min(0, k) + 1))
    return u, v, s, k


# ---------------------------------------------------------------------------------- building
def _safe_id(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")


def _write_json_atomic(data: dict[str, Any], path: Path) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def _check_output(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise SynthError("output folder exists and is not empty (choose a new folder)", out)


def build_dataset(
    mocap: str | Path, out: str | Path, preset: str | Preset = "short", seed: int = 0, views: int = 4,
    pairs_per_recording: int = 6, recordings_per_clip: int = 1, val_fraction: float = 0.15,
    test_fraction: float = 0.15, camera_config: CameraConfig | None = None, noise_config: NoiseConfig | None = None,
    progress: Callable[[int, int], None] | None = None, max_frames: int | None = None,
) -> dict[str, Any]:
    """Render the mocap clips under ``mocap`` into a dataset folder ``out``; returns the manifest.

    Bad files inside a folder are skipped with a logged warning and listed under ``"skipped"`` in
    the manifest (one broken file should not cost a whole collection); a single file given
    explicitly must be good. The folder appears complete or not at all: everything is written
    into a temporary sibling folder that is renamed at the end.

    ``max_frames`` reads only the first frames of each file (quick runs and tests).
    """
    pre = PRESETS[preset] if isinstance(preset, str) else preset
    if views < 2:
        raise SynthError(f"need at least 2 views per recording, got {views}")
    if pairs_per_recording < 0 or recordings_per_clip < 1:
        raise SynthError("pairs per recording must be >= 0 and recordings per clip >= 1")
    mocap, out = Path(mocap), Path(out)
    _check_output(out)
    clips, duplicates = discover_clips(mocap)
    total = len(clips) * 2
    # 1. Read every clip (the split needs to know which are long enough for pairs).
    poses, skipped = _read_clips(clips, mocap, pre, max_frames, lambda i: progress(i, total) if progress else None)
    usable = [c for c in clips if c.clip_id in poses]
    eligible = [c.clip_id for c in usable if len(poses[c.clip_id]) >= pre.min_pair_clip_frames]
    split_of = {c.clip_id: "train" for c in usable}
    split_of.update(assign_splits(eligible, seed, val_fraction, test_fraction))
    if len(eligible) < 3:
        log.warning("only %d clip(s) are long enough for %s-preset pairs (%d frames); no validation/test split",
                    len(eligible), pre.name, pre.min_pair_clip_frames)
    # 2. Render into a temporary sibling folder, then rename it into place.
    out.parent.mkdir(parents=True, exist_ok=True)
    with temporary_folder_beside(out) as tmp, reported_as(out):  # a killed run's is removed by the next
        render = _Renderer(tmp, pre, seed, views, pairs_per_recording, camera_config, noise_config)
        recordings, pairs = [], []
        for done, clip in enumerate(usable, start=len(clips) + 1):
            for r in range(recordings_per_clip):
                recording, clip_pairs = render(clip, poses[clip.clip_id], split_of[clip.clip_id], r)
                recordings.append(recording)
                pairs.extend(clip_pairs)
            if progress:
                progress(done, total)
        manifest = _manifest(pre, seed, views, usable, split_of, poses, recordings, pairs,
                             eligible, skipped, duplicates, mocap)
        _write_json_atomic(manifest, tmp / MANIFEST)
        _check_output(out)
        if out.exists():
            out.rmdir()
        os.replace(tmp, out)
    if progress:
        progress(total, total)
    return manifest


def _read_clips(clips: list[ClipSource], mocap: Path, pre: Preset, max_frames: int | None,
                progress: Callable[[int], None]) -> tuple[dict[str, Pose3D], list[dict[str, str]]]:
    """Every clip resampled to the preset's rate, by clip id, and the ones skipped with their
    error (a bad file inside a folder is skipped; a single file given explicitly must be good)."""
    poses: dict[str, Pose3D] = {}
    skipped: list[dict[str, str]] = []
    for i, clip in enumerate(clips):
        try:
            pose = resample(load_pose3d(clip.path, max_frames=max_frames), pre.fps)
            if pose.duration_seconds < MIN_CLIP_SECONDS:
                raise MocapError(f"only {len(pose)} frames at {pre.fps:g} fps (need {MIN_CLIP_SECONDS:g} s)",
                                 clip.path)
        except MocapError as exc:
            if mocap.is_file():
                raise
            log.warning("skipping %s", exc)
            skipped.append({"path": clip.rel, "error": str(exc)})
        else:
            poses[clip.clip_id] = pose
        progress(i + 1)
    if not poses:
        raise MocapError(f"none of the {len(clips)} motion files could be used (first error: "
                         f"{skipped[0]['error'] if skipped else 'none'})", mocap)
    return poses, skipped


@dataclass(frozen=True)
class _Renderer:
    """Renders one recording of a clip into ``tmp``: its views, and (outside the training split)
    its pairs of windows with known offsets. Each recording draws from its own seeded stream."""

    tmp: Path
    pre: Preset
    seed: int
    views: int
    pairs_per_recording: int
    camera_config: CameraConfig | None
    noise_config: NoiseConfig | None

    def __call__(self, clip: ClipSource, pose: Pose3D, split: str, r: int
                 ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The manifest entries of recording ``r`` of ``clip``: the recording and its pairs."""
        rec_id = _safe_id(clip.rel.rsplit(".", 1)[0].replace("/", "__")) + f"-r{r}"
        tracks = render_recording(pose, self.views, _stable_rng(self.seed, clip.clip_id, r),
                                  self.camera_config, self.noise_config)
        rel_views = []
        for v, track in enumerate(tracks):
            track.meta.update({"recording": rec_id, "clip": clip.clip_id, "mocap": clip.rel})
            rel = f"recordings/{rec_id}/view{v}.npz"
            save_npz(track, self.tmp / rel)
            rel_views.append(rel)
        recording = {
            "id": rec_id, "split": split, "source": clip.rel, "clip": clip.clip_id,
            "dataset": clip.dataset, "licence": clip.licence, "family": pose.family,
            "frames": len(pose), "views": rel_views,
        }
        if split == "train" or len(pose) < self.pre.min_pair_clip_frames:
            return recording, []
        pair_rng = _stable_rng(self.seed, clip.clip_id, r, "pairs")
        return recording, [self._pair(tracks, rec_id, split, p, len(pose), pair_rng)
                           for p in range(self.pairs_per_recording)]

    def _pair(self, tracks: list[PoseTrack], rec_id: str, split: str, p: int, n_frames: int,
              rng: np.random.Generator) -> dict[str, Any]:
        pre = self.pre
        u, v, s, k = draw_pair(n_frames, self.views, pre, rng)
        pair_id = f"{rec_id}-p{p:02d}"
        a = window(tracks[u], s, pre.window_frames)
        b = window(tracks[v], s - k, pre.window_frames)
        for side, track in (("a", a), ("b", b)):
            track.meta = {"synthetic": True, "recording": rec_id, "view": track.meta.get("view"),
                          "camera": track.meta.get("camera")}
            save_npz(track, self.tmp / f"pairs/{pair_id}/{side}.npz")
        return {
            "id": pair_id, "split": split, "recording": rec_id,
            "a": f"pairs/{pair_id}/a.npz", "b": f"pairs/{pair_id}/b.npz",
            "view_a": u, "view_b": v, "offset_frames": k, "frames": pre.window_frames,
        }


def _manifest(pre: Preset, seed: int, views: int, usable: list[ClipSource], split_of: dict[str, str],
              poses: dict[str, Pose3D], recordings: list[dict], pairs: list[dict], eligible: list[str],
              skipped: list[dict], duplicates: list[dict], mocap: Path) -> dict[str, Any]:
    sources: dict[tuple[str, str], int] = {}
    for clip in usable:
        sources[(clip.dataset, clip.licence)] = sources.get((clip.dataset, clip.licence), 0) + 1
    return {
        "version": MANIFEST_VERSION,
        "preset": pre.name,
        "seed": int(seed),
        "fps": pre.fps,
        "window_frames": pre.window_frames,
        "max_offset_frames": pre.max_offset_frames,
        "views_per_recording": views,
        "offset_convention": "frame i of a shows the same instant as frame i + offset_frames of b",
        "mocap": str(mocap),
        "recordings": recordings,
        "pairs": pairs,
        "splits": {s: sorted(c.clip_id for c in usable if split_of[c.clip_id] == s) for s in SPLITS},
        "pair_eligible_clips": len(eligible),
        "pair_eligible_min_frames": pre.min_pair_clip_frames,
        "counts": {
            s: {"clips": sum(1 for c in usable if split_of[c.clip_id] == s),
                "recordings": sum(1 for r in recordings if r["split"] == s),
                "pairs": sum(1 for p in pairs if p["split"] == s),
                "seconds": round(sum(len(poses[c.clip_id]) for c in usable if split_of[c.clip_id] == s) / pre.fps, 1)}
            for s in SPLITS
        },
        "licences": [{"dataset": d, "licence": lic, "clips": n} for (d, lic), n in sorted(sources.items())],
        "skipped": skipped,
        "duplicates": duplicates,
    }

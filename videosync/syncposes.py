"""Synchronized pose files for 3D pipelines (issue 19, item 3): ``videosync sync-poses``.

A user of Pose2Sim, anipose or caliscope triangulates the cameras' 2D poses frame by frame, so
frame ``n`` of every camera must show the same instant. This module writes, for every input, its
poses re-numbered onto the reference's frames by its time map (one offset, or segments where it
dropped frames, and a rate where its clock drifts):

* an OpenPose JSON folder in the layout Pose2Sim's own synchronization step writes
  (``<project>/pose-sync/<camXX_json>/``, ``Pose2Sim/synchronization.py``): the same files,
  byte for byte, each renamed by replacing the last number of its name with the reference's
  frame it shows (zero-padded to the original width). Pose2Sim's triangulation reads every
  camera's file of frame ``n``; a camera without one is left out of that frame, which is what
  a frame the input lost must do (no repeated pose: it would be a pose of another instant).
  Frames of instants the reference lost have no number and are left out.
* a ``.npz`` (videosync's pose file) of the same, its ``frame_index`` the reference's frames
  (gaps where the input lost some), for anipose/caliscope-style scripts.

Only pose inputs (OpenPose JSON folders, ``.npz``) can be written; JSON folders only from JSON
folders (the files are copied, every person kept for the pipeline's own association).
Design: ``docs/design/drift.md``.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from videosync.errors import VideosyncError
from videosync.fileio import check_output, reported_as, temporary_folder_beside
from videosync.poses import PoseTrack
from videosync.poses.npz import save_npz
from videosync.poses.openpose import frame_files
from videosync.sync.timemap import TimeMap, shown_rows

_LAST_NUMBER = re.compile(r"^(.*?)(\d+)(\D*)$")


@dataclass(frozen=True)
class SyncedPoses:
    """One input's synchronized poses: where they were written, how many frames, and the
    reference's frames in its span that it has no pose of (frames it lost)."""

    input: Path
    json_dir: Path | None
    npz: Path
    n_frames: int
    first_frame: int
    last_frame: int
    missing: list[int]

    def to_json(self) -> dict[str, Any]:
        return {"input": str(self.input), "json_dir": str(self.json_dir) if self.json_dir else None,
                "npz": str(self.npz), "frames": self.n_frames, "first_frame": self.first_frame,
                "last_frame": self.last_frame, "frames_without_pose": self.missing}


def reference_numbers(time_map: TimeMap, frames: np.ndarray) -> np.ndarray:
    """The reference's frame that each of ``frames`` (an input's own, in order) shows: the one it
    is the nearest frame of (:func:`~videosync.sync.timemap.shown_rows`; the first at a tie); -1
    for an instant the reference lost, before its frame 0, or a frame a nearer one shows (a clock
    that runs fast has more frames than the reference)."""
    out = np.full(len(frames), -1, dtype=np.int64)
    at = time_map.a_frame(np.asarray(frames))
    if not np.isfinite(at).any() or np.nanmax(at) < -0.5:
        return out
    reference = np.arange(int(np.ceil(np.nanmax(at))) + 1)
    rows = shown_rows(time_map, frames, reference)
    shown, first = np.unique(rows, return_index=True)  # each row by the first reference frame showing it
    out[shown[shown >= 0]] = reference[first[shown >= 0]]
    return out


def renamed(name: str, number: int) -> str:
    """``name`` with its last number replaced by ``number``, zero-padded to the same width (as
    Pose2Sim renames its synchronized files)."""
    stem, suffix = (name[:-5], name[-5:]) if name.lower().endswith(".json") else (name, "")
    match = _LAST_NUMBER.match(stem)
    if match is None:
        raise VideosyncError(f"no frame number in the file name {name!r}")
    head, digits, tail = match.groups()
    return f"{head}{number:0{len(digits)}d}{tail}{suffix}"


def output_paths(inputs: list[Path], out_dir: Path) -> list[tuple[Path | None, Path]]:
    """Per input: its JSON folder's copy (JSON inputs only) and its ``.npz``, named like it."""
    out = []
    for path in inputs:
        if path.is_dir():
            out.append((out_dir / path.name, out_dir / f"{path.name}.npz"))
        else:
            out.append((None, out_dir / f"{path.stem}.npz"))
    return out


def check_outputs(inputs: list[Path], out_dir: Path, overwrite: bool) -> list[tuple[Path | None, Path]]:
    """The outputs, refused before any work when one would replace an input or (without
    ``overwrite``) something that exists."""
    paths = output_paths(inputs, out_dir)
    names = [p for pair in paths for p in pair if p is not None]
    if len({p.name.casefold() for p in names}) < len(names):
        raise VideosyncError("two inputs have the same name: their synchronized copies would collide", out_dir)
    for folder, npz in paths:
        check_output(npz, inputs=inputs, overwrite=overwrite, creates_folder=out_dir)
        if folder is not None and folder.exists() and not overwrite:
            raise VideosyncError("exists (use --overwrite to replace it)", folder)
        if folder is not None and any(folder.resolve() == p.resolve() for p in inputs):
            raise VideosyncError("is an input: choose another output folder", folder)
    return paths


def write_synced_poses(inputs: list[Path], tracks: list[PoseTrack], maps: list[TimeMap | None], out_dir: Path,
                       *, overwrite: bool = False) -> list[SyncedPoses]:
    """Every input's poses on the reference's frames (see the module docstring); ``maps[i]`` maps
    the reference's frames to input ``i``'s (the reference's own, ``maps[0]``, is ignored). All
    or nothing: the folders are built beside their places and moved in once all are complete."""
    paths = check_outputs(inputs, out_dir, overwrite)
    out_dir.mkdir(parents=True, exist_ok=True)
    results = []
    with contextlib.ExitStack() as held:
        built, synced = [], []
        for k, (path, track, (folder, npz)) in enumerate(zip(inputs, tracks, paths)):
            numbers = (track.frame_index.astype(np.int64) if k == 0 or maps[k] is None
                       else reference_numbers(maps[k], track.frame_index))
            keep = numbers >= 0
            if not keep.any():
                raise VideosyncError("none of its frames falls on a frame of the reference", path)
            if folder is not None:
                building = held.enter_context(temporary_folder_beside(folder))
                with reported_as(folder):
                    _copy_renamed(path, dict(zip(track.frame_index.tolist(), numbers.tolist())), building)
                built.append((building, folder))
            kept = numbers[keep]
            span = np.arange(kept[0], kept[-1] + 1)
            results.append(SyncedPoses(path, folder, npz, int(keep.sum()), int(kept[0]), int(kept[-1]),
                                       [int(n) for n in np.setdiff1d(span, kept)]))
            synced.append(track.with_keypoints(track.keypoints[keep], kept))
        for track, (_, npz) in zip(synced, paths):
            save_npz(track, npz)
        for building, folder in built:
            if folder.exists():
                shutil.rmtree(folder)  # only with overwrite: refused above otherwise
            os.replace(building, folder)
    return results


def _copy_renamed(folder: Path, numbers: dict[int, int], into: Path) -> None:
    """Copy the frame files of ``folder`` into ``into``, each renamed to the reference's frame
    ``numbers[its frame]`` (left out when negative)."""
    for frame, name in frame_files(folder):
        number = numbers.get(frame, -1)
        if number >= 0:
            shutil.copyfile(folder / name, into / renamed(name, number))


def sync_poses(inputs: list[str | Path], out_dir: str | Path, *, offsets_frames: list[float] | None = None,
               time_maps: list[TimeMap] | None = None, overwrite: bool = False, fps: float | None = None,
               size: tuple[float, float] | None = None, layout: str | None = None, **align_options
               ) -> tuple[list[SyncedPoses], Any]:
    """Write every input's poses re-numbered onto the first input's frames into ``out_dir`` (see
    the module docstring), by ``time_maps`` (one per input), else ``offsets_frames`` (one per
    input, the first 0), else :func:`videosync.align`'s answer with ``align_options``
    (``time_map=True``: segments and drift). Returns the written files and the alignment made
    here (None when the maps or offsets were given)."""
    from videosync.api import align
    from videosync.poses import load_poses
    from videosync.poses.load import reading_once
    from videosync.sync.timemap import input_time_map

    paths = [Path(p) for p in inputs]
    for path in paths:
        if not (path.is_dir() or path.suffix.lower() == ".npz"):
            raise VideosyncError("sync-poses writes pose files: give OpenPose JSON folders or .npz files "
                                 "(videosync poses VIDEO -o FILE.npz makes one from a video)", path)
    out_dir = Path(out_dir)
    check_outputs(paths, out_dir, overwrite)  # before the alignment's work
    given = time_maps if time_maps is not None else offsets_frames
    if given is not None and len(given) != len(paths):
        raise VideosyncError(f"need one offset per input: {len(paths)} inputs, {len(given)} given")
    alignment = None
    with reading_once():  # align has read the inputs: the writer takes its reads
        if time_maps is None and offsets_frames is None:
            alignment = align([str(p) for p in paths], fps=fps, size=size, layout=layout, **align_options)
            time_maps = [input_time_map(entry) for entry in alignment.inputs]
        elif time_maps is None:
            time_maps = [input_time_map(_Fixed(float(k))) for k in offsets_frames]
        tracks = [load_poses(p, fps=fps, size=size, layout=layout) for p in paths]
    return write_synced_poses(paths, tracks, list(time_maps), out_dir, overwrite=overwrite), alignment


@dataclass(frozen=True)
class _Fixed:
    """An input at one given offset, as :func:`~videosync.sync.timemap.input_time_map` reads it."""

    offset_frames: float
    segments: tuple = ()
    rate: float = 1.0

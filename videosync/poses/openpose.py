"""Import a folder of OpenPose JSON files (one file per frame) as a PoseTrack.

OpenPose writes ``{"people": [{"pose_keypoints_2d": [x, y, c, ...]}, ...]}`` per frame, with no
layout name, no image size and no frame rate. This module recovers each of them:

- the frame number from the last number in the file name (``cam01.0012.json``,
  ``cam01_000000000012_keypoints.json``); missing numbers are dropped frames and stay gaps in
  ``frame_index``. Files named unlike the majority (junk such as ``del_000001_0.json``) are
  ignored and listed in ``meta["ignored_files"]``;
- the layout from the keypoint count, and for 25 keypoints (BODY_25 or BODY_25B) from the
  geometry of the data (:func:`~videosync.poses.layouts.detect_layout_25`);
- the person, by tracking everyone and keeping the main subject (:mod:`videosync.poses.subject`);
- the image size and fps from a video of the same name nearby, else from the keypoints' extent
  and an assumed 30 fps, both flagged in the track so the caller can warn.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections import Counter
from pathlib import Path

import numpy as np

from videosync.errors import PoseFileError, VideoError
from videosync.poses.layouts import (
    LAYOUT_SIZES,
    canonical_layout,
    detect_layout_25,
    layout_for_count,
    to_coco17,
)
from videosync.poses.subject import choose_subject
from videosync.poses.track import PoseTrack
from videosync.poses.limits import check_fps, check_image_size
from videosync.tunables import ASSUMED_FPS, EXTENT_MARGIN, MAX_FRAME_NUMBER
from videosync.video.probe import VIDEO_SUFFIXES, probe_video

log = logging.getLogger(__name__)


_NUMBERED = re.compile(r"^(.*?)(\d+)(\D*)$")  # prefix, last run of digits, non-digit tail
_FOLDER_TAIL = re.compile(r"[._-]?(json|jsons|pose|poses|keypoints|openpose)$", re.IGNORECASE)


def _frame_files(folder: Path) -> tuple[list[int], list[str], list[str], str]:
    """Frame numbers and files of the folder's main naming pattern, sorted; ignored names; prefix."""
    with os.scandir(folder) as it:
        names = sorted(e.name for e in it if e.name.lower().endswith(".json") and e.is_file())
    if not names:
        raise PoseFileError("no .json files in the folder (not an OpenPose output folder?)", folder)
    matches = {name: _NUMBERED.match(name[:-5]) for name in names}
    patterns = Counter((m.group(1), m.group(3)) for m in matches.values() if m)
    if not patterns:
        raise PoseFileError("no frame number in the .json file names", folder)
    ranked = patterns.most_common(2)
    if len(ranked) == 2 and ranked[0][1] == ranked[1][1]:
        (a, n), (b, _) = ranked
        raise PoseFileError(
            f"mixed file names: {n} files named like '{a[0]}N{a[1]}.json' and {n} like '{b[0]}N{b[1]}.json'; "
            "cannot tell which are the frames",
            folder,
        )
    main = ranked[0][0]
    numbered = sorted((int(m.group(2)), name) for name, m in matches.items() if m and (m.group(1), m.group(3)) == main)
    ignored = [name for name, m in matches.items() if not m or (m.group(1), m.group(3)) != main]
    beyond = [name for n, name in numbered if n > MAX_FRAME_NUMBER]
    if beyond:
        raise PoseFileError(f"{beyond[0]}: frame number beyond {MAX_FRAME_NUMBER} (not a frame of a video)", folder)
    for (n0, a0), (n1, a1) in zip(numbered, numbered[1:]):
        if n0 == n1:
            raise PoseFileError(f"{a0} and {a1} have the same frame number {n0}", folder)
    return [n for n, _ in numbered], [name for _, name in numbered], ignored, main[0]


def frame_files(folder: str | Path) -> list[tuple[int, str]]:
    """The frame files of an OpenPose folder, as ``(frame number, file name)`` in frame order
    (files named unlike the majority left out, as :func:`load_openpose_dir` does)."""
    numbers, names, _, _ = _frame_files(Path(folder))
    return list(zip(numbers, names))


def _read_people(path: str) -> np.ndarray:
    """One JSON file -> ``(n_people, K, 3)`` float64 (people without keypoints dropped)."""
    try:
        with open(path, "rb") as fh:
            data = json.loads(fh.read())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise PoseFileError(f"unreadable OpenPose JSON ({exc.__class__.__name__}: {exc})", path) from None
    people = data.get("people") if isinstance(data, dict) else None
    if not isinstance(people, list):
        raise PoseFileError("not an OpenPose file (no 'people' list)", path)
    try:
        flat = [p["pose_keypoints_2d"] for p in people if p.get("pose_keypoints_2d")]
        arr = np.asarray(flat, dtype=np.float64)
    except (AttributeError, KeyError, TypeError, ValueError, OverflowError):
        raise PoseFileError("'pose_keypoints_2d' is not a list of numbers of equal length per person", path) from None
    if not flat:
        return np.zeros((0, 0, 3))
    if arr.ndim != 2 or arr.shape[1] % 3:
        raise PoseFileError(f"'pose_keypoints_2d' holds {arr.shape[-1]} values, not (x, y, score) triples", path)
    return arr.reshape(len(arr), -1, 3)


def find_video(folder: Path, extra_names: tuple[str, ...] = ()) -> Path | None:
    """The video this pose folder was computed from, found by name, or None.

    ``cam01_json`` (or ``cam01``, or a file prefix ``cam01.``) -> ``cam01.<video suffix>`` next to
    the folder, in a ``videos/`` folder beside it, in its parent, or in the parent's ``videos/``
    (Pose2Sim keeps ``pose/cam01_json`` beside ``videos/cam01.mp4``). Nearest wins.
    """
    names = [folder.name, _FOLDER_TAIL.sub("", folder.name), *(n.rstrip("._- ") for n in extra_names)]
    names = [n.lower() for n in dict.fromkeys(names) if n]
    up = folder.resolve().parent
    dirs = list(dict.fromkeys([up, up / "videos", up.parent, up.parent / "videos"]))
    for d in dirs:
        if not d.is_dir():
            continue
        entries = {p.name.lower(): p for p in d.iterdir()}
        for name in names:
            for suffix in VIDEO_SUFFIXES:
                hit = entries.get(name + suffix)
                if hit is not None and hit.is_file():
                    return hit
    return None


def _resolve_layout(folder: Path, kp: np.ndarray, layout: str | None) -> tuple[str, str]:
    n = kp.shape[1]
    if layout is not None:
        try:
            name = canonical_layout(layout)
        except ValueError as exc:
            raise PoseFileError(str(exc), folder) from None
        if LAYOUT_SIZES[name] != n:
            raise PoseFileError(f"layout {name} has {LAYOUT_SIZES[name]} keypoints but the files have {n}", folder)
        return name, "given"
    candidates = layout_for_count(n)
    if not candidates:
        known = sorted(set(LAYOUT_SIZES.values()))
        raise PoseFileError(f"{n} keypoints per person matches no known layout ({known})", folder)
    if len(candidates) == 1:
        return candidates[0], f"only layout with {n} keypoints"
    try:
        return detect_layout_25(kp)
    except ValueError as exc:
        raise PoseFileError(str(exc), folder) from None


def load_openpose_dir(
    path: str | Path, *, fps: float | None = None, size: tuple[float, float] | None = None,
    layout: str | None = None, person: int = 0,
) -> PoseTrack:
    """Read a folder of OpenPose JSON files as one person's COCO-17 PoseTrack.

    ``fps``/``size`` (width, height in px) override what is found; ``layout`` forces a keypoint
    layout (e.g. ``"BODY_25"``) instead of detecting it; ``person`` picks the tracked person of
    that rank (0 = main subject, see :func:`~videosync.poses.subject.choose_subject`).
    Every problem is a one-line PoseFileError naming the folder or the offending file.
    """
    folder = Path(path)
    if not folder.exists():
        raise PoseFileError("no such folder", folder)
    if not folder.is_dir():
        raise PoseFileError("not a folder of OpenPose .json files", folder)
    numbers, names, ignored, prefix = _frame_files(folder)
    if ignored:
        log.warning("%s: ignoring %d file(s) not named like the frames: %s", folder, len(ignored), ", ".join(ignored[:5]))
    raw, counts = _read_all_people(folder, names)
    layout_name, evidence = _resolve_layout(folder, raw, layout)
    coco = to_coco17(raw, layout_name)
    valid = coco[..., 2] > 0
    if not valid.any():
        raise PoseFileError("no frame has a valid joint", folder)
    try:
        choice = choose_subject(np.split(coco, np.cumsum(counts)[:-1]), np.asarray(numbers), person=person)
    except ValueError as exc:
        raise PoseFileError(str(exc), folder) from None
    meta: dict = {"format": "openpose", "layout": layout_name, "layout_evidence": evidence, "n_files": len(names),
                  "n_people_max": int(counts.max()), **choice.meta()}
    if ignored:
        meta["ignored_files"] = ignored
    video = find_video(folder, (prefix,)) if size is None or fps is None else None
    info = None
    if video is not None:
        try:
            info = probe_video(video)
        except VideoError as exc:
            raise PoseFileError(f"cannot read the video of the same name ({exc}); pass the size and fps", folder) from None
        meta["video"] = str(video)
    width, height, size_source = _image_size(folder, size, info, coco[..., :2][valid])
    if fps is not None:
        fps, meta["fps_source"] = check_fps(fps, folder), "given"
    elif info is not None:
        fps, meta["fps_source"] = info.fps, "video"
    else:
        fps, meta["fps_source"] = ASSUMED_FPS, "assumed"
    return PoseTrack(keypoints=choice.keypoints, fps=float(fps), width=width, height=height,
                     frame_index=np.asarray(numbers, dtype=np.int64), source=str(folder), size_source=size_source,
                     meta=meta)


def _read_all_people(folder: Path, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Every person of every file, stacked ``(n, K, 3)`` with missing joints zeroed, and the
    number of people per file; one keypoint count for all files."""
    per_file: list[np.ndarray] = []
    n_kp = first = None
    for name in names:
        p = os.path.join(folder, name)
        people = _read_people(p)
        if len(people):
            if n_kp is None:
                n_kp, first = people.shape[1], name
            elif people.shape[1] != n_kp:
                raise PoseFileError(
                    f"{people.shape[1]} keypoints per person, but {first} has {n_kp} (mixed layouts?)", p
                )
        per_file.append(people)
    if n_kp is None:
        raise PoseFileError("no person in any of the .json files", folder)
    raw = np.concatenate([a for a in per_file if len(a)])
    # Missing joints: score <= 0 (OpenPose writes 0,0,0), non-finite values, or a coordinate of
    # exactly 0 -- no detector lands exactly on the border, but edited files mark gaps that way.
    raw[~np.isfinite(raw).all(axis=-1) | (raw[..., 0] == 0) | (raw[..., 1] == 0) | (raw[..., 2] <= 0)] = 0.0
    return raw, np.array([len(a) for a in per_file])


def _image_size(folder: Path, size: tuple[float, float] | None, info, xy: np.ndarray) -> tuple[float, float, str]:
    """``(width, height, size_source)``: as given, from the video beside the folder, or from the
    extent of ``xy``, every detection's joints (they share the image, so they bound it better)."""
    if size is not None:
        return (*check_image_size(*size, folder), "given")
    if info is not None:
        return float(info.width), float(info.height), "video"
    width, height = (float(v) * (1.0 + EXTENT_MARGIN) for v in xy.max(axis=0))
    if not (width > 0 and height > 0):
        raise PoseFileError("cannot infer the image size from the keypoints; pass it", folder)
    return (*check_image_size(width, height, folder), "extent")

"""Trim by time maps: copies in which frame ``n`` of every output shows the same instant.

With one offset per input (:mod:`videosync.video.plan`) every copy is a run of consecutive
frames. An input that dropped frames without timestamps (a time map with several segments) or
whose clock drifts needs more: frame ``n`` of every copy is the reference's frame ``start + n``,
and each other input shows its frame captured nearest that instant
(:func:`videosync.sync.timemap.held_rows`). Where an input lost frames its last one before the
loss is shown again (a *repeated* frame); where the reference lost frames, the other inputs'
frames of those instants are left out. The repeated frames are listed beside the copies in
``REPEATED_JSON`` so that a 3D pipeline can ignore them.

Audio stays continuous: a recorder that drops video frames keeps recording sound, so an input's
audio from the copy's first instant on is in step with the reference's clock, with no cut at the
drops. (A drifting clock drifts the audio too; it is not resampled: ~0.3 s over 10 minutes at
500 ppm.) Design: ``docs/design/drift.md``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from videosync.errors import CannotSynchronizeError, VideosyncError
from videosync.sync.timemap import TimeMap, held_rows
from videosync.video.plan import FramePlan, TrimPlan, same_rate

#: The list of repeated frames written beside the copies.
REPEATED_JSON = "repeated_frames.json"


@dataclass(frozen=True)
class MappedPlan:
    """The frames of every copy, and per copy its frames that repeat the previous one and the
    source frames left out (instants the reference lost)."""

    plan: TrimPlan
    repeated: list[list[int]]
    skipped: list[list[int]]


def plan_time_maps(n_frames: list[int], fps: list[Fraction], maps: list[TimeMap], names: list[str], *,
                   common_end: bool = False) -> MappedPlan:
    """The copies' frames (see the module docstring): ``maps[i]`` maps the reference's frames
    (input 0, whose own map is ignored) to input ``i``'s."""
    if not all(same_rate(f, fps[0]) for f in fps):
        raise VideosyncError("a trim by time maps keeps every frame rate, and the inputs' rates differ: "
                             "trim them with --offsets (one offset each) and --fps instead")
    ref = np.arange(n_frames[0], dtype=np.int64)
    held = [ref] + [held_rows(m, np.arange(n, dtype=np.int64), ref) for m, n in zip(maps[1:], n_frames[1:])]
    covered = [h >= 0 for h in held]
    everyone = np.logical_and.reduce(covered)
    if not everyone.any():
        raise CannotSynchronizeError("with these time maps the videos do not overlap in time, so there is no "
                                     "common part to write")
    start = int(np.argmax(everyone))
    ends = [start + int(np.argmin(np.append(c[start:], False))) for c in covered]
    end = min(ends)
    plans, repeated, skipped = [], [], []
    for k, (h, f, stop) in enumerate(zip(held, fps, ends)):
        source = h[start:end if common_end else stop]
        lead = 0.0 if k == 0 else float(np.clip(maps[k].b_frame(np.array([start]))[0] - source[0], -0.5, 0.5))
        plans.append(FramePlan(first_frame=int(source[0]), n_frames=len(source), fps_out=f,
                               offset_used=float(source[0] - start), source_frames=None if k == 0 else source,
                               lead_frames=lead))
        repeated.append(repeats(np.arange(len(source)), source))
        used = np.zeros(int(source[-1] - source[0]) + 1, bool)
        used[source - source[0]] = True
        skipped.append([int(j) for j in np.flatnonzero(~used) + source[0]])
    return MappedPlan(TrimPlan(plans, start / float(fps[0]), rounded=False, resampled=False), repeated, skipped)


def repeats(frames: np.ndarray, source: np.ndarray) -> list[int]:
    """The ``frames`` whose ``source`` is the previous one's (a frame shown again)."""
    return [int(f) for f, prev, cur in zip(frames[1:], source[:-1], source[1:]) if prev == cur]


def repeated_json(outputs: list[Path], inputs: list[Path], mapped: MappedPlan) -> dict[str, Any]:
    """What ``REPEATED_JSON`` holds: per copy, its frames that repeat the previous one (frame
    numbers of the copy, 0-based) and its input's frames left out."""
    return {"reference": outputs[0].name,
            "videos": [{"input": str(src), "output": out.name, "first_frame": fp.first_frame,
                        "repeated_frames": rep, "skipped_input_frames": skip}
                       for src, out, fp, rep, skip in zip(inputs, outputs, mapped.plan.frames, mapped.repeated,
                                                          mapped.skipped)]}


def write_repeated(path: Path, document: dict[str, Any]) -> Path:
    """``document`` as JSON at ``path``, atomically."""
    from videosync.fileio import write_text

    return write_text(path, json.dumps(document, indent=2) + "\n")

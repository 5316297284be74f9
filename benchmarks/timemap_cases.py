"""Synthetic recordings whose offset steps (frames dropped without timestamps) or slides (clock
drift), with their truth: the cases of ``bench_timemap.py``.

Built from the calibration cases' blocks (:mod:`videosync.synth.cases`,
:mod:`videosync.synth.scenarios`): a performance of mocap clips of one split (performer-disjoint
``tune`` / ``calib`` / ``report``), as repeated motion (the same action chained: walking,
dancing, waving) or one-off motion, half and half; two fixed cameras of the shipped model's
training ranges film it for windows of equal length (``duration``, whatever the offset: the
clip's length never tells the offset), B starting up to ``MAX_OFFSET_SECONDS`` before or after
A. B's clock runs ``drift_ppm`` fast (its file still says the nominal rate), and B loses runs of
frames that are renumbered (a constant-rate file: nothing shows the loss). Every row keeps its
capture time, so the truth is, for every frame of A, the fractional frame of B captured at the
same instant (:func:`videosync.synth.scenarios.true_offsets`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from videosync.poses import PoseTrack
from videosync.synth.camera import CameraConfig, sample_camera
from videosync.synth.cases import catalogue, pick_clips, split_clips, stable_rng
from videosync.synth.noise import render_view
from videosync.synth.scenarios import (
    BASE_FPS,
    View,
    base_motion,
    chain_motions,
    drop_rows,
    played_at,
    sample_joints,
    true_offsets,
)

#: B starts up to this long (s) before or after A.
MAX_OFFSET_SECONDS = 4.0
#: Drops lie at least this far apart (s) and this far from either end of B: one run of lost
#: frames is one event of a recorder, and a drop at the very edge of the overlap moves nothing.
MIN_DROP_SPACING = 2.0
#: Frame rates drawn for A and B (one rate per case: the nominal rates agree, B's clock drifts).
FPS_CHOICES = (25.0, 30.0)


@dataclass
class Case:
    """One pair and its truth: ``truth_b[i]`` is the fractional frame of B captured with frame
    ``i`` of A (NaN where B was not recording); ``drops_a`` the first frame of A whose partner
    comes after each loss, with ``sizes`` the frames lost."""

    name: str
    a: PoseTrack
    b: PoseTrack
    truth_b: np.ndarray
    fps: float
    drift_ppm: float = 0.0
    drops_a: list[int] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    repeated: bool = False

    @property
    def seconds(self) -> float:
        return len(self.a) / self.fps


@functools.lru_cache(maxsize=4)
def clip_pool(mocap: str, split: str) -> tuple:
    """The mocap clips of ``split`` (``tune``, ``calib`` or ``report``; by performer)."""
    clips = catalogue(mocap)
    which = split_clips(clips)
    return tuple(c for c in clips if which[c.clip_id] == split)


def _filmed(joints: np.ndarray, times: np.ndarray, fps: float, rng: np.random.Generator) -> View:
    at = sample_joints(joints, BASE_FPS, times)
    camera = sample_camera(at, fps, rng, CameraConfig(moving_probability=0.0))
    return View(render_view(at, fps, camera, rng), times)


def draw_drops(first: int, last: int, fps: float, count: int, rng: np.random.Generator
               ) -> tuple[list[int], list[int]]:
    """Up to ``count`` runs of 1-5 frames starting at rows ``first .. last`` of B (fewer when
    there is no room for them ``MIN_DROP_SPACING`` apart), as the rows where each run starts."""
    drops: list[int] = []
    for _ in range(500):
        if len(drops) == count or last <= first:
            break
        at = int(rng.integers(first, last + 1))
        if all(abs(at - d) >= MIN_DROP_SPACING * fps for d in drops):
            drops.append(at)
    drops.sort()
    return drops, [int(s) for s in rng.integers(1, 6, len(drops))]


def make_case(name: str, split: str, mocap: Path, seed: int, *, seconds: float, n_drops: int = 0,
              drift_ppm: float = 0.0) -> Case:
    """One pair (see the module docstring); the same every time for the same arguments."""
    rng = stable_rng(seed, split, name)
    pool = list(clip_pool(str(mocap), split))
    repeated = bool(rng.random() < 0.5)
    offset_s = float(rng.uniform(-MAX_OFFSET_SECONDS, MAX_OFFSET_SECONDS))
    fps = float(rng.choice(FPS_CHOICES))
    candidates = [c for c in pool if c.repeated == repeated] or pool
    ids, tempos = pick_clips(candidates, seconds + 2 * MAX_OFFSET_SECONDS + 1.0, rng, same_action=repeated)
    by_id = {c.clip_id: c for c in pool}
    joints = chain_motions([played_at(base_motion(by_id[c].path), t) for c, t in zip(ids, tempos)], rng)
    n = int(round(seconds * fps))
    t0a = MAX_OFFSET_SECONDS + 0.5
    a = _filmed(joints, t0a + np.arange(n) / fps, fps, rng)
    b = _filmed(joints, t0a - offset_s + np.arange(n) / (fps * (1 + drift_ppm * 1e-6)), fps, rng)
    # B's row r is captured with A's frame r - offset_s * fps: runs lost inside the overlap,
    # MIN_DROP_SPACING from its ends (a loss in its last second leaves nothing to see it by)
    edge, shift = int(MIN_DROP_SPACING * fps), int(np.ceil(abs(offset_s) * fps))
    rows, sizes = draw_drops(edge + (shift if offset_s > 0 else 0), n - edge - 5 - (shift if offset_s < 0 else 0),
                             fps, n_drops, rng) if n_drops else ([], [])
    if rows:
        b = drop_rows(b, np.concatenate([np.arange(r, r + s) for r, s in zip(rows, sizes)]), timestamps=False)
    truth = true_offsets(a, b, rate=1.0 + drift_ppm * 1e-6)
    frames = np.arange(n, dtype=float)
    truth_b = np.interp(frames, truth.a, truth.b, left=np.nan, right=np.nan)
    lost_at = [t0a - offset_s + r / (fps * (1 + drift_ppm * 1e-6)) for r in rows]  # capture time of the loss
    drops_a = [int(np.ceil((t - t0a) * fps)) for t in lost_at]
    inside = [(d, s) for d, s in zip(drops_a, sizes) if 0 < d < n and np.isfinite(truth_b[min(d, n - 1)])
              and np.isfinite(truth_b[max(d - 1, 0)])]
    a.track.source, b.track.source = f"{name}/a", f"{name}/b"
    return Case(name, a.track, b.track, truth_b, fps, drift_ppm, [d for d, _ in inside], [s for _, s in inside],
                repeated)

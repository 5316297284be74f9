"""Deliberately varied synchronization cases with their ground truth, in three splits kept apart:
what the calibration benchmark (``benchmarks/bench_calibration.py``) measures the confidence on.

The synthetic evaluation pairs of :mod:`videosync.synth.dataset` are one setting: 4 s windows at
30 fps from the cameras and noise the shipped model was trained with. Real recordings vary more,
so every case (:class:`CaseSpec`, drawn from a seed by :func:`draw_case`) draws:

* **motion**: one mocap clip, or clips chained into a longer performance (the same action for a
  repeated motion, any others for a sequence of gestures; no clip twice while others are left),
  each played at a tempo of 0.85-1.15; as often repeated motion (walk, run,
  wave, dance: :data:`REPEATED_WORDS`, or one action performed twice) as one-off motion (bow,
  kick, jump...); the action label is a tag;
* **overlap** 0.8-60 s (log-uniform 2-20 s; 15 % of cases uniform 20-60 s; 15 % of the others
  log-uniform 0.8-2 s, clips of a few seconds as a phone records them) and an offset of up to
  half the overlap (at least 1 s, at most 10 s; at most half the overlap for the short clips),
  any real number of frames; both windows last ``overlap + |offset|`` whatever the offset, and
  their frame numbers start at 0;
* **body** (25 %): only the arms moving, standing or seated, hips and legs still (mostly arm
  motions: wave, raise a hand, call...), or the legs out of the picture (missing);
* **cameras**: the shipped model's training ranges for both views (40 %), else for one view or
  both others (:data:`CAMERAS`: wide and telephoto lenses, high and low mounts, a person
  filling or overfilling the frame, a moving camera); a camera rolled by quarter turns (12 %:
  a phone on its side) or tilted (12 %);
* **frame rates** 10-60 fps (at most ``MAX_FRAMES`` per window: long windows draw the lower
  rates), mixed between A and B in 30 % of cases; frames dropped with
  timestamps (12 %: gaps, 2-20 % of the frames) or without (10 %: renumbered, 0.3-3 %, the true
  offset slides); B's rate unknown (10 %: read as 30 fps with the image size from the poses'
  extent, as an OpenPose folder without its video);
* **keypoints**: the training noise for both views (40 %), else for one view or both other
  levels (:data:`NOISES`); detector failures (12 %: another person, left/right swapped, frames
  without a detection).

Splits (:func:`split_clips`): ``tune`` (for tuning the engine), ``calib`` (for fitting the
calibrator) and ``report`` (for the figures only), by performer (CMU subject; Bandai Namco
dataset and style, as its files do not name the actor; one skeleton file for the others), so no
motion and no performer is in two splits. The ``report`` split also draws settings ``tune`` and
``calib`` never see (:data:`REPORT_ONLY`): frame rates 6, 7.5, 20, 29.97 and 48 fps; the
``far`` camera (the person 8-20 % of the image height); the ``heavy`` keypoint noise; tilts of
25-60 degrees (``tune``/``calib``: 5-25). Every case says whether its motion was in the shipped
model's training data (``model_split``: the model saw ``train`` clips, not ``validation`` or
``test`` ones; its thresholds were tuned on ``validation``).
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import math
import re
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from videosync.poses.track import PoseTrack
from videosync.synth.camera import CameraConfig, sample_camera
from videosync.synth.dataset import PRESETS, assign_splits, discover_clips
from videosync.synth.noise import NoiseConfig, render_view
from videosync.synth.scenarios import (
    BASE_FPS,
    BLEND_SECONDS,
    Truth,
    View,
    assume_rate,
    base_motion,
    chain_motions,
    detector_failures,
    drop_frames,
    hide_joints,
    played_at,
    sample_joints,
    still_legs,
    tilt_image,
    true_offsets,
    turn_image,
)
from videosync.synth.skeletons import jitter_face, load_pose3d, random_segment_factors, scale_segments

SPLITS = ("tune", "calib", "report")
#: Clips shorter than this are left out (a few frames of a dash teach nothing about timing).
MIN_CLIP_SECONDS = 1.0
#: Labels whose motion repeats (a step, a wave, a dance figure): rival offsets a period apart.
REPEATED_WORDS = ("walk", "run", "jog", "dash", "wave", "bye", "dance", "charleston", "lambada", "stride", "hop")
#: Labels whose motion is mostly in the arms (what a person moving only the arms performs).
ARM_WORDS = ("wave", "raise-up", "bye", "call", "guide", "punch")
#: Seed of the shipped model's synthetic data (``videosync synth --seed 0``, see MODEL_CARD.md).
MODEL_DATA_SEED = 0
#: Motion beyond both windows (s) a performance must have (chained clips are a little shorter
#: than the sum of their lengths).
MARGIN_SECONDS = 0.5
#: Range of the speed each clip is played at (people repeat a motion at their own tempo).
TEMPO = (0.85, 1.15)
#: Most frames a window may have: long windows draw the lower rates (the engine's time grows
#: with the frames, and the benchmark should run in about an hour).
MAX_FRAMES = 1800
#: A moving camera travels at its drawn speed for this long at most; longer windows move it
#: proportionally slower (the camera ranges were made for 4 s windows).
DOLLY_SECONDS = 4.0

#: Frame rates every split draws from; the report split also draws REPORT_ONLY["fps"].
COMMON_FPS = (10.0, 12.0, 15.0, 24.0, 25.0, 30.0, 50.0, 60.0)
#: Camera ranges: ``train`` is what the shipped model was trained with, the others are not.
CAMERAS: dict[str, CameraConfig] = {
    "train": CameraConfig(),
    "wide": CameraConfig(long_side_fov_deg=(80.0, 110.0)),
    "tele": CameraConfig(long_side_fov_deg=(15.0, 35.0)),
    "high": CameraConfig(elevation_deg=(30.0, 55.0)),
    "low": CameraConfig(elevation_deg=(-15.0, -3.0), min_camera_height_m=0.05),
    "close": CameraConfig(person_fraction=(0.85, 1.2), min_visible_fraction=0.6),
    "moving": CameraConfig(moving_probability=1.0, dolly_speed_mps=(0.2, 0.8)),
    "far": CameraConfig(person_fraction=(0.08, 0.2)),
}
#: Keypoint noise: ``train`` is the shipped model's; ``clean`` a precise detector; ``noisy``
#: and ``jittery`` worse ones; ``heavy`` (report only) worse still.
NOISES: dict[str, NoiseConfig] = {
    "train": NoiseConfig(),
    "clean": NoiseConfig(quality_range=(0.2, 0.5)),
    "noisy": NoiseConfig(quality_range=(2.0, 4.0)),
    "jittery": NoiseConfig(jitter_rel=0.02, jitter_floor_px=2.0, quality_range=(1.0, 2.0)),
    "heavy": NoiseConfig(jitter_rel=0.03, jitter_floor_px=3.0, quality_range=(4.0, 8.0)),
}
#: Settings only the report split draws: the figures test generalisation, not tuning.
REPORT_ONLY: dict[str, tuple] = {
    "fps": (6.0, 7.5, 20.0, 29.97, 48.0),
    "camera": ("far",),
    "noise": ("heavy",),
    "tilt_deg": (25.0, 60.0),
}
TILT_DEG = (5.0, 25.0)
#: How often each condition is drawn (per case; per view where the spec holds a pair).
P_LONG, P_MIXED, P_RATE_UNKNOWN, P_TRAIN_SETTINGS = 0.15, 0.3, 0.1, 0.4
#: Overlaps of the short clips (s): windows of 0.8-3 s, what a few seconds of phone video or
#: a cut of a longer recording give (the real demo pairs overlap 1.0-1.3 s).
SHORT_OVERLAP, P_SHORT = (0.8, 2.0), 0.15
P_BODY = {"full": 0.75, "arms-standing": 0.08, "arms-seated": 0.09, "legs-out": 0.08}
P_TURN, P_TILT, P_GAPS, P_RENUMBERED, P_FAILURES = 0.12, 0.12, 0.12, 0.10, 0.12


# ---------------------------------------------------------------------------------- motions
@dataclass(frozen=True)
class MotionClip:
    """One mocap clip as the cases use it: where it is, what it shows, who performed it."""

    clip_id: str
    path: Path
    label: str
    action: str
    repeated: bool
    arms: bool
    performer: str
    seconds: float
    model_split: str  # the clip's split in the shipped model's synthetic data


def action_of(label: str) -> str:
    """``"walk / style active / take 001"`` -> ``"walk"``; a CMU description stays whole."""
    return label.split(" / ", 1)[0].strip() or "unknown"


def performer_of(rel: str, skeleton: str) -> str:
    """Who performed a clip, as far as the collection says: CMU subject, Bandai dataset and style
    (the files do not name the actor), else the skeleton file (one actor per ASF)."""
    name = Path(rel).stem
    bandai = re.match(r"dataset-(\d)_[^_]+_([^_]+)_\d+$", name)
    if bandai:
        return f"bandai{bandai.group(1)}:{bandai.group(2)}"
    cmu = re.match(r"^(\d{1,3})_\d{1,3}$", name)
    if cmu and rel.startswith("cmu/"):
        return f"cmu:{int(cmu.group(1)):02d}"
    return skeleton or rel


def _manifest_rows(mocap: Path) -> dict[str, dict[str, str]]:
    path = mocap / "manifest.csv"
    if not path.is_file():
        return {}
    with open(path, newline="", encoding="utf-8") as fh:
        return {row["path"]: row for row in csv.DictReader(fh) if row.get("path")}


def catalogue(mocap: str | Path) -> list[MotionClip]:
    """Every usable clip of a mocap folder (each read once, for its exact length), with its action
    label from ``manifest.csv`` and its split in the shipped model's training data (reproduced:
    :func:`videosync.synth.dataset.assign_splits` over the clips long enough for its pairs)."""
    mocap = Path(mocap)
    sources, _ = discover_clips(mocap)
    rows = _manifest_rows(mocap)
    seconds = {}
    for src in sources:
        pose = load_pose3d(src.path)
        seconds[src.clip_id] = (len(pose) - 1) / pose.fps
    preset = PRESETS["short"]
    eligible = [s.clip_id for s in sources
                if math.floor(seconds[s.clip_id] * preset.fps + 1e-9) + 1 >= preset.min_pair_clip_frames]
    seen = assign_splits(eligible, MODEL_DATA_SEED)
    out = []
    for src in sources:
        if seconds[src.clip_id] < MIN_CLIP_SECONDS:
            continue
        row = rows.get(src.rel, {})
        label = row.get("label") or Path(src.rel).stem
        low = label.lower()
        out.append(MotionClip(
            clip_id=src.clip_id, path=src.path, label=label, action=action_of(label),
            repeated=any(w in low for w in REPEATED_WORDS), arms=any(w in low for w in ARM_WORDS),
            performer=performer_of(src.rel, row.get("skeleton", "")), seconds=seconds[src.clip_id],
            model_split=seen.get(src.clip_id, "train")))
    return out


def split_clips(clips: list[MotionClip], seed: int = 0) -> dict[str, str]:
    """clip id -> split, whole performers at a time, evening out each split's repeated, one-off
    and arm-motion clips (greedy: the largest performers first, each to the split it evens out
    most, ties in a seeded order)."""
    groups: dict[str, list[MotionClip]] = {}
    for clip in clips:
        groups.setdefault(clip.performer, []).append(clip)
    names = sorted(groups)
    order = np.random.default_rng([seed, 0xCA11B]).permutation(len(names))
    ranked = sorted((names[i] for i in order), key=lambda g: -len(groups[g]))  # stable sort
    counts = np.zeros((len(SPLITS), 3))
    out: dict[str, str] = {}
    for name in ranked:
        kinds = np.array([[c.repeated, not c.repeated, c.arms] for c in groups[name]], dtype=float).sum(axis=0)
        cost = [float(np.sum((counts + np.outer(np.eye(len(SPLITS))[s], kinds)) ** 2)) for s in range(len(SPLITS))]
        best = int(np.argmin(cost))
        counts[best] += kinds
        out.update({c.clip_id: SPLITS[best] for c in groups[name]})
    return out


# ---------------------------------------------------------------------------------- specs
@dataclass(frozen=True)
class CaseSpec:
    """Everything drawn for one case; :func:`build_case` renders it the same way every time.

    ``offset_s``: B started recording this long before A (so the true offset is about
    ``offset_s * fps_b`` frames of B). Per-view pairs are ``(A, B)``: ``turns`` clockwise
    quarter turns of the image, ``tilt_deg`` a clockwise tilt, ``drops`` ``"none"``, ``"gaps"``
    (with timestamps) or ``"renumbered"`` (without), ``drop_share`` the share of frames lost.
    ``start_frac`` places the windows in the performance; ``tempos`` is how fast each clip is
    played (1 when not given).
    """

    id: str
    split: str
    seed: int
    clips: tuple[str, ...]
    repeated: bool
    overlap_s: float
    offset_s: float
    fps_a: float
    fps_b: float
    rate_unknown: bool
    body: str
    camera: tuple[str, str]
    noise: tuple[str, str]
    turns: tuple[int, int] = (0, 0)
    tilt_deg: tuple[float, float] = (0.0, 0.0)
    drops: tuple[str, str] = ("none", "none")
    drop_share: tuple[float, float] = (0.0, 0.0)
    failures: tuple[bool, bool] = (False, False)
    start_frac: float = 0.5
    tempos: tuple[float, ...] = ()

    @property
    def window_s(self) -> float:
        """How long each window lasts: the overlap plus the offset, whatever the offset."""
        return self.overlap_s + abs(self.offset_s)

    def to_json(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CaseSpec:
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})

    def digest(self) -> str:
        """A short hash of the spec: a cached result is reused only for the same case."""
        return hashlib.sha1(json.dumps(self.to_json(), sort_keys=True).encode()).hexdigest()[:12]


def stable_rng(seed: int, *keys: str | int) -> np.random.Generator:
    """A generator that depends only on the seed and the keys, not on the order cases are made."""
    return np.random.default_rng([int(seed) & 0xFFFFFFFF] + [zlib.crc32(str(k).encode()) for k in keys])


def _choices(split: str, name: str, common: tuple) -> tuple:
    return common + (REPORT_ONLY[name] if split == "report" else ())


def _settings(rng: np.random.Generator, options: tuple[str, ...]) -> tuple[str, str]:
    """Camera or noise settings of the two views: both ``train`` (P_TRAIN_SETTINGS), else one
    view or both (half the time each) from the others."""
    others = [o for o in options if o != "train"]
    if rng.random() < P_TRAIN_SETTINGS:
        return "train", "train"
    first = str(rng.choice(others))
    if rng.random() < 0.5:
        return (first, "train") if rng.random() < 0.5 else ("train", first)
    return first, str(rng.choice(others))


def _views(rng: np.random.Generator) -> tuple[bool, bool]:
    """Which views a per-view condition hits: B, A or both."""
    return ((False, True), (True, False), (True, True))[int(rng.choice(3, p=(0.5, 0.25, 0.25)))]


def _rates(rng: np.random.Generator, split: str, window_s: float) -> tuple[float, float, bool]:
    fps = _choices(split, "fps", COMMON_FPS)
    fps = tuple(f for f in fps if f * window_s <= MAX_FRAMES) or (min(fps),)
    fps_a = float(rng.choice(fps))
    mixed, unknown = bool(rng.random() < P_MIXED), bool(rng.random() < P_RATE_UNKNOWN)
    others = [f for f in fps if f != fps_a]
    fps_b = float(rng.choice(others)) if mixed and others else fps_a
    not_30 = [f for f in fps if f != 30.0]
    if unknown and fps_b == 30.0 and not_30:  # an assumption that happens to be right tests nothing
        fps_b = float(rng.choice(not_30))
    return fps_a, fps_b, unknown


def pick_clips(pool: list[MotionClip], need_s: float, rng: np.random.Generator, same_action: bool
               ) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Clips and their tempos (``TEMPO``): one clip at least ``need_s`` long once played, or clips
    chained until they are: clips not used yet (of the first one's action when ``same_action``:
    a walk goes on walking), then any other. Why never the same clip twice while others are left:
    a clip played again unchanged repeats every pose exactly, so the offset one repetition away is
    as right as the true one (no recording does that); a clip played again does so at another
    tempo."""
    tempo = float(rng.uniform(*TEMPO))
    long_enough = [c for c in pool if c.seconds / tempo >= need_s]
    if long_enough:
        return (long_enough[int(rng.integers(len(long_enough)))].clip_id,), (round(tempo, 4),)
    chosen, tempos = [pool[int(rng.integers(len(pool)))]], [tempo]
    total = chosen[0].seconds / tempo
    while total < need_s:
        unused = [c for c in pool if c not in chosen]
        same = [c for c in unused if c.action == chosen[0].action] if same_action else []
        options = same or unused or [c for c in pool if c is not chosen[-1]] or pool
        chosen.append(options[int(rng.integers(len(options)))])
        tempos.append(float(rng.uniform(*TEMPO)))
        total += chosen[-1].seconds / tempos[-1] - BLEND_SECONDS
    return tuple(c.clip_id for c in chosen), tuple(round(t, 4) for t in tempos)


def repeats(clips: list[MotionClip]) -> bool:
    """Whether a performance repeats itself: a repeated motion, or one action performed twice."""
    return any(c.repeated for c in clips) or len({c.action for c in clips}) < len(clips)


def _motion(rng: np.random.Generator, pool: list[MotionClip], body: str, need_s: float
            ) -> tuple[tuple[str, ...], tuple[float, ...], bool]:
    arms = [c for c in pool if c.arms]
    if body != "full" and arms and rng.random() < 0.8:
        clips, tempos = pick_clips(arms, need_s, rng, same_action=False)
    else:
        repeated = bool(rng.random() < 0.5)
        candidates = [c for c in pool if c.repeated == repeated] or pool
        clips, tempos = pick_clips(candidates, need_s, rng, same_action=repeated)
    by_id = {c.clip_id: c for c in pool}
    return clips, tempos, repeats([by_id[c] for c in clips])


def _per_view(rng: np.random.Generator, split: str) -> dict[str, Any]:
    """Turns, tilts, drops and failures, each drawn for a case and then for its views."""
    out: dict[str, Any] = {}
    if rng.random() < P_TURN:
        turn = int(rng.choice([1, 3, 2], p=(0.45, 0.45, 0.1)))
        out["turns"] = tuple(turn if hit else 0 for hit in _views(rng))
    if rng.random() < P_TILT:
        angle = float(rng.uniform(*(TILT_DEG if split != "report" else (TILT_DEG[0], REPORT_ONLY["tilt_deg"][1]))))
        side = 1.0 if rng.random() < 0.5 else -1.0
        hit_b = rng.random() < 0.7
        out["tilt_deg"] = (0.0, side * angle) if hit_b else (side * angle, 0.0)
    r = rng.random()
    if r < P_GAPS + P_RENUMBERED:
        kind = "gaps" if r < P_GAPS else "renumbered"
        share = float(rng.uniform(0.02, 0.2) if kind == "gaps" else rng.uniform(0.003, 0.03))
        hit_b = rng.random() < 0.7
        out["drops"] = ("none", kind) if hit_b else (kind, "none")
        out["drop_share"] = (0.0, share) if hit_b else (share, 0.0)
    if rng.random() < P_FAILURES:
        out["failures"] = _views(rng)
    return out


def _short_overlap(overlap: float) -> tuple[float, float]:
    """A short clip's overlap and offset reach from a log-uniform 2-20 s ``overlap``, mapped
    log-uniformly onto :data:`SHORT_OVERLAP`. Drawn apart from the case's own draws (its own
    random stream decides which cases are short, this maps the value already drawn), so every
    case that is not short keeps its spec and digest."""
    lo, hi = SHORT_OVERLAP
    short = lo * (hi / lo) ** (math.log(overlap / 2.0) / math.log(10.0))
    return short, 0.5 * short


def draw_case(case_id: str, split: str, pool: list[MotionClip], seed: int) -> CaseSpec:
    """One case of ``split`` from the clips of that split (see the module docstring for what is
    drawn and how often)."""
    rng = stable_rng(seed, split, case_id)
    overlap = float(rng.uniform(20.0, 60.0) if rng.random() < P_LONG else math.exp(rng.uniform(math.log(2.0), math.log(20.0))))
    reach = min(max(0.5 * overlap, 1.0), 10.0)
    if overlap < 20.0 and stable_rng(seed, split, case_id, "short").random() < P_SHORT:
        overlap, reach = _short_overlap(overlap)
    offset = float(rng.uniform(-reach, reach))
    fps_a, fps_b, unknown = _rates(rng, split, overlap + abs(offset))
    body = str(rng.choice(list(P_BODY), p=list(P_BODY.values())))
    clips, tempos, repeated = _motion(rng, pool, body, overlap + 2 * abs(offset) + MARGIN_SECONDS)
    cameras = _choices(split, "camera", tuple(c for c in CAMERAS if c not in REPORT_ONLY["camera"]))
    noises = _choices(split, "noise", tuple(n for n in NOISES if n not in REPORT_ONLY["noise"]))
    return CaseSpec(
        id=case_id, split=split, seed=seed, clips=clips, tempos=tempos, repeated=repeated, overlap_s=round(overlap, 4),
        offset_s=round(offset, 5), fps_a=fps_a, fps_b=fps_b, rate_unknown=unknown, body=body,
        camera=_settings(rng, cameras), noise=_settings(rng, noises),
        start_frac=round(float(rng.random()), 4), **_per_view(rng, split))


def draw_split(clips: list[MotionClip], split_of: dict[str, str], split: str, n: int, seed: int = 0
               ) -> list[CaseSpec]:
    """The first ``n`` cases of ``split`` (a larger ``n`` keeps the first ones unchanged)."""
    pool = [c for c in clips if split_of.get(c.clip_id) == split]
    if not pool:
        raise ValueError(f"no clip in split {split!r}")
    return [draw_case(f"{split}-{i:04d}", split, pool, seed) for i in range(n)]


# ---------------------------------------------------------------------------------- building
@dataclass
class Case:
    """A rendered case: the two inputs as ``align`` gets them, the truth and the tags."""

    spec: CaseSpec
    a: PoseTrack
    b: PoseTrack
    truth: Truth
    tags: dict[str, Any] = field(default_factory=dict)


def _render(joints: np.ndarray, t0: float, duration: float, fps: float, camera: str, noise: str,
            rng: np.random.Generator) -> View:
    """One camera filming ``joints`` (at BASE_FPS) from ``t0`` for ``duration`` seconds at ``fps``,
    as poses estimated from its video (frame rate and image size read from the video)."""
    times = t0 + np.arange(int(round(duration * fps))) / fps
    at = sample_joints(joints, BASE_FPS, times)
    config = CAMERAS[camera]
    slower = min(1.0, DOLLY_SECONDS / duration)  # a dolly shot lasts seconds, not a minute
    config = dataclasses.replace(config, dolly_speed_mps=tuple(v * slower for v in config.dolly_speed_mps))
    track = render_view(at, fps, sample_camera(at, fps, rng, config), rng, NOISES[noise])
    track.size_source = "video"
    track.meta["fps_source"] = "video"
    return View(track, times)


def _performance(spec: CaseSpec, clips: dict[str, MotionClip], rng: np.random.Generator) -> np.ndarray:
    tempos = spec.tempos or (1.0,) * len(spec.clips)
    joints = chain_motions([played_at(base_motion(clips[c].path), t) for c, t in zip(spec.clips, tempos)], rng)
    if spec.body in ("arms-standing", "arms-seated"):
        joints = still_legs(joints, seated=spec.body == "arms-seated")
    return jitter_face(scale_segments(joints, random_segment_factors(rng)), rng)


def _degrade(view: View, spec: CaseSpec, side: int, rng: np.random.Generator) -> View:
    """The per-view conditions, in the order a recording meets them: framing, camera roll,
    detector, recorder."""
    if spec.body == "legs-out":
        view = hide_joints(view)
    if spec.turns[side]:
        view = turn_image(view, spec.turns[side])
    if spec.tilt_deg[side]:
        view = tilt_image(view, spec.tilt_deg[side])
    if spec.failures[side]:
        view = detector_failures(view, rng)
    if spec.drops[side] != "none":
        view = drop_frames(view, spec.drop_share[side], rng, timestamps=spec.drops[side] == "gaps")
    return view


def build_case(spec: CaseSpec, clips: dict[str, MotionClip]) -> Case:
    """Render ``spec``: the same tracks and truth every time (its seed and id fix every draw)."""
    rng = stable_rng(spec.seed, spec.split, spec.id, "render")
    joints = _performance(spec, clips, rng)
    span = spec.overlap_s + 2 * abs(spec.offset_s)
    first = spec.start_frac * max(0.0, (len(joints) - 1) / BASE_FPS - span)
    t0a, t0b = (first + spec.offset_s, first) if spec.offset_s > 0 else (first, first - spec.offset_s)
    views = [_render(joints, t0, spec.window_s, fps, cam, noise, rng)
             for t0, fps, cam, noise in zip((t0a, t0b), (spec.fps_a, spec.fps_b), spec.camera, spec.noise)]
    a, b = (_degrade(v, spec, side, rng) for side, v in enumerate(views))
    truth = true_offsets(a, b, rate=spec.fps_b / spec.fps_a)
    if spec.rate_unknown:
        b = assume_rate(b)
    for view, name in ((a, "a"), (b, "b")):
        view.track.source = f"{spec.id}/{name}"
    return Case(spec, a.track, b.track, truth, case_tags(spec, clips))


def case_tags(spec: CaseSpec, clips: dict[str, MotionClip]) -> dict[str, Any]:
    """What the report breaks its figures down by; ``conditions`` lists every departure from a
    plain case (whole body, training cameras and noise, equal known rates, nothing lost)."""
    used = [clips[c] for c in spec.clips]
    conditions = [f"camera:{c}" for c in sorted(set(spec.camera)) if c != "train"]
    conditions += [f"noise:{n}" for n in sorted(set(spec.noise)) if n != "train"]
    conditions += [spec.body] if spec.body != "full" else []
    flags = {
        "mixed-rates": spec.fps_a != spec.fps_b and not spec.rate_unknown,
        "low-fps": min(spec.fps_a, spec.fps_b) < 15.0,
        "rate-unknown": spec.rate_unknown,
        "quarter-turn": any(spec.turns),
        "tilt": any(spec.tilt_deg),
        "gaps": "gaps" in spec.drops,
        "renumbered": "renumbered" in spec.drops,
        "failures": any(spec.failures),
        "repeated": spec.repeated,
        "long": spec.overlap_s >= 20.0,
        "short": spec.overlap_s < 5.0,
        "very-short": spec.overlap_s < SHORT_OVERLAP[1],
    }
    report_only = (spec.fps_a in REPORT_ONLY["fps"] or spec.fps_b in REPORT_ONLY["fps"]
                   or any(c in REPORT_ONLY["camera"] for c in spec.camera)
                   or any(n in REPORT_ONLY["noise"] for n in spec.noise)
                   or any(abs(t) > TILT_DEG[1] for t in spec.tilt_deg))
    flags["report-only-setting"] = report_only
    flags["motion-unseen-by-model"] = all(c.model_split != "train" for c in used)
    conditions += [name for name, on in flags.items() if on]
    return {
        "motion": used[0].action, "actions": sorted({c.action for c in used}), "repeated": spec.repeated,
        "arms_motion": all(c.arms for c in used), "overlap_s": spec.overlap_s, "window_s": round(spec.window_s, 4),
        "offset_s": spec.offset_s,
        "fps_a": spec.fps_a, "fps_b": spec.fps_b, "body": spec.body, "camera": list(spec.camera),
        "noise": list(spec.noise), "report_only": report_only,
        "model_split": sorted({c.model_split for c in used}), "conditions": conditions,
    }

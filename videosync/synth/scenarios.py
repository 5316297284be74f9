"""Conditions that real recordings bring, applied to motions and pose tracks, and the ground truth
that survives them: the building blocks of the calibration cases (:mod:`videosync.synth.cases`).

* 3D motion: clips chained into one longer performance (:func:`chain_motions`); only the arms
  moving, standing or seated (:func:`still_legs`); sampling at any rate and phase
  (:func:`sample_joints`).
* 2D views (a :class:`View` is a pose track plus the capture time of each row): a camera rolled
  by quarter turns, a phone on its side (:func:`turn_image`), or tilted (:func:`tilt_image`);
  joints out of the picture (:func:`hide_joints`); frames dropped with timestamps or without
  (:func:`drop_rows`); a file converted to a lower rate (:func:`decimate`); a frame rate assumed
  (:func:`assume_rate`); detector failures (:func:`detector_failures`).

Ground truth, for sliding offsets too: every row keeps its capture time through every
transformation, so the truth (:class:`Truth`) is, for every frame of A in the overlap, the
(fractional) frame number of B captured at the same instant, stored as the knots of that
piecewise-linear function. An answer ``(offset, rate)`` predicts frame ``rate * i + offset`` of
B for frame i of A (the README's convention); its error is the largest difference over the
overlap, in frames of B.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from videosync.poses.layouts import COCO17_FLIP
from videosync.tunables import ASSUMED_FPS, EXTENT_MARGIN
from videosync.poses.track import PoseTrack
from videosync.synth.skeletons import load_pose3d, resample

#: Rate (fps) motions are chained and sampled at: the highest of the mocap (CMU's 120 Hz).
BASE_FPS = 120.0
LOWER_BODY = (11, 12, 13, 14, 15, 16)
HIPS = (11, 12)
#: Height of a chair seat (m) for the seated person.
SEAT_HEIGHT_M = 0.45
#: Cross-fade (s) between chained clips.
BLEND_SECONDS = 0.3
#: A chained performance that has wandered this far (m) from where it began heads back.
HOME_RADIUS_M = 3.0


# ---------------------------------------------------------------------------------- 3D motion
@functools.lru_cache(maxsize=256)
def base_motion(path: Path) -> np.ndarray:
    """A clip's 3D COCO-17 joints at :data:`BASE_FPS` (cached: cases reuse clips)."""
    return resample(load_pose3d(path), BASE_FPS).joints


def sample_joints(joints: np.ndarray, fps: float, times: np.ndarray) -> np.ndarray:
    """Joints ``(T, 17, 3)`` sampled at ``fps`` read at ``times`` (seconds), linearly
    interpolated, clamped to the first and last frame."""
    pos = np.clip(np.asarray(times, dtype=float) * fps, 0.0, len(joints) - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, len(joints) - 1)
    w = (pos - lo)[:, None, None]
    return (1 - w) * joints[lo] + w * joints[hi]


def played_at(joints: np.ndarray, tempo: float, fps: float = BASE_FPS) -> np.ndarray:
    """The motion ``(T, 17, 3)`` at ``fps`` played ``tempo`` times as fast (fewer frames when
    faster), sampled at the same rate."""
    if tempo == 1.0:
        return joints
    n = int(math.floor((len(joints) - 1) / tempo + 1e-9)) + 1
    return sample_joints(joints, fps, np.arange(n) * tempo / fps)


def facing_angle(joints: np.ndarray) -> float:
    """Heading (radians, about the vertical, 0 = +z) the body faces in one frame ``(17, 3)``:
    forward is the left-hip-minus-right-hip vector crossed with up."""
    left = joints[11] - joints[12]
    return float(math.atan2(-left[2], left[0]))


def _yawed(joints: np.ndarray, yaw: float, pivot: np.ndarray, to: np.ndarray) -> np.ndarray:
    """``joints`` turned by ``yaw`` about the vertical through ``pivot`` (x, z), then moved so that
    ``pivot`` lands on ``to`` (x, z). A positive yaw adds to :func:`facing_angle`."""
    c, s = math.cos(yaw), math.sin(yaw)
    out = joints.copy()
    x, z = joints[..., 0] - pivot[0], joints[..., 2] - pivot[1]
    out[..., 0] = c * x + s * z + to[0]
    out[..., 2] = -s * x + c * z + to[1]
    return out


def chain_motions(clips: list[np.ndarray], rng: np.random.Generator, fps: float = BASE_FPS,
                  blend_s: float = BLEND_SECONDS) -> np.ndarray:
    """One performance from clips ``(T_k, 17, 3)`` at ``fps``, played one after the other.

    Each next clip is turned to face where the previous one faced and moved to where it was
    ``blend_s`` before its end, then the two are cross-faded over that time; once the performer
    is ``HOME_RADIUS_M`` from the start, the next clip is turned to head back (a person moving
    about a room or a field, not walking out of every camera's view).
    """
    mid = lambda j: j[..., HIPS, :].mean(axis=-2)  # noqa: E731
    out = _yawed(clips[0], 0.0, mid(clips[0][0])[[0, 2]], np.zeros(2))
    for nxt in clips[1:]:
        n = max(1, min(int(round(blend_s * fps)), len(out) // 2, len(nxt) // 2))
        anchor = out[-n]
        yaw = facing_angle(anchor) - facing_angle(nxt[0])
        here, travel = mid(anchor)[[0, 2]], (mid(nxt[-1]) - mid(nxt[0]))[[0, 2]]
        if np.linalg.norm(here) > HOME_RADIUS_M and np.linalg.norm(travel) > 0.5:
            home = math.atan2(-here[0], -here[1])
            yaw = home - math.atan2(travel[0], travel[1]) + rng.uniform(-np.pi / 4, np.pi / 4)
        placed = _yawed(nxt, yaw, mid(nxt[0])[[0, 2]], here)
        w = np.linspace(0.0, 1.0, n + 2)[1:-1, None, None]
        out = np.concatenate([out[:-n], (1 - w) * out[-n:] + w * placed[:n], placed[n:]])
    return out


def still_legs(joints: np.ndarray, seated: bool = False) -> np.ndarray:
    """Only the upper body moves: hips, knees and ankles stay as in the first frame, and the upper
    body keeps its motion relative to the hips (the pelvis's travel is taken out).

    ``seated``: the hips are lowered to a chair (``SEAT_HEIGHT_M``), the thighs point forward at
    hip height and the shanks straight down, with the clip's own segment lengths.
    """
    j = np.asarray(joints, dtype=float)
    hips0 = j[0, list(HIPS)]
    drift = j[:, list(HIPS)].mean(axis=1) - hips0.mean(axis=0)
    upper = j[:, :11] - drift[:, None, :]
    lower = np.repeat(j[:1, 11:], len(j), axis=0)
    if seated:
        drop = np.array([0.0, hips0[:, 1].mean() - SEAT_HEIGHT_M, 0.0])
        heading = facing_angle(j[0])
        forward = np.array([math.sin(heading), 0.0, math.cos(heading)])
        thigh = float(np.median(np.linalg.norm(j[:, 13:15] - j[:, 11:13], axis=-1)))
        shank = float(np.median(np.linalg.norm(j[:, 15:17] - j[:, 13:15], axis=-1)))
        hips = hips0 - drop
        knees = hips + thigh * forward
        ankles = knees - np.array([0.0, shank, 0.0])
        upper = upper - drop
        lower = np.repeat(np.concatenate([hips, knees, ankles])[None], len(j), axis=0)
    return np.concatenate([upper, lower], axis=1)


# ---------------------------------------------------------------------------------- views
@dataclass
class View:
    """A pose track and the capture time (seconds) of each of its rows: what the truth is
    computed from, kept through every transformation."""

    track: PoseTrack
    times: np.ndarray

    def with_track(self, track: PoseTrack, rows: np.ndarray | slice | None = None) -> View:
        return View(track, self.times if rows is None else self.times[rows])


def _with_keypoints(view: View, kp: np.ndarray) -> View:
    return view.with_track(view.track.with_keypoints(kp))


def turn_image(view: View, quarter_turns: int) -> View:
    """The view from a camera rolled by ``quarter_turns`` x 90 degrees clockwise (a phone on its
    side): one turn maps ``(x, y)`` in a W x H image to ``(H - y, x)`` in an H x W image, the
    inverse of :func:`videosync.poses.orient.rotate_track`'s counter-clockwise turn."""
    track = view.track
    kp = track.keypoints.astype(np.float64).copy()
    w, h = track.width, track.height
    x, y = kp[..., 0].copy(), kp[..., 1].copy()
    for _ in range(quarter_turns % 4):
        x, y, w, h = h - y, x, h, w
    kp[..., 0], kp[..., 1] = x, y
    kp[kp[..., 2] <= 0] = 0.0
    out = track.with_keypoints(kp.astype(np.float32))
    out.width, out.height = w, h
    return view.with_track(out)


def tilt_image(view: View, degrees: float) -> View:
    """The picture turned ``degrees`` clockwise about its centre (a camera tilted on its mount),
    same size: joints turned out of the image are missing."""
    track = view.track
    a = math.radians(degrees)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    kp = track.keypoints.astype(np.float64).copy()
    centre = np.array([track.width / 2.0, track.height / 2.0])
    kp[..., :2] = (kp[..., :2] - centre) @ rot.T + centre
    x, y = kp[..., 0], kp[..., 1]
    kp[(x < 0) | (x >= track.width) | (y < 0) | (y >= track.height)] = 0.0
    kp[kp[..., 2] <= 0] = 0.0
    return _with_keypoints(view, kp.astype(np.float32))


def hide_joints(view: View, joints: tuple[int, ...] = LOWER_BODY) -> View:
    """``joints`` missing in every frame (out of the picture, e.g. a webcam framing hips-up)."""
    kp = view.track.keypoints.copy()
    kp[:, list(joints)] = 0.0
    return _with_keypoints(view, kp)


def drop_rows(view: View, rows: np.ndarray, timestamps: bool) -> View:
    """The view without ``rows``. With ``timestamps`` the rest keep their frame numbers (gaps, as
    a file whose timestamps show the loss); without, they are renumbered 0, 1, 2... (a recorder
    that wrote a constant-rate file anyway), so every later frame is early by the number lost."""
    keep = np.ones(len(view.track), dtype=bool)
    keep[np.asarray(rows, dtype=np.int64)] = False
    track = view.track.select(keep)
    if not timestamps:
        track = track.with_keypoints(track.keypoints, np.arange(len(track), dtype=np.int64))
    return view.with_track(track, keep)


def drop_frames(view: View, share: float, rng: np.random.Generator, timestamps: bool) -> View:
    """:func:`drop_rows` of a random ``share`` of the frames, in short runs (1-3 frames, as a
    recorder falls behind), never the first."""
    n = len(view.track)
    lost: set[int] = set()
    while len(lost) < share * n:
        start = int(rng.integers(1, n))
        lost.update(range(start, min(n, start + int(rng.integers(1, 4)))))
    return drop_rows(view, np.array(sorted(lost), dtype=np.int64), timestamps)


def decimate(view: View, step: int) -> View:
    """Every ``step``-th row, renumbered, at ``fps / step`` (a file converted to a lower rate)."""
    keep = np.arange(len(view.track)) % step == 0
    track = view.track.select(keep)
    track = track.with_keypoints(track.keypoints, np.arange(len(track), dtype=np.int64))
    track.fps = view.track.fps / step
    return view.with_track(track, keep)


def assume_rate(view: View, fps: float = ASSUMED_FPS) -> View:
    """The track as an OpenPose folder without its video reads: frame rate ``fps`` assumed and
    flagged so (``meta["fps_source"] = "assumed"``, as :mod:`videosync.poses.openpose` does), the
    image size taken from the keypoints' extent. Frame numbers, hence the truth, do not change."""
    track = view.track.with_keypoints(view.track.keypoints)
    seen = track.keypoints[..., 2] > 0
    xy = track.keypoints[..., :2][seen]
    track.width, track.height = (float(v) * (1.0 + EXTENT_MARGIN) for v in xy.max(axis=0))
    track.size_source = "extent"
    track.fps = float(fps)
    track.meta["fps_source"] = "assumed"
    return view.with_track(track)


def swap_sides(view: View, rows: np.ndarray) -> View:
    """Left and right joints exchanged in ``rows`` (a detector mistaking front for back)."""
    kp = view.track.keypoints.copy()
    kp[rows] = kp[rows][:, list(COCO17_FLIP)]
    return _with_keypoints(view, kp)


def impostor(view: View, rows: np.ndarray, source_rows: np.ndarray, dx: float) -> View:
    """In ``rows``, the pose of ``source_rows`` moved ``dx`` pixels sideways (the detector
    following another person, doing something else, elsewhere in the picture)."""
    kp = view.track.keypoints.copy()
    other = view.track.keypoints[source_rows].copy()
    other[..., 0] += dx
    other[(other[..., 0] < 0) | (other[..., 0] >= view.track.width)] = 0.0
    kp[rows] = other
    return _with_keypoints(view, kp)


def blank(view: View, rows: np.ndarray) -> View:
    """No detection in ``rows`` (every joint missing)."""
    kp = view.track.keypoints.copy()
    kp[rows] = 0.0
    return _with_keypoints(view, kp)


def detector_failures(view: View, rng: np.random.Generator, per_second: float = 0.15) -> View:
    """Detector failures longer than :mod:`videosync.synth.noise`'s: about ``per_second`` events
    per second, each an impostor (0.3-1.5 s), a left/right swap (0.5-3 s) or a run of frames
    without a detection (0.2-1 s)."""
    fps, n = view.track.fps, len(view.track)
    for _ in range(int(rng.poisson(per_second * n / fps))):
        kind = int(rng.integers(3))
        length = int(round(rng.uniform(*((0.3, 1.5), (0.5, 3.0), (0.2, 1.0))[kind]) * fps))
        start = int(rng.integers(0, max(1, n - length)))
        rows = np.arange(start, min(n, start + max(1, length)))
        if kind == 0:
            source = (rows + int(rng.integers(n // 4, max(n // 4 + 1, 3 * n // 4)))) % n
            side = 1 if rng.random() < 0.5 else -1
            view = impostor(view, rows, source, side * rng.uniform(0.2, 0.4) * view.track.width)
        elif kind == 1:
            view = swap_sides(view, rows)
        else:
            view = blank(view, rows)
    return view


# ---------------------------------------------------------------------------------- truth
@dataclass
class Truth:
    """Where each frame of A in the overlap is in B: ``b`` (fractional frames of B) at frames
    ``a`` of A, the knots of a piecewise-linear function (between knots it is linear).

    ``rate`` is the true number of frames of B per frame of A (what the frame rates are, not
    what the files say); ``overlap_frames`` the frames of A that B also covers.
    """

    a: np.ndarray
    b: np.ndarray
    rate: float
    overlap_frames: int

    def worst_error(self, offset_frames: float, rate: float | None = None) -> float:
        """Largest ``|rate * i + offset - b(i)|`` over A's frames in the overlap (frames of B);
        the answer's line is straight and the truth linear between knots, so the knots suffice.
        ``rate`` defaults to the true one."""
        r = self.rate if rate is None else float(rate)
        if len(self.a) == 0:
            return math.inf
        return float(np.max(np.abs(r * self.a + float(offset_frames) - self.b)))

    @property
    def offset_range(self) -> tuple[float, float]:
        """Smallest and largest true offset ``b(i) - rate * i`` over the overlap (equal when it is
        constant; they differ by the frames lost without timestamps)."""
        k = self.b - self.rate * self.a
        return float(k.min()), float(k.max())

    def to_json(self) -> dict[str, Any]:
        lo, hi = self.offset_range if len(self.a) else (math.nan, math.nan)
        return {"a": [float(v) for v in self.a], "b": [round(float(v), 6) for v in self.b],
                "rate": self.rate, "overlap_frames": self.overlap_frames,
                "offset_min": round(lo, 6), "offset_max": round(hi, 6)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Truth:
        return cls(np.asarray(data["a"], float), np.asarray(data["b"], float), float(data["rate"]),
                   int(data["overlap_frames"]))


def _knots(x: np.ndarray, y: np.ndarray, tol: float = 1e-6) -> np.ndarray:
    """Indices of the points where the polyline ``(x, y)`` changes slope (and both ends)."""
    if len(x) <= 2:
        return np.arange(len(x))
    slope = np.diff(y) / np.diff(x)
    bends = np.flatnonzero(np.abs(np.diff(slope)) > tol) + 1
    return np.concatenate([[0], bends, [len(x) - 1]])


def true_offsets(a: View, b: View, rate: float) -> Truth:
    """For every frame of A captured while B was recording, the frame of B captured at the same
    instant (interpolated between B's rows by time), as :class:`Truth`."""
    ta, tb = a.times, b.times
    inside = (ta >= tb[0] - 1e-9) & (ta <= tb[-1] + 1e-9)
    fa = a.track.frame_index[inside].astype(float)
    fb = np.interp(ta[inside], tb, b.track.frame_index.astype(float))
    keep = _knots(fa, fb)
    return Truth(fa[keep], fb[keep], float(rate), int(inside.sum()))

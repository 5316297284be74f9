"""Synthetic poses with a known timing, for tests of the synchronization engine.

A pose is a continuous function of time (a sum of sinusoids with random, incommensurate
frequencies per joint coordinate), so it can be sampled at any instant: two "cameras" are the same
function sampled on shifted or differently spaced time grids, and the true offset is known exactly.
"""

from __future__ import annotations

import numpy as np

from videosync.poses import PoseTrack

#: A rough COCO-17 standing skeleton (pixels, image 640x480), around which joints move.
_REST = np.array([
    [0, -80], [-6, -86], [6, -86], [-14, -82], [14, -82], [-25, -55], [25, -55], [-35, -20],
    [35, -20], [-40, 10], [40, 10], [-15, 10], [15, 10], [-17, 60], [17, 60], [-18, 110],
    [18, 110],
], dtype=np.float64)


def pose_at(t: np.ndarray, seed: int = 0, n_waves: int = 6, amplitude: float = 12.0) -> np.ndarray:
    """``(len(t), 17, 3)`` keypoints (x, y px, score 1) of one person at times ``t`` (seconds)."""
    rng = np.random.default_rng(seed)
    t = np.asarray(t, dtype=np.float64)
    freq = rng.uniform(0.15, 1.2, size=(n_waves, 17, 2))
    phase = rng.uniform(0, 2 * np.pi, size=(n_waves, 17, 2))
    amp = amplitude * rng.uniform(0.3, 1.0, size=(n_waves, 17, 2)) / np.sqrt(n_waves)
    tt = t[:, None, None, None]
    wave = (amp[None] * np.sin(2 * np.pi * freq[None] * tt + phase[None])).sum(1)
    drift = np.stack([40 * np.sin(2 * np.pi * 0.05 * t + 1.0),
                      10 * np.sin(2 * np.pi * 0.07 * t)], 1)
    xy = np.array([320.0, 240.0]) + _REST[None] + wave + drift[:, None, :]
    return np.concatenate([xy, np.ones((len(t), 17, 1))], axis=2)


def track_from(kp: np.ndarray, fps: float, frame_index: np.ndarray | None = None) -> PoseTrack:
    return PoseTrack(kp.astype(np.float32), fps=fps, width=640, height=480, frame_index=frame_index)


def sampled_track(n: int, fps: float, start_seconds: float = 0.0, seed: int = 0) -> PoseTrack:
    """``n`` frames at ``fps`` starting at ``start_seconds`` of the person's motion."""
    return track_from(pose_at(start_seconds + np.arange(n) / fps, seed), fps)


def other_view(track: PoseTrack, angle_deg: float = 25.0, scale: float = 0.6,
               shift=(40.0, -30.0)) -> PoseTrack:
    """The same motion seen by a camera rotated in the image plane, nearer/farther and moved."""
    a = np.deg2rad(angle_deg)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]) * scale
    kp = track.keypoints.astype(np.float64).copy()
    centre = np.array([320.0, 240.0])
    kp[..., :2] = (kp[..., :2] - centre) @ rot.T + centre + np.asarray(shift)
    return track.with_keypoints(kp.astype(np.float32))

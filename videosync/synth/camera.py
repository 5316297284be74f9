"""Virtual pinhole cameras placed around a mocap subject, and projection to pixels.

The network must not learn one camera geometry, so every view draws its azimuth (all around the
subject, opposite views included), elevation, distance, focal length, image size (landscape and
portrait), lens roll and, for some views, a slow pan or dolly. Camera frame follows OpenCV:
x right, y down, z forward (into the scene); world is y up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: (width, height) of the image sizes drawn; portrait sizes are the transposes.
LANDSCAPE_SIZES: tuple[tuple[int, int], ...] = ((1920, 1080), (1280, 720), (3840, 2160), (640, 480), (1440, 1080))


@dataclass
class Camera:
    """A pinhole camera whose pose may change per frame.

    Attributes:
        width, height: image size in pixels.
        focal_px: focal length in pixels (square pixels); principal point ``(cx, cy)``.
        position: ``(T, 3)`` camera centre in world metres.
        rotation: ``(T, 3, 3)`` world-to-camera rotation (rows: right, down, forward).
        meta: the drawn parameters, for provenance.
    """

    width: int
    height: int
    focal_px: float
    cx: float
    cy: float
    position: np.ndarray
    rotation: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)

    def project(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pixels ``(T, J, 2)`` and depth ``(T, J)`` of world points ``(T, J, 3)``.

        Points at or behind the camera get depth <= 0 and meaningless pixels; callers mark them
        missing.
        """
        rel = np.asarray(points, dtype=float) - self.position[:, None, :]
        cam = np.einsum("tij,tkj->tki", self.rotation, rel)
        depth = cam[..., 2]
        safe = np.where(depth > 1e-6, depth, 1e-6)
        uv = np.stack(
            [self.focal_px * cam[..., 0] / safe + self.cx, self.focal_px * cam[..., 1] / safe + self.cy], axis=-1
        )
        return uv, depth


def look_at(position: np.ndarray, target: np.ndarray, roll_rad: float | np.ndarray = 0.0) -> np.ndarray:
    """World-to-camera rotations ``(T, 3, 3)`` for cameras at ``position`` looking at ``target``.

    World up is +y; ``roll_rad`` turns the image clockwise about the optical axis (a tilted
    phone). Degenerate straight-down views are avoided by the callers' elevation limits.
    """
    position = np.atleast_2d(position).astype(float)
    target = np.atleast_2d(target).astype(float)
    fwd = target - position
    fwd /= np.linalg.norm(fwd, axis=-1, keepdims=True)
    right = np.cross(fwd, np.array([0.0, 1.0, 0.0]))
    right /= np.linalg.norm(right, axis=-1, keepdims=True)
    down = np.cross(fwd, right)
    roll = np.broadcast_to(np.asarray(roll_rad, dtype=float), (len(fwd),))[:, None]
    c, s = np.cos(roll), np.sin(roll)
    r2 = c * right + s * down
    d2 = -s * right + c * down
    return np.stack([r2, d2, fwd], axis=1)


@dataclass
class CameraConfig:
    """Ranges the random cameras are drawn from (angles in degrees)."""

    elevation_deg: tuple[float, float] = (-5.0, 30.0)
    long_side_fov_deg: tuple[float, float] = (40.0, 80.0)
    person_fraction: tuple[float, float] = (0.3, 0.85)   # person height / image height
    portrait_probability: float = 0.3
    roll_sigma_deg: float = 2.0
    large_roll_probability: float = 0.1
    large_roll_deg: float = 15.0
    moving_probability: float = 0.3
    pan_follow: tuple[float, float] = (0.3, 1.0)          # share of the subject motion the pan follows
    dolly_speed_mps: tuple[float, float] = (0.05, 0.4)
    min_visible_fraction: float = 0.9                     # joints inside the image, else back off
    max_distance_m: float = 40.0
    min_camera_height_m: float = 0.2


def _smooth(x: np.ndarray, window: int) -> np.ndarray:
    """Centred moving average along time (edge-padded) for slow camera motions."""
    if window <= 1 or len(x) < 2:
        return x.copy()
    pad = window // 2
    padded = np.pad(x, ((pad, window - 1 - pad), (0, 0)), mode="edge")
    kernel = np.ones(window) / window
    return np.stack([np.convolve(padded[:, d], kernel, mode="valid") for d in range(x.shape[1])], axis=1)


def sample_camera(joints: np.ndarray, fps: float, rng: np.random.Generator,
                  config: CameraConfig | None = None, azimuth_rad: float | None = None) -> Camera:
    """Draw one camera that sees the subject ``joints (T, 17, 3)`` (metres, y up).

    The distance is set from a drawn person-to-image size ratio, then increased until at least
    ``min_visible_fraction`` of the joint positions fall inside the image, so travelling subjects
    may still leave the frame partly, as in real footage. (The draws happen in a fixed order, so
    a seed gives the same camera.)
    """
    cfg = config or CameraConfig()
    joints = np.asarray(joints, dtype=float)
    mid_hip = joints[:, 11:13].mean(axis=1)
    lo, hi = joints.reshape(-1, 3).min(axis=0), joints.reshape(-1, 3).max(axis=0)
    person_h = max(float(np.median(joints[..., 1].max(axis=1) - joints[..., 1].min(axis=1))), 0.5)
    centre = np.array([(lo[0] + hi[0]) / 2, float(np.median(mid_hip[:, 1])), (lo[2] + hi[2]) / 2])
    centre = centre + rng.normal(0.0, 0.1, 3)
    w, h, focal, cx, cy = _intrinsics(cfg, rng)
    az = float(rng.uniform(0.0, 2 * np.pi)) if azimuth_rad is None else float(azimuth_rad)
    el = np.deg2rad(rng.uniform(*cfg.elevation_deg))
    roll_deg = rng.normal(0.0, cfg.roll_sigma_deg)
    if rng.random() < cfg.large_roll_probability:
        roll_deg = rng.uniform(-cfg.large_roll_deg, cfg.large_roll_deg)
    distance = focal * person_h / (rng.uniform(*cfg.person_fraction) * h)
    direction = np.array([np.cos(el) * np.sin(az), np.sin(el), np.cos(el) * np.cos(az)])
    path = _camera_path(cfg, rng, mid_hip, fps)
    while True:
        position, target = path.at(centre + distance * direction, centre, cfg.min_camera_height_m)
        cam = Camera(int(w), int(h), float(focal), float(cx), float(cy), position,
                     look_at(position, target, np.deg2rad(roll_deg)))
        uv, depth = cam.project(joints)
        inside = (depth > 0.1) & (uv[..., 0] >= 0) & (uv[..., 0] < w) & (uv[..., 1] >= 0) & (uv[..., 1] < h)
        if inside.mean() >= cfg.min_visible_fraction or distance >= cfg.max_distance_m:
            break
        distance *= 1.15
    cam.meta = {
        "size": [int(w), int(h)], "focal_px": round(float(focal), 2),
        "azimuth_deg": round(float(np.rad2deg(az)) % 360, 2), "elevation_deg": round(float(np.rad2deg(el)), 2),
        "distance_m": round(float(distance), 3), "roll_deg": round(float(roll_deg), 2), "motion": path.motion,
    }
    return cam


def _intrinsics(cfg: CameraConfig, rng: np.random.Generator) -> tuple[int, int, float, float, float]:
    """A drawn image size (landscape or portrait), focal length (px) and principal point."""
    w, h = LANDSCAPE_SIZES[rng.integers(len(LANDSCAPE_SIZES))]
    if bool(rng.random() < cfg.portrait_probability):
        w, h = h, w
    fov = np.deg2rad(rng.uniform(*cfg.long_side_fov_deg))
    focal = (max(w, h) / 2) / np.tan(fov / 2)
    cx = w / 2 + rng.normal(0.0, 0.01 * w)
    cy = h / 2 + rng.normal(0.0, 0.01 * h)
    return w, h, focal, cx, cy


@dataclass(frozen=True)
class _CameraPath:
    """How a drawn camera moves: static, panning to follow the subject's hips, or dollying."""

    motion: str
    follow: float
    mid_hip: np.ndarray
    smooth_window: int
    dolly_dir: np.ndarray
    dolly_speed: float
    t: np.ndarray

    def at(self, base: np.ndarray, centre: np.ndarray, min_height: float) -> tuple[np.ndarray, np.ndarray]:
        """``(T, 3)`` positions (never below ``min_height``) and look-at targets around ``base``."""
        n = len(self.t)
        position = np.repeat(base[None], n, axis=0)
        position[:, 1] = np.maximum(position[:, 1], min_height)  # never below the floor
        target = np.repeat(centre[None], n, axis=0)
        if self.motion == "pan":
            target = target + self.follow * (_smooth(self.mid_hip, self.smooth_window) - self.mid_hip.mean(axis=0))
        elif self.motion == "dolly":
            position = position + self.t[:, None] * self.dolly_speed * self.dolly_dir
        return position, target


def _camera_path(cfg: CameraConfig, rng: np.random.Generator, mid_hip: np.ndarray, fps: float) -> _CameraPath:
    motion = "static"
    if rng.random() < cfg.moving_probability:
        motion = "pan" if rng.random() < 0.5 else "dolly"
    follow = rng.uniform(*cfg.pan_follow)
    dolly_dir = rng.normal(size=3)
    dolly_dir[1] = 0.0
    dolly_dir /= max(np.linalg.norm(dolly_dir), 1e-9)
    dolly_speed = rng.uniform(*cfg.dolly_speed_mps)
    n = len(mid_hip)
    return _CameraPath(motion, follow, mid_hip, max(1, int(round(2.0 * fps))), dolly_dir, dolly_speed,
                       (np.arange(n) - (n - 1) / 2) / fps)

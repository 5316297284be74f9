"""Turn clean projected joints into what a 2D pose detector would output.

A network trained on perfect projections learns to trust details that real detectors do not
deliver. The errors imitated here are the ones seen in detector output on real video: jitter that
grows with motion blur and, relative to the body, with distance (a small person has a pixel-level
noise floor); low-confidence and missing joints, more of them on the far side of the body and on
the face when the head turns away; brief left/right swaps; whole frames without a detection; and
joints that leave the image.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

from videosync.poses.layouts import COCO17_FLIP, NUM_JOINTS
from videosync.poses.track import PoseTrack
from videosync.synth.camera import Camera

#: COCO keypoint OKS sigmas: how loosely each joint is defined (hips most, eyes least). Used to
#: give each joint its own jitter relative to the shoulders.
COCO_SIGMAS = np.array([0.026, 0.025, 0.025, 0.035, 0.035, 0.079, 0.079, 0.072, 0.072,
                        0.062, 0.062, 0.107, 0.107, 0.087, 0.087, 0.089, 0.089])

_LEFT = np.array([1, 3, 5, 7, 9, 11, 13, 15])
_RIGHT = np.array(COCO17_FLIP)[_LEFT]
_SWAP_GROUPS = (np.arange(NUM_JOINTS), np.arange(11, 17), np.arange(5, 11))  # whole body, legs, arms


@dataclass
class NoiseConfig:
    """Strength of each kind of detector error (rates scale with a per-view quality factor)."""

    jitter_rel: float = 0.01            # std at the shoulders, as a fraction of person height
    jitter_floor_px: float = 0.7        # pixel-level floor: dominates for small/distant people
    blur_gain: float = 0.1              # extra std per pixel of joint motion per frame
    temporal_rho: float = 0.5           # AR(1) correlation of the jitter between frames
    quality_range: tuple[float, float] = (0.5, 2.0)  # per-view multiplier of all errors (log-uniform)
    p_low_score: float = 0.02           # joint-frames with a low score and a wrong-ish position
    p_missing: float = 0.01             # joint-frames dropped (score 0)
    far_side_depth_m: float = 0.12      # L/R joints this much farther than their twin count as occluded
    p_far_side_missing: float = 0.05
    p_face_away_missing: float = 0.4
    swaps_per_second: float = 0.05
    swap_frames: tuple[int, int] = (1, 6)
    dropouts_per_second: float = 0.05
    dropout_frames: tuple[int, int] = (1, 10)


def _events(n: int, rate_per_frame: float, length: tuple[int, int], rng: np.random.Generator) -> list[slice]:
    count = rng.poisson(rate_per_frame * n) if n else 0
    out = []
    for _ in range(count):
        size = int(rng.integers(length[0], length[1] + 1))
        start = int(rng.integers(0, max(1, n - size + 1)))
        out.append(slice(start, min(n, start + size)))
    return out


def apply_detector_noise(uv: np.ndarray, depth: np.ndarray, person_px: np.ndarray, width: float, height: float,
                         fps: float, rng: np.random.Generator, config: NoiseConfig | None = None,
                         quality: float | None = None) -> np.ndarray:
    """Noisy keypoints ``(T, 17, 3)`` (x, y, score; score 0 = missing) from clean ``uv (T, 17, 2)``.

    Args:
        depth: ``(T, 17)`` camera-space depth in metres (face and far-side occlusion, behind-camera).
        person_px: ``(T,)`` apparent person height in pixels (sets the jitter scale).
        quality: per-view error multiplier; drawn from ``config.quality_range`` when None.
    """
    cfg = config or NoiseConfig()
    uv = np.asarray(uv, dtype=float)
    n = len(uv)
    if quality is None:
        lo, hi = np.log(cfg.quality_range[0]), np.log(cfg.quality_range[1])
        quality = float(np.exp(rng.uniform(lo, hi)))
    person_px = np.maximum(np.asarray(person_px, dtype=float), 1.0)[:, None]
    xy, speed = _jitter(uv, person_px, quality, cfg, rng)
    # Scores: confident by default, lowered by blur.
    blur = speed / person_px
    score = np.clip(rng.normal(0.9, 0.04, size=uv.shape[:2]), 0.5, 1.0) / (1.0 + 3.0 * blur)
    score, missing = _self_occlusion(depth, score, quality, cfg, rng)
    # Isolated bad joints: low score and a displaced position, or dropped altogether.
    low = rng.random(score.shape) < cfg.p_low_score * quality
    score = np.where(low, rng.uniform(0.05, 0.35, size=score.shape), score)
    xy = xy + low[..., None] * rng.normal(0.0, 0.05, size=uv.shape) * person_px[..., None]
    missing |= rng.random(score.shape) < cfg.p_missing * quality
    # Brief left/right swaps (whole body, legs or arms) and whole-frame dropouts.
    keypoints = np.concatenate([xy, score[..., None]], axis=-1)
    for sl in _events(n, cfg.swaps_per_second * quality / fps, cfg.swap_frames, rng):
        group = _SWAP_GROUPS[int(rng.integers(len(_SWAP_GROUPS)))]
        flip = np.array(COCO17_FLIP)[group]
        keypoints[sl, group] = keypoints[sl][:, flip]
    for sl in _events(n, cfg.dropouts_per_second * quality / fps, cfg.dropout_frames, rng):
        missing[sl] = True
    # Outside the image or behind the camera: a detector cannot report it.
    x, y = keypoints[..., 0], keypoints[..., 1]
    missing |= (x < 0) | (x >= width) | (y < 0) | (y >= height) | (depth <= 0.1)
    keypoints[missing] = 0.0
    return keypoints.astype(np.float32)


def _jitter(uv: np.ndarray, person_px: np.ndarray, quality: float, cfg: NoiseConfig, rng: np.random.Generator
            ) -> tuple[np.ndarray, np.ndarray]:
    """Jittered positions (per-joint scale relative to body size, a pixel floor, motion blur,
    correlated between frames) and each joint's speed (px per frame)."""
    n = len(uv)
    speed = np.zeros(uv.shape[:2])
    if n > 1:
        speed = np.linalg.norm(np.gradient(uv, axis=0), axis=-1)
    std = quality * (cfg.jitter_rel * (COCO_SIGMAS / 0.079) * person_px + cfg.jitter_floor_px) + cfg.blur_gain * speed
    white = rng.normal(size=uv.shape)
    rho = cfg.temporal_rho
    if n > 1 and rho > 0:
        white = lfilter([np.sqrt(1 - rho * rho)], [1.0, -rho], white, axis=0)
    return uv + std[..., None] * white, speed


def _self_occlusion(depth: np.ndarray, score: np.ndarray, quality: float, cfg: NoiseConfig,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Scores lowered, and joints dropped, for the farther of two twin joints and for the face
    when it turns away."""
    far = np.zeros(score.shape, dtype=bool)
    dd = depth[:, _LEFT] - depth[:, _RIGHT]
    far[:, _LEFT] = dd > cfg.far_side_depth_m
    far[:, _RIGHT] = -dd > cfg.far_side_depth_m
    away = depth[:, 0] > depth[:, 3:5].mean(axis=1)  # nose behind the ears: back of the head to us
    face_away = np.zeros_like(far)
    face_away[:, 0:3] = away[:, None]
    score = np.where(far, score * rng.uniform(0.45, 0.9, size=score.shape), score)
    score = np.where(face_away, score * rng.uniform(0.1, 0.5, size=score.shape), score)
    missing = (far & (rng.random(score.shape) < cfg.p_far_side_missing * quality)) | (
        face_away & (rng.random(score.shape) < cfg.p_face_away_missing)
    )
    return score, missing


def render_view(joints: np.ndarray, fps: float, camera: Camera, rng: np.random.Generator,
                config: NoiseConfig | None = None, source: str = "", meta: dict | None = None,
                clean: bool = False) -> PoseTrack:
    """Project 3D COCO-17 joints ``(T, 17, 3)`` through ``camera`` and add detector errors.

    ``clean=True`` skips the noise (only out-of-image joints are dropped), for checks and plots.
    """
    uv, depth = camera.project(joints)
    mid_depth = np.maximum(depth[:, 11:13].mean(axis=1), 0.1)
    body_h = np.linalg.norm(joints[:, 0] - joints[:, 15:17].mean(axis=1), axis=-1)
    person_px = camera.focal_px * np.maximum(np.median(body_h), 0.3) / mid_depth
    view_meta = {"synthetic": True, "camera": dict(camera.meta), **(meta or {})}
    if clean:
        inside = (depth > 0.1) & (uv[..., 0] >= 0) & (uv[..., 0] < camera.width) & (uv[..., 1] >= 0) & (
            uv[..., 1] < camera.height)
        keypoints = np.concatenate([uv, inside[..., None].astype(float)], axis=-1)
        keypoints[~inside] = 0.0
    else:
        cfg = config or NoiseConfig()
        lo, hi = np.log(cfg.quality_range[0]), np.log(cfg.quality_range[1])
        quality = float(np.exp(rng.uniform(lo, hi)))
        keypoints = apply_detector_noise(uv, depth, person_px, camera.width, camera.height, fps, rng, cfg, quality)
        view_meta["noise_quality"] = round(quality, 3)
    return PoseTrack(
        keypoints=keypoints,
        fps=fps,
        width=camera.width,
        height=camera.height,
        source=source,
        size_source="given",
        meta=view_meta,
    )

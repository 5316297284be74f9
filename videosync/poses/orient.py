"""Turn a pose track whose person appears sideways or upside down (a camera mounted on its side
without a rotation tag) upright, by quarter turns of the whole image.

Why: pose estimators find a person lying across a rotated frame well (MediaPipe's keypoints on a
demo video turned 90 degrees agree with the upright video's to ~2 px), but the synchronization
features are not rotation invariant. SeSyn-Net was trained on upright people, and the
speed-xcorr baseline correlates *vertical* keypoint speeds, which a sideways camera turns into
horizontal ones. Turning the keypoints (not the pixels) is exact and cheap, and the two-view
geometry refinement is unaffected (a rotation of one image changes F, not whether it exists).

The body's up direction in each frame is mid-hip -> mid-shoulder, or mid-shoulder -> nose when the
hips are not seen (upper-body shots). The median direction over the track decides: the track is
turned by the quarter turn that brings it closest to upright, but only if it lies within
``UPRIGHT_MAX_TILT`` degrees of that quarter turn's axis, so a person leaning or bending over is left
alone. One turn for the whole track: a person who lies down mid-clip stays as filmed.
"""

from __future__ import annotations

import numpy as np

from videosync.poses.track import PoseTrack
from videosync.tunables import UPRIGHT_MAX_TILT, UPRIGHT_MIN_FRAMES

NOSE, L_SHOULDER, R_SHOULDER, L_HIP, R_HIP = 0, 5, 6, 11, 12


def _midpoint(kp: np.ndarray, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
    seen = (kp[:, a, 2] > 0) & (kp[:, b, 2] > 0)
    return (kp[:, a, :2] + kp[:, b, :2]) / 2, seen


def body_angle(track: PoseTrack) -> float | None:
    """Median direction of the body's up axis, degrees clockwise from image-up (None if unknown).

    0: upright; 90: the head points to the image's right; 180: upside down; -90: to the left.
    """
    kp = track.keypoints
    shoulders, seen_s = _midpoint(kp, L_SHOULDER, R_SHOULDER)
    hips, seen_h = _midpoint(kp, L_HIP, R_HIP)
    up = np.where((seen_s & seen_h)[:, None], shoulders - hips, np.nan)
    neck_up = kp[:, NOSE, :2] - shoulders
    fallback = ~(seen_s & seen_h) & seen_s & (kp[:, NOSE, 2] > 0)
    up[fallback] = neck_up[fallback]
    ok = np.isfinite(up).all(axis=1) & (np.linalg.norm(np.nan_to_num(up), axis=1) > 1e-6)
    if ok.sum() < UPRIGHT_MIN_FRAMES:
        return None
    unit = up[ok] / np.linalg.norm(up[ok], axis=1, keepdims=True)
    # median of the unit vectors' components, then its angle: robust to a few flipped frames
    x, y = np.median(unit[:, 0]), np.median(unit[:, 1])
    if x == 0 and y == 0:
        return None
    return float(np.degrees(np.arctan2(x, -y)))


def upright_turns(track: PoseTrack, max_tilt: float = UPRIGHT_MAX_TILT) -> int:
    """Counter-clockwise quarter turns (0-3) of the image that make the person upright."""
    angle = body_angle(track)
    if angle is None:
        return 0
    turns = int(np.round(angle / 90.0))
    if abs(angle - 90.0 * turns) > max_tilt:
        return 0
    return turns % 4


def rotate_track(track: PoseTrack, turns: int) -> PoseTrack:
    """The track as seen in its image turned ``turns`` quarter turns counter-clockwise.

    One counter-clockwise turn of a W x H image gives an H x W image in which the point (x, y)
    is at (y, W - x) (as ``np.rot90(image, 1)`` does to pixels).
    """
    turns %= 4
    if turns == 0:
        return track
    kp = track.keypoints.copy()
    w, h = track.width, track.height
    x, y = kp[..., 0].copy(), kp[..., 1].copy()
    for _ in range(turns):
        x, y, w, h = y, w - x, h, w
    kp[..., 0], kp[..., 1] = x, y
    kp[kp[..., 2] <= 0] = 0.0
    out = track.with_keypoints(kp)
    out.width, out.height = w, h
    out.meta["upright_turns"] = turns
    return out


def make_upright(track: PoseTrack) -> PoseTrack:
    """``track`` turned so that its person is upright (unchanged if already, or if unsure)."""
    return rotate_track(track, upright_turns(track))

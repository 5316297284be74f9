"""Undo sudden left/right swaps in a pose track.

Single-frame estimators sometimes label the person's left side as right for a stretch of frames:
MediaPipe does it for 30 frames in the Pose2Sim demo's cam02 (a ~0.33 body-height jump of every
limb between two frames 17 ms apart, and back later). For synchronization such a swap is a burst
of fake motion. Real motion is continuous: a person who turns around brings the left and right
joints past each other gradually, so a swap shows up as one frame where the *mirrored* pose is
much closer to the previous frame than the pose as labelled. We mirror those groups of joints
(face, arms, legs separately, since estimators also swap just the legs), keep every later frame
consistent with the corrected one, and finally keep the labelling that agrees with the
estimator on most frames, so a swap in the very first frames does not flip the whole clip.
"""

from __future__ import annotations

import numpy as np

from videosync.poses.layouts import COCO17_FLIP
from videosync.tunables import SWAP_MAX_GAP, SWAP_MIN_JUMP, SWAP_RATIO

#: Joint groups mirrored independently (COCO-17 indices).
GROUPS: tuple[tuple[int, ...], ...] = ((1, 2, 3, 4), (5, 6, 7, 8, 9, 10), (11, 12, 13, 14, 15, 16))


def _mirror(pose: np.ndarray, group: tuple[int, ...]) -> np.ndarray:
    out = pose.copy()
    out[list(group)] = pose[[COCO17_FLIP[j] for j in group]]
    return out


def _group_distance(a: np.ndarray, b: np.ndarray, group: tuple[int, ...]) -> float | None:
    idx = list(group)
    ok = (a[idx, 2] > 0) & (b[idx, 2] > 0)
    if ok.sum() < 2:
        return None
    return float(np.linalg.norm(a[idx][ok, :2] - b[idx][ok, :2], axis=1).mean())


def fix_left_right_swaps(keypoints: np.ndarray, frame_index: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """Return ``(keypoints with swaps undone, number of frame-groups mirrored)``.

    ``keypoints`` is ``(T, 17, 3)``; ``frame_index`` (source frame numbers) tells where frames are
    missing, so that poses far apart in time are not compared.
    """
    kp = np.asarray(keypoints, dtype=np.float32).copy()
    n = len(kp)
    fi = np.arange(n) if frame_index is None else np.asarray(frame_index)
    valid = (kp[..., 2] > 0).sum(axis=1) >= 4
    if valid.sum() < 2:
        return kp, 0
    heights = [np.ptp(p[p[:, 2] > 0, 1]) for p in kp[valid]]
    height = max(float(np.median(heights)), 1.0)
    mirrored = np.zeros((n, len(GROUPS)), dtype=bool)
    prev = None
    for t in range(n):
        if not valid[t]:
            continue
        if prev is not None and fi[t] - fi[prev] <= SWAP_MAX_GAP:
            for g, group in enumerate(GROUPS):
                flipped = _mirror(kp[t], group)
                d = _group_distance(kp[t], kp[prev], group)
                df = _group_distance(flipped, kp[prev], group)
                if d is not None and df is not None and d > SWAP_MIN_JUMP * height and df < SWAP_RATIO * d:
                    kp[t] = flipped
                    mirrored[t, g] = True
        prev = t
    # mirrored[t, g]: frame t's group g now disagrees with the estimator's labels
    for g, group in enumerate(GROUPS):
        if mirrored[valid, g].sum() * 2 > valid.sum():  # most frames disagree: flip all back
            for t in np.flatnonzero(valid):
                kp[t] = _mirror(kp[t], group)
            mirrored[:, g] = ~mirrored[:, g]
    return kp, int(mirrored[valid].sum())

"""COCO-17, the joint layout every PoseTrack uses internally.

Other layouts (OpenPose BODY_25/BODY_25B/COCO-18, HALPE-26, MediaPipe-33) are converted to it on
import by index maps kept in this module, so that the rest of the pipeline never branches on layout.
"""

from __future__ import annotations

import numpy as np

from videosync.tunables import LAYOUT_MIN_CHECKS, LAYOUT_MIN_LEAD, LAYOUT_MIN_PASS, LAYOUT_NEAR

COCO17_NAMES: tuple[str, ...] = (
    "nose",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
)
NUM_JOINTS = len(COCO17_NAMES)

#: Bones of the COCO-17 skeleton (undirected), as used by the skeleton graph and by plots.
COCO17_EDGES: tuple[tuple[int, int], ...] = (
    (0, 1), (0, 2), (1, 3), (2, 4),          # face
    (0, 5), (0, 6),                          # nose to shoulders (COCO has no neck joint)
    (5, 6), (5, 7), (7, 9), (6, 8), (8, 10),  # arms
    (5, 11), (6, 12), (11, 12),              # torso
    (11, 13), (13, 15), (12, 14), (14, 16),  # legs
)

#: Index of each joint's left/right counterpart (itself for the nose); used to flip skeletons.
COCO17_FLIP: tuple[int, ...] = (0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15)


# ---------------------------------------------------------------------------------------------
# Other tools' layouts, as index maps: ``LAYOUT_TO_COCO17[name][j]`` is the index, in that layout,
# of COCO-17 joint ``j``. Joints COCO-17 lacks (neck, mid-hip, head top, feet) are dropped.

#: OpenPose BODY_25: 0 Nose, 1 Neck, 2 RShoulder, 3 RElbow, 4 RWrist, 5 LShoulder, 6 LElbow,
#: 7 LWrist, 8 MidHip, 9 RHip, 10 RKnee, 11 RAnkle, 12 LHip, 13 LKnee, 14 LAnkle, 15 REye,
#: 16 LEye, 17 REar, 18 LEar, 19 LBigToe, 20 LSmallToe, 21 LHeel, 22 RBigToe, 23 RSmallToe, 24 RHeel.
BODY_25_TO_COCO17: tuple[int, ...] = (0, 16, 15, 18, 17, 5, 2, 6, 3, 7, 4, 12, 9, 13, 10, 14, 11)

#: OpenPose BODY_25B (what Pose2Sim writes): 0-16 in COCO-17 order, 17 Neck (upper neck),
#: 18 Head top, 19 LBigToe, 20 LSmallToe, 21 LHeel, 22 RBigToe, 23 RSmallToe, 24 RHeel.
BODY_25B_TO_COCO17: tuple[int, ...] = tuple(range(17))

#: OpenPose COCO (18 joints): 0 Nose, 1 Neck, 2 RShoulder, 3 RElbow, 4 RWrist, 5 LShoulder,
#: 6 LElbow, 7 LWrist, 8 RHip, 9 RKnee, 10 RAnkle, 11 LHip, 12 LKnee, 13 LAnkle, 14 REye,
#: 15 LEye, 16 REar, 17 LEar.
COCO_18_TO_COCO17: tuple[int, ...] = (0, 15, 14, 17, 16, 5, 2, 6, 3, 7, 4, 11, 8, 12, 9, 13, 10)

#: HALPE-26 (AlphaPose, RTMPose "Body_with_feet"): 0-16 in COCO-17 order, 17 Head, 18 Neck,
#: 19 Hip, 20 LBigToe, 21 RBigToe, 22 LSmallToe, 23 RSmallToe, 24 LHeel, 25 RHeel.
HALPE_26_TO_COCO17: tuple[int, ...] = tuple(range(17))

LAYOUT_TO_COCO17: dict[str, tuple[int, ...]] = {
    "COCO_17": tuple(range(17)),
    "COCO_18": COCO_18_TO_COCO17,
    "BODY_25": BODY_25_TO_COCO17,
    "BODY_25B": BODY_25B_TO_COCO17,
    "HALPE_26": HALPE_26_TO_COCO17,
}

#: Number of keypoints per person in each layout.
LAYOUT_SIZES: dict[str, int] = {"COCO_17": 17, "COCO_18": 18, "BODY_25": 25, "BODY_25B": 25, "HALPE_26": 26}


def layout_for_count(n_keypoints: int) -> tuple[str, ...]:
    """Layouts a file with ``n_keypoints`` per person may be in (several when the count is ambiguous)."""
    return tuple(name for name, size in LAYOUT_SIZES.items() if size == n_keypoints)


def canonical_layout(name: str) -> str:
    """``"body25b"``, ``"BODY-25B"`` -> ``"BODY_25B"``; ValueError listing the known names otherwise."""
    key = name.upper().replace("-", "").replace("_", "")
    for known in LAYOUT_TO_COCO17:
        if known.replace("_", "") == key:
            return known
    raise ValueError(f"unknown keypoint layout {name!r} (known: {', '.join(LAYOUT_TO_COCO17)})")


def to_coco17(keypoints: np.ndarray, layout: str) -> np.ndarray:
    """``(..., K, 3)`` keypoints in ``layout`` -> ``(..., 17, 3)`` in COCO-17 order (a copy)."""
    layout = canonical_layout(layout)
    keypoints = np.asarray(keypoints)
    if keypoints.shape[-2] != LAYOUT_SIZES[layout]:
        raise ValueError(f"{layout} has {LAYOUT_SIZES[layout]} keypoints, got {keypoints.shape[-2]}")
    return keypoints[..., LAYOUT_TO_COCO17[layout], :]


# ---------------------------------------------------------------------------------------------
# BODY_25 or BODY_25B? Both have 25 keypoints and OpenPose writes no layout name into its JSON,
# so the files themselves must tell. Each layout implies anatomical facts that the other breaks:
# a check ``(a, b, what)`` says the mean of joints ``a`` lies next to the mean of joints ``b``.
_CHECKS_25: dict[str, tuple[tuple[tuple[int, ...], tuple[int, ...], str], ...]] = {
    "BODY_25": (
        ((1,), (2, 5), "neck between shoulders"),
        ((8,), (9, 12), "mid-hip between hips"),
        ((15,), (0,), "right eye at nose"),
        ((16,), (0,), "left eye at nose"),
        ((14,), (21,), "left ankle at left heel"),
        ((11,), (24,), "right ankle at right heel"),
    ),
    "BODY_25B": (
        ((1,), (0,), "left eye at nose"),
        ((2,), (0,), "right eye at nose"),
        ((17,), (5, 6), "neck between shoulders"),
        ((15,), (21,), "left ankle at left heel"),
        ((16,), (24,), "right ankle at right heel"),
    ),
}


def detect_layout_25(frames: np.ndarray | list[np.ndarray]) -> tuple[str, str]:
    """Tell BODY_25 from BODY_25B by the geometry of the detections.

    ``frames``: skeletons of shape ``(..., 25, 3)`` (or a list of such arrays, e.g. one per frame).
    Returns ``(layout_name, evidence)``, the evidence a one-line summary of the pass rates.
    Raises ValueError when the data cannot decide (too few joints detected, or both layouts fit
    about equally), because guessing would silently swap eyes for shoulders.
    """
    if isinstance(frames, list):
        arrays = [np.asarray(f, dtype=np.float64).reshape(-1, 25, 3) for f in frames if np.size(f)]
        kp = np.concatenate(arrays) if arrays else np.zeros((0, 25, 3))
    else:
        kp = np.asarray(frames, dtype=np.float64).reshape(-1, 25, 3)
    valid = kp[..., 2] > 0
    xy = kp[..., :2]
    lo = np.where(valid[..., None], xy, np.inf).min(axis=1)
    hi = np.where(valid[..., None], xy, -np.inf).max(axis=1)
    with np.errstate(invalid="ignore"):
        diag = np.linalg.norm(hi - lo, axis=-1)
    usable = valid.sum(axis=1) >= 3
    usable &= np.isfinite(diag) & (diag > 0)
    valid, xy, diag = valid[usable], xy[usable], diag[usable]

    rates: dict[str, tuple[int, int]] = {}
    for name, checks in _CHECKS_25.items():
        passed = total = 0
        for a, b, _ in checks:
            ok = valid[:, list(a + b)].all(axis=1)
            gap = np.linalg.norm(xy[ok][:, list(a)].mean(axis=1) - xy[ok][:, list(b)].mean(axis=1), axis=-1)
            passed += int((gap < LAYOUT_NEAR * diag[ok]).sum())
            total += int(ok.sum())
        rates[name] = (passed, total)
    frac = {name: p / t if t else 0.0 for name, (p, t) in rates.items()}
    evidence = ", ".join(f"{name} {p}/{t}" for name, (p, t) in rates.items()) + " anatomical checks hold"
    best, other = sorted(frac, key=frac.get, reverse=True)
    if (rates[best][1] < LAYOUT_MIN_CHECKS or frac[best] < LAYOUT_MIN_PASS
            or frac[best] - frac[other] < LAYOUT_MIN_LEAD):
        raise ValueError(f"cannot tell BODY_25 from BODY_25B from the keypoints ({evidence}); pass the layout")
    return best, f"detected from the keypoints: {evidence}"

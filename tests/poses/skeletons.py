"""Hand-made skeletons and OpenPose folders for the pose-import tests.

The joint name lists below are written out from the layouts' documentation, independently of
videosync.poses.layouts, so the tests check the index maps instead of repeating them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

COCO17 = [
    "nose", "l_eye", "r_eye", "l_ear", "r_ear", "l_sho", "r_sho", "l_elb", "r_elb", "l_wri", "r_wri",
    "l_hip", "r_hip", "l_knee", "r_knee", "l_ank", "r_ank",
]
BODY_25 = [
    "nose", "neck", "r_sho", "r_elb", "r_wri", "l_sho", "l_elb", "l_wri", "mid_hip", "r_hip", "r_knee",
    "r_ank", "l_hip", "l_knee", "l_ank", "r_eye", "l_eye", "r_ear", "l_ear", "l_bigtoe", "l_smalltoe",
    "l_heel", "r_bigtoe", "r_smalltoe", "r_heel",
]
BODY_25B = COCO17 + ["neck", "head_top", "l_bigtoe", "l_smalltoe", "l_heel", "r_bigtoe", "r_smalltoe", "r_heel"]
COCO_18 = [
    "nose", "neck", "r_sho", "r_elb", "r_wri", "l_sho", "l_elb", "l_wri", "r_hip", "r_knee", "r_ank",
    "l_hip", "l_knee", "l_ank", "r_eye", "l_eye", "r_ear", "l_ear",
]
HALPE_26 = COCO17 + [
    "head_top", "neck", "mid_hip", "l_bigtoe", "r_bigtoe", "l_smalltoe", "r_smalltoe", "l_heel", "r_heel",
]

# A person facing the camera, 1 unit tall, feet at y=0.5, in image coordinates (y down).
# The person's left is on the image's right.
_FIGURE = {
    "head_top": (0.0, -0.5), "nose": (0.0, -0.40), "l_eye": (0.025, -0.42), "r_eye": (-0.025, -0.42),
    "l_ear": (0.05, -0.41), "r_ear": (-0.05, -0.41), "neck": (0.0, -0.30),
    "l_sho": (0.10, -0.30), "r_sho": (-0.10, -0.30), "l_elb": (0.14, -0.12), "r_elb": (-0.14, -0.12),
    "l_wri": (0.16, 0.05), "r_wri": (-0.16, 0.05), "l_hip": (0.07, 0.0), "r_hip": (-0.07, 0.0),
    "mid_hip": (0.0, 0.0), "l_knee": (0.08, 0.25), "r_knee": (-0.08, 0.25), "l_ank": (0.08, 0.47),
    "r_ank": (-0.08, 0.47), "l_heel": (0.075, 0.5), "r_heel": (-0.075, 0.5), "l_bigtoe": (0.11, 0.5),
    "r_bigtoe": (-0.11, 0.5), "l_smalltoe": (0.13, 0.49), "r_smalltoe": (-0.13, 0.49),
}


def figure(names: list[str], cx: float, cy: float, height: float, score: float = 0.9) -> np.ndarray:
    """``(len(names), 3)`` keypoints of the stick figure centred at (cx, cy), ``height`` px tall."""
    xy = np.array([_FIGURE[n] for n in names]) * height + (cx, cy)
    return np.concatenate([xy, np.full((len(names), 1), score)], axis=1)


def reorder(kp: np.ndarray, src: list[str], dst: list[str]) -> np.ndarray:
    """Rewrite keypoints from layout ``src`` to layout ``dst`` by joint name (absent -> 0,0,0)."""
    out = np.zeros(kp.shape[:-2] + (len(dst), 3))
    for j, name in enumerate(dst):
        if name in src:
            out[..., j, :] = kp[..., src.index(name), :]
    return out


def write_openpose(folder: Path, frames: dict[str, list[np.ndarray]]) -> Path:
    """Write ``{file name: [person (K, 3), ...]}`` as OpenPose JSON files into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, people in frames.items():
        doc = {
            "version": 1.3,
            "people": [{"person_id": [-1], "pose_keypoints_2d": np.round(p, 4).ravel().tolist()} for p in people],
        }
        (folder / name).write_text(json.dumps(doc))
    return folder

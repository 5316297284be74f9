"""COCO-17, the joint layout every PoseTrack uses internally.

Other layouts (OpenPose BODY_25/BODY_25B/COCO-18, HALPE-26, MediaPipe-33) are converted to it on
import by index maps kept in this module, so that the rest of the pipeline never branches on layout.
"""

from __future__ import annotations

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

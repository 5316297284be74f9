"""Synthetic multi-view 2D pose data from real motion capture.

mocap file (BVH, ASF/AMC) -> forward kinematics (:mod:`.bvh`, :mod:`.asfamc`) -> 3D COCO-17 in
metres (:mod:`.skeletons`) -> virtual cameras (:mod:`.camera`) -> detector-like noise
(:mod:`.noise`) -> PoseTracks in a dataset folder with a manifest (:mod:`.dataset`; read it
with :func:`videosync.datasets.read_manifest`).
"""

from videosync.synth.dataset import (
    PRESETS,
    Preset,
    SynthError,
    build_dataset,
)
from videosync.synth.motion import MocapError, Motion
from videosync.synth.skeletons import Pose3D, load_pose3d

__all__ = [
    "PRESETS",
    "MocapError",
    "Motion",
    "Pose3D",
    "Preset",
    "SynthError",
    "build_dataset",
    "load_pose3d",
]

"""Synthetic multi-view 2D pose data from real motion capture.

mocap file (BVH, ASF/AMC) -> forward kinematics (:mod:`.bvh`, :mod:`.asfamc`) -> 3D COCO-17 in
metres (:mod:`.skeletons`) -> virtual cameras (:mod:`.camera`) -> detector-like noise
(:mod:`.noise`) -> PoseTracks in a dataset folder with a manifest (:mod:`.dataset`).
"""

from videosync.synth.dataset import (
    PRESETS,
    PairEntry,
    Preset,
    RecordingEntry,
    SynthError,
    SynthManifest,
    build_dataset,
    read_manifest,
)
from videosync.synth.motion import MocapError, Motion
from videosync.synth.skeletons import Pose3D, load_pose3d

__all__ = [
    "PRESETS",
    "MocapError",
    "Motion",
    "PairEntry",
    "Pose3D",
    "Preset",
    "RecordingEntry",
    "SynthError",
    "SynthManifest",
    "build_dataset",
    "load_pose3d",
    "read_manifest",
]

"""Pose sequences: the PoseTrack type, its .npz file, and importers for other tools' files."""

from videosync.poses.layouts import COCO17_EDGES, COCO17_NAMES, NUM_JOINTS
from videosync.poses.load import load_poses
from videosync.poses.npz import load_npz, save_npz
from videosync.poses.openpose import load_openpose_dir
from videosync.poses.track import PoseTrack

__all__ = [
    "COCO17_EDGES",
    "COCO17_NAMES",
    "NUM_JOINTS",
    "PoseTrack",
    "load_npz",
    "load_openpose_dir",
    "load_poses",
    "save_npz",
]

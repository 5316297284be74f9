"""Pose sequences: the PoseTrack type, its .npz file, and importers for other tools' files."""

from videosync.poses.layouts import COCO17_EDGES, COCO17_NAMES, NUM_JOINTS
from videosync.poses.npz import load_npz, save_npz
from videosync.poses.track import PoseTrack

__all__ = ["COCO17_EDGES", "COCO17_NAMES", "NUM_JOINTS", "PoseTrack", "load_npz", "save_npz"]

"""videosync: synchronize videos of one person filmed by unsynchronized cameras, from 2D pose.

The public API is re-exported here; the CLI (``videosync ...``) is a thin layer over it.
"""

from videosync.errors import CannotSynchronizeError, ModelError, PoseFileError, VideoError, VideosyncError
from videosync.api import align, load_input, trim
from videosync.estimate import estimate_poses
from videosync.poses import PoseTrack, load_npz, load_poses, save_npz
from videosync.result import AlignmentResult, InputOffset, PairOffset

__version__ = "0.1.0"

__all__ = [
    "AlignmentResult",
    "InputOffset",
    "PairOffset",
    "align",
    "estimate_poses",
    "load_input",
    "load_poses",
    "trim",
    "CannotSynchronizeError",
    "ModelError",
    "PoseFileError",
    "PoseTrack",
    "VideoError",
    "VideosyncError",
    "load_npz",
    "save_npz",
]

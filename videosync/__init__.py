"""videosync: synchronize videos of one person filmed by unsynchronized cameras, from 2D pose.

The public API is re-exported here; the CLI (``videosync ...``) is a thin layer over it.
"""

from videosync.errors import CannotSynchronizeError, ModelError, PoseFileError, VideoError, VideosyncError
from videosync.poses import PoseTrack, load_npz, save_npz

__version__ = "0.1.0"

__all__ = [
    "CannotSynchronizeError",
    "ModelError",
    "PoseFileError",
    "PoseTrack",
    "VideoError",
    "VideosyncError",
    "load_npz",
    "save_npz",
]

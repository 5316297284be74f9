"""2D pose estimation from video: backends behind one interface, the subject's track, a cache."""

from videosync.estimate.api import estimate_poses, estimate_poses_many
from videosync.estimate.base import PoseBackend
from videosync.estimate.registry import create_backend, resolve_backend_name

__all__ = ["PoseBackend", "create_backend", "estimate_poses", "estimate_poses_many", "resolve_backend_name"]

"""videosync: synchronize videos of one person filmed by unsynchronized cameras, from 2D pose.

The public API is re-exported here; the CLI (``videosync ...``) is a thin layer over it. The
re-exports are resolved on first use (PEP 562 module ``__getattr__``): importing ``videosync``, or
any submodule such as the CLI, does not import numpy, SciPy, torch or OpenCV until a name that
needs them is used. ``from videosync import align`` works as always.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from videosync.errors import CannotSynchronizeError, ModelError, PoseFileError, VideoError, VideosyncError

__version__ = "0.1.0"

#: public name -> the module that defines it
_LAZY = {
    "align": "videosync.api",
    "load_input": "videosync.api",
    "trim": "videosync.api",
    "align_many": "videosync.batch",
    "estimate_poses": "videosync.estimate",
    "PoseTrack": "videosync.poses",
    "load_npz": "videosync.poses",
    "load_poses": "videosync.poses",
    "save_npz": "videosync.poses",
    "AlignmentResult": "videosync.result",
    "InputOffset": "videosync.result",
    "PairOffset": "videosync.result",
    "register_method": "videosync.sync.methods",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'videosync' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next lookup does not come here
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


if TYPE_CHECKING:  # for type checkers and IDEs, which do not run __getattr__
    from videosync.api import align, load_input, trim
    from videosync.batch import align_many
    from videosync.estimate import estimate_poses
    from videosync.poses import PoseTrack, load_npz, load_poses, save_npz
    from videosync.result import AlignmentResult, InputOffset, PairOffset
    from videosync.sync.methods import register_method

__all__ = [
    "AlignmentResult",
    "InputOffset",
    "PairOffset",
    "align",
    "align_many",
    "estimate_poses",
    "load_input",
    "load_poses",
    "register_method",
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

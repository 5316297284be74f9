"""Where the benchmarks find the shared recordings (``../shared/data``, read-only).

The shared folder sits beside the checkout (the main checkout, CI) or beside its parent (a git
worktree under ``wt/``); ``$VIDEOSYNC_SHARED`` overrides both, as for the tests.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def shared_root() -> Path:
    """The first existing candidate for the shared folder (the first candidate if none exists,
    so that a missing recording is reported with a path a user can read)."""
    candidates = [REPO.parent / "shared", REPO.parent.parent / "shared"]
    if os.environ.get("VIDEOSYNC_SHARED"):
        candidates.insert(0, Path(os.environ["VIDEOSYNC_SHARED"]))
    return next((c for c in candidates if c.is_dir()), candidates[0])


#: The Pose2Sim demo recordings (single-person and multi-person, videos and OpenPose JSON).
POSE2SIM_DEMO = shared_root() / "data" / "pose2sim-demo"

"""What a pose backend's name stands for, and what ``auto`` means.

The names and their classes are listed once, in :data:`videosync.registry.POSE_BACKENDS`.

``auto`` = MMPose HRNet (the paper's estimator) when mmpose is importable *and* its weights are
already on disk, else MediaPipe. It never downloads: an offline machine gets a working default.
"""

from __future__ import annotations

from pathlib import Path

from videosync.errors import ModelError, VideosyncError
from videosync.estimate.base import PoseBackend
from videosync.registry import POSE_BACKENDS


def resolve_backend_name(name: str = "auto", pose_checkpoint: str | Path | None = None) -> str:
    """The concrete backend ``name`` stands for ("mediapipe" or "mmpose")."""
    from videosync.estimate.mmpose_backend import find_local_checkpoint, mmpose_available

    POSE_BACKENDS.entry(name)  # an unknown name: one line that lists the known ones
    if name == "mediapipe" and pose_checkpoint is not None:
        raise VideosyncError("a pose checkpoint applies to the mmpose backend, not mediapipe")
    if name != "auto":
        return name
    if pose_checkpoint is not None:
        if not mmpose_available():
            raise ModelError("a pose checkpoint was given but mmpose is not installed", pose_checkpoint)
        return "mmpose"
    return "mmpose" if mmpose_available() and find_local_checkpoint() is not None else "mediapipe"


def expected_model(name: str, pose_checkpoint: str | Path | None = None) -> str | None:
    """The model id a backend would report, without building it (for the cache); None if unknown."""
    if name == "mediapipe":
        from videosync.estimate.mediapipe_backend import MODEL_NAME

        return MODEL_NAME
    from videosync.estimate.mmpose_backend import MODEL_NAME, file_sha256, find_local_checkpoint

    path = Path(pose_checkpoint) if pose_checkpoint is not None else find_local_checkpoint()
    if path is None or not path.is_file():
        return None
    return f"{MODEL_NAME}@{file_sha256(path)[:12]}"


def create_backend(
    name: str = "auto", *, device: str | None = None, pose_checkpoint: str | Path | None = None,
    max_people: int | None = None,
) -> PoseBackend:
    """Build the backend ``name`` resolves to (``max_people``: people looked for per frame, None
    for the backend's default). Naming mmpose explicitly allows downloading its weights."""
    concrete = resolve_backend_name(name, pose_checkpoint)
    backend = POSE_BACKENDS.load(concrete)
    people = {} if max_people is None else {"max_people": max_people}
    if concrete == "mediapipe":
        return backend(**people)
    return backend(pose_checkpoint, device=device, allow_download=(name == "mmpose"), **people)

"""What a video file is: size, frame rate, frame count. Cheap (header only), used everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from videosync.errors import VideoError

VIDEO_SUFFIXES = (".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv")


@dataclass(frozen=True)
class VideoInfo:
    path: str
    width: int
    height: int
    fps: float
    n_frames: int

    @property
    def duration_seconds(self) -> float:
        return self.n_frames / self.fps if self.fps > 0 else 0.0


def is_video_path(path: str | Path) -> bool:
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


def probe_video(path: str | Path) -> VideoInfo:
    """Read a video's header; VideoError naming the file if it is missing or not a video."""
    import cv2  # imported lazily: pose-file users never pay for it

    path = Path(path)
    if not path.exists():
        raise VideoError("no such file", path)
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise VideoError("not a readable video", path)
        width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        fps = float(cap.get(cv2.CAP_PROP_FPS))
        n_frames = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    finally:
        cap.release()
    if width <= 0 or height <= 0:
        raise VideoError("not a readable video (no image size)", path)
    if not fps > 0:
        raise VideoError("the video has no frame rate", path)
    return VideoInfo(str(path), width, height, fps, max(n_frames, 0))

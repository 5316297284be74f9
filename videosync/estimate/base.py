"""What a pose backend is: frames in, COCO-17 people per frame out.

Backends only detect people; choosing *the* subject over time, caching and building the PoseTrack
happen once, in :mod:`videosync.estimate.api`, so every backend gets them the same way.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any, TypeVar

import numpy as np

from videosync.poses.layouts import NUM_JOINTS
from videosync.video.probe import VideoInfo
from videosync.video.reader import Frame

T = TypeVar("T")

#: One frame's result: (source frame number, people as an (n_people, 17, 3) float32 array of
#: x, y in pixels of the full frame and a score in [0, 1]; n_people may be 0).
FramePeople = tuple[int, np.ndarray]


class PoseBackend(ABC):
    """A 2D pose estimator.

    Attributes:
        name: registry name ("mediapipe", "mmpose"), stored in the track's meta and the cache key.
        model: identifies the weights, so that a cache entry made with other weights is not reused.
    """

    name: str = ""
    model: str = ""
    #: the pixel layout the backend wants its frames in ("bgr" or "rgb", see ``video.reader.Frame``)
    channels: str = "bgr"

    @abstractmethod
    def estimate(self, frames: Iterable[Frame], info: VideoInfo) -> Iterator[FramePeople]:
        """Yield one :data:`FramePeople` per input frame, in input order.

        Lazy on purpose: the caller reports progress and the decoder keeps a bounded queue, so a
        backend must not read all frames before yielding (it may read a batch ahead).
        """

    def describe(self) -> dict[str, Any]:
        """Provenance written into the track's meta."""
        return {"backend": self.name, "model": self.model}

    def close(self) -> None:
        """Release native resources (graphs, GPU memory)."""

    def __enter__(self) -> PoseBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def empty_people() -> np.ndarray:
    return np.zeros((0, NUM_JOINTS, 3), dtype=np.float32)


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of ``size`` items (the last may be shorter)."""
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def keypoints_box(xy: np.ndarray, width: float, height: float, pad: float = 1.25) -> np.ndarray | None:
    """``[x0, y0, x1, y1]`` around points ``(n, 2)``, enlarged by ``pad`` and clipped to the image.

    Top-down pose models need a box around the person; the keypoint extent is too tight (it cuts
    the head top and the feet), so it is padded like MMPose pads its detector boxes.
    """
    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    if len(xy) < 2:
        return None
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    centre, half = (lo + hi) / 2, (hi - lo) / 2 * pad
    half = np.maximum(half, 8.0)
    x0, y0 = np.maximum(centre - half, 0)
    x1, y1 = np.minimum(centre + half, [width - 1, height - 1])
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    return np.array([x0, y0, x1, y1], dtype=np.float32)

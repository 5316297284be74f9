"""PoseTrack: one person's 2D pose over time, the data type the whole pipeline passes along.

Why a frame index per row: real recordings drop frames and pose files skip frames where nobody was
detected. Keeping the *source* frame number of every row makes those gaps explicit, so matching and
offset fitting work in the video's own frame numbers instead of silently assuming row == frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from videosync.errors import PoseFileError
from videosync.poses.layouts import NUM_JOINTS

#: How the image size of a track was obtained; reported to the user because it changes the
#: normalisation the network sees.
SIZE_SOURCES = ("given", "video", "file", "extent")


@dataclass
class PoseTrack:
    """A single person's COCO-17 keypoints over time.

    Attributes:
        keypoints: ``(T, 17, 3)`` float32 array of x, y in pixels and a score in [0, 1];
            score 0 marks a missing joint (its x, y are meaningless and kept at 0).
        fps: frames per second of the source video.
        width, height: image size in pixels (see ``size_source`` for where it came from).
        frame_index: ``(T,)`` int64, strictly increasing source frame number of every row.
        source: path the track was read from (for messages), or ``""``.
        size_source: one of :data:`SIZE_SOURCES`.
        meta: free-form provenance (layout detected, backend, person id...).
    """

    keypoints: np.ndarray
    fps: float
    width: float
    height: float
    frame_index: np.ndarray | None = None
    source: str = ""
    size_source: str = "given"
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        kp = np.asarray(self.keypoints, dtype=np.float32)
        where = self.source or "pose track"
        if kp.ndim != 3 or kp.shape[1:] != (NUM_JOINTS, 3):
            raise PoseFileError(f"keypoints must have shape (T, 17, 3), got {kp.shape}", where)
        if not np.all(np.isfinite(kp)):
            raise PoseFileError("keypoints contain NaN or infinite values", where)
        kp = kp.copy()
        kp[..., 2] = np.clip(kp[..., 2], 0.0, 1.0)
        kp[kp[..., 2] <= 0] = 0.0
        self.keypoints = kp
        if self.frame_index is None:
            self.frame_index = np.arange(len(kp), dtype=np.int64)
        fi = np.asarray(self.frame_index, dtype=np.int64).reshape(-1)
        if len(fi) != len(kp):
            raise PoseFileError(f"{len(fi)} frame indices for {len(kp)} frames", where)
        if len(fi) > 1 and np.any(np.diff(fi) <= 0):
            raise PoseFileError("frame indices must be strictly increasing", where)
        self.frame_index = fi
        if not (np.isfinite(self.fps) and self.fps > 0):
            raise PoseFileError(f"fps must be positive, got {self.fps}", where)
        self.fps = float(self.fps)
        if not (self.width > 0 and self.height > 0):
            raise PoseFileError(f"image size must be positive, got {self.width}x{self.height}", where)
        self.width, self.height = float(self.width), float(self.height)
        if self.size_source not in SIZE_SOURCES:
            raise PoseFileError(f"unknown size_source {self.size_source!r}", where)

    # ------------------------------------------------------------------ basic views
    def __len__(self) -> int:
        return len(self.keypoints)

    @property
    def scores(self) -> np.ndarray:
        """``(T, 17)`` joint scores."""
        return self.keypoints[..., 2]

    @property
    def valid_frames(self) -> np.ndarray:
        """``(T,)`` bool: rows with at least one detected joint."""
        return (self.keypoints[..., 2] > 0).any(axis=1)

    @property
    def n_valid(self) -> int:
        return int(self.valid_frames.sum())

    @property
    def duration_seconds(self) -> float:
        if len(self) == 0:
            return 0.0
        return float(self.frame_index[-1] - self.frame_index[0] + 1) / self.fps

    def normalized(self) -> np.ndarray:
        """``(T, 17, 3)`` network input: x / width - 0.5, y / height - 0.5, score; missing joints 0.

        Dividing by the image size (not the person's box) is what the paper does; it keeps the
        person's motion across the frame visible to the network.
        """
        out = self.keypoints.copy()
        out[..., 0] = out[..., 0] / self.width - 0.5
        out[..., 1] = out[..., 1] / self.height - 0.5
        out[out[..., 2] <= 0] = 0.0
        return out

    # ------------------------------------------------------------------ transforms
    def with_keypoints(self, keypoints: np.ndarray, frame_index: np.ndarray | None = None) -> PoseTrack:
        """Copy with new keypoints (and optionally new frame indices), everything else kept."""
        return replace(
            self,
            keypoints=keypoints,
            frame_index=self.frame_index if frame_index is None else frame_index,
            meta=dict(self.meta),
        )

    def select(self, rows: np.ndarray | slice) -> PoseTrack:
        """Subset of rows (a slice, index array or boolean mask), frame indices kept."""
        return self.with_keypoints(self.keypoints[rows], self.frame_index[rows])

    def frames_between(self, start: int | None = None, stop: int | None = None) -> PoseTrack:
        """Rows whose *source* frame index lies in ``[start, stop)``."""
        fi = self.frame_index
        mask = np.ones(len(fi), dtype=bool)
        if start is not None:
            mask &= fi >= start
        if stop is not None:
            mask &= fi < stop
        return self.select(mask)

    def dense(self) -> PoseTrack:
        """One row per source frame from the first to the last, gaps filled with missing joints.

        Matching needs rows that are evenly spaced in time; dropped frames become empty rows
        (score 0) that the network and the fit then treat as missing.
        """
        if len(self) == 0:
            return self
        fi = self.frame_index
        full = np.arange(fi[0], fi[-1] + 1, dtype=np.int64)
        if len(full) == len(fi):
            return self
        kp = np.zeros((len(full), NUM_JOINTS, 3), dtype=np.float32)
        kp[fi - fi[0]] = self.keypoints
        return self.with_keypoints(kp, full)

    def shifted(self, frames: int) -> PoseTrack:
        """Cut the first ``frames`` source frames and renumber so the first kept frame is 0.

        This is exactly what trimming the start of a video does, so tests and benchmarks use it
        to make a known offset from synchronized recordings.
        """
        if frames < 0:
            raise ValueError("frames must be >= 0")
        start = int(self.frame_index[0]) + frames if len(self) else 0
        cut = self.frames_between(start=start)
        return cut.with_keypoints(cut.keypoints, cut.frame_index - start)

    @property
    def name(self) -> str:
        return Path(self.source).name if self.source else "<track>"


def interpolate_keypoints(keypoints: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """``(len(positions), 17, 3)``: ``keypoints`` linearly interpolated at fractional row positions.

    A joint is kept only where both neighbouring rows saw it (score > 0), with the smaller of the
    two scores: interpolating towards a missing joint's placeholder (0, 0) would invent motion.
    Positions outside ``[0, T - 1]`` give missing joints.
    """
    kp = np.asarray(keypoints, dtype=np.float32)
    pos = np.asarray(positions, dtype=np.float64)
    out = np.zeros((len(pos), kp.shape[1], 3), dtype=np.float32)
    if len(kp) == 0 or len(pos) == 0:
        return out
    inside = (pos >= 0) & (pos <= len(kp) - 1)
    p = pos[inside]
    i0 = np.floor(p).astype(np.int64)
    i1 = np.minimum(i0 + 1, len(kp) - 1)
    w = (p - i0).astype(np.float32)[:, None, None]
    xy = kp[i0, :, :2] * (1 - w) + kp[i1, :, :2] * w
    score = np.minimum(kp[i0, :, 2], kp[i1, :, 2])
    # an exact hit on a row needs only that row (the other neighbour has weight 0)
    exact = (w[:, 0, 0] == 0)[:, None]
    score = np.where(exact, kp[i0, :, 2], score)
    seen = score > 0
    out[inside, :, :2] = np.where(seen[..., None], xy, 0.0)
    out[inside, :, 2] = np.where(seen, score, 0.0)
    return out

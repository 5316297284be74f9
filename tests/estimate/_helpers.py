"""Small synthetic videos and a fake pose backend for the estimate tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from videosync.estimate.base import PoseBackend, empty_people

W, H = 64, 48


def frame_image(i: int) -> np.ndarray:
    """Frame i is uniformly grey at level 6 * i (i < 43) (so a decoded frame tells its own number)."""
    return np.full((H, W, 3), 6 * i, dtype=np.uint8)


def write_video(path: Path, n: int, fps: float = 30.0, fourcc: str = "MJPG") -> Path:
    import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (W, H))
    assert writer.isOpened()
    for i in range(n):
        writer.write(frame_image(i))
    writer.release()
    return path


def jpeg_starts(data: bytes) -> list[int]:
    """Offsets of the JPEG start-of-image markers in an MJPG file: one per frame."""
    out, i = [], data.find(b"\xff\xd8\xff")
    while i >= 0:
        out.append(i)
        i = data.find(b"\xff\xd8\xff", i + 1)
    return out


def destroy_frame(path: Path, k: int) -> None:
    """Overwrite all of frame k's JPEG data with zeros (file size unchanged)."""
    data = bytearray(path.read_bytes())
    starts = jpeg_starts(bytes(data))
    begin, end = starts[k], starts[k + 1] - 8  # leave the next AVI chunk header intact
    data[begin:end] = bytes(end - begin)
    path.write_bytes(bytes(data))


def level(image: np.ndarray) -> float:
    return float(image.mean())


class FakeBackend(PoseBackend):
    """One person per frame at x = grey level, y = 20; nobody on frames whose number is 3 mod 5."""

    name = "mediapipe"
    model = "fake"

    def __init__(self) -> None:
        self.calls = 0
        self.frames_seen = 0

    def estimate(self, frames, info):
        self.calls += 1
        for frame in frames:
            self.frames_seen += 1
            if frame.index % 5 == 3:
                yield frame.index, empty_people()
                continue
            kp = np.zeros((1, 17, 3), dtype=np.float32)
            kp[0, :, 0] = level(frame.image) / 10.0 + np.arange(17)
            kp[0, :, 1] = 20.0
            kp[0, :, 2] = 0.9
            yield frame.index, kp

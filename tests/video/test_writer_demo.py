"""Trimming the real demo recordings (cam01 H.264, cam02 VP9 with AAC audio, 1080x1920 60 fps).

A re-encoded frame is not bit-identical to its source, so which source frame a copy starts with
is decided by PSNR against candidate source frames: the true one must be the best match.
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from videosync.video.writer import trim_videos


def luma_frames(path: Path, indices: set[int]) -> dict[int, np.ndarray]:
    out = {}
    with av.open(str(path)) as c:
        for j, frame in enumerate(c.decode(video=0)):
            if j in indices:
                out[j] = frame.to_ndarray(format="gray").astype(np.float64)
            if j >= max(indices):
                break
    return out


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(10 * np.log10(255.0**2 / np.mean((a - b) ** 2)))


def best_match(frame: np.ndarray, candidates: dict[int, np.ndarray]) -> tuple[int, float, float]:
    """(best source index, its PSNR, margin in dB over the runner-up)."""
    scores = sorted(((psnr(frame, c), j) for j, c in candidates.items()), reverse=True)
    return scores[0][1], scores[0][0], scores[0][0] - scores[1][0]


@pytest.mark.slow
def test_demo_videos_trimmed_with_offset_5(demo_dir, tmp_path):
    videos = demo_dir / "single-person" / "videos"
    cam01, cam02 = videos / "cam01.mp4", videos / "cam02.mp4"
    result = trim_videos([cam01, cam02], [0, 5], tmp_path)
    a, b = result.videos
    assert (a.first_frame, a.n_frames, b.first_frame, b.n_frames) == (0, 100, 5, 95)
    assert (b.width, b.height, b.fps) == (1080, 1920, 60)
    assert b.has_audio and b.audio_kept and a.has_audio is False

    copy = luma_frames(b.output, {0, 40, 94})
    source = luma_frames(cam02, set(range(0, 16)) | set(range(37, 52)) | set(range(92, 100)))
    for m, window in ((0, range(0, 16)), (40, range(37, 52)), (94, range(92, 100))):
        best, value, margin = best_match(copy[m], {j: source[j] for j in window})
        assert best == m + 5, (m, best)
        assert value > 35 and margin > 1.0, (m, value, margin)
    with av.open(str(b.output)) as c:
        assert c.streams.video[0].frames == 95
        audio = c.streams.audio[0]
        assert float(audio.duration * audio.time_base) == pytest.approx(95 / 60, abs=0.025)

    copy = luma_frames(a.output, {0, 99})
    source = luma_frames(cam01, set(range(0, 6)) | set(range(95, 100)))
    assert best_match(copy[0], {j: source[j] for j in range(0, 6)})[0] == 0
    assert best_match(copy[99], {j: source[j] for j in range(95, 100)})[0] == 99

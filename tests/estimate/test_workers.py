"""Pose estimation in worker processes gives what the calling process gives, errors included."""

from __future__ import annotations

import numpy as np
import pytest

from videosync.errors import VideoError
from videosync.estimate import estimate_poses
from videosync.estimate.workers import PoseJob, PosePool


def test_a_workers_error_arrives_with_its_class_and_path(tmp_path, monkeypatch):
    monkeypatch.setenv("VIDEOSYNC_CACHE_DIR", str(tmp_path / "cache"))
    video = tmp_path / "notes.mp4"
    video.write_text("not a video")
    pool = PosePool(2)
    pool.workers = 2  # a worker process even on a one-core machine
    with pool:
        future = pool.submit(PoseJob(str(video), "notes", {"backend": "mediapipe"}))
        with pytest.raises(VideoError, match="not a readable video") as caught:
            future.result(timeout=120)
    assert caught.value.path == str(video)


@pytest.mark.slow
def test_two_workers_give_the_poses_of_the_calling_process(demo_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("VIDEOSYNC_CACHE_DIR", str(tmp_path / "cache"))
    videos = [demo_dir / "single-person" / "videos" / f"cam0{k}.mp4" for k in (1, 2)]
    options = {"backend": "mediapipe", "duration": 0.3, "stride": 2, "cache": False}
    seen: list[tuple[str, int, int]] = []
    pool = PosePool(2, progress=lambda label, done, total: seen.append((label, done, total)))
    pool.workers = 2
    with pool:
        futures = [pool.submit(PoseJob(str(v), v.name, options)) for v in videos]
        tracks = [f.result(timeout=300) for f in futures]
    for video, track in zip(videos, tracks):
        here = estimate_poses(video, **options)
        assert track.fps == here.fps == 30.0 and track.meta["stride"] == 2
        np.testing.assert_array_equal(track.frame_index, here.frame_index)
        np.testing.assert_allclose(track.keypoints, here.keypoints, atol=1e-4)
    assert {label for label, _, _ in seen} == {"cam01.mp4", "cam02.mp4"}
    assert ("cam01.mp4", 9, 9) in seen  # frames 0, 2, ..., 16 of the first 0.3 s

"""Pose estimation in worker processes gives what the calling process gives, errors included."""

from __future__ import annotations

import numpy as np
import pytest

from videosync.errors import VideoError
from videosync.estimate import estimate_poses, estimate_poses_many
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


def test_many_raises_the_error_of_the_input_that_failed(tmp_path, monkeypatch):
    monkeypatch.setenv("VIDEOSYNC_CACHE_DIR", str(tmp_path / "cache"))
    good, bad = tmp_path / "good.mp4", tmp_path / "bad.mp4"
    bad.write_text("not a video")
    good.write_text("not a video either")
    with pytest.raises(VideoError) as caught:
        estimate_poses_many([(bad, {"backend": "mediapipe"}), (good, {"backend": "mediapipe"})])
    assert caught.value.path == str(bad)


def test_many_starts_no_worker_for_cached_poses(tmp_path, monkeypatch):
    from videosync.estimate import api as estimate_api
    from videosync.poses import PoseTrack

    cached = {f"v{k}.mp4": PoseTrack(keypoints=np.full((3, 17, 3), k, np.float32), fps=30.0,
                                        width=640, height=480) for k in (1, 2)}
    monkeypatch.setattr(estimate_api, "cached_poses", lambda video, **_: cached[str(video)])

    def no_worker(self, job):  # pragma: no cover - the test fails if it is reached
        raise AssertionError(f"a worker was asked for {job.video}")

    monkeypatch.setattr(PosePool, "submit", no_worker)
    tracks = estimate_poses_many([("v1.mp4", {}), ("v2.mp4", {})])
    assert [float(t.keypoints[0, 0, 0]) for t in tracks] == [1.0, 2.0]


@pytest.mark.slow
def test_many_gives_what_one_by_one_gives(demo_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("VIDEOSYNC_CACHE_DIR", str(tmp_path / "cache"))
    videos = [demo_dir / "single-person" / "videos" / f"cam0{k}.mp4" for k in (1, 2, 3)]
    jobs = [(v, {"backend": "mediapipe", "start": 0.5, "duration": 0.2}) for v in videos]
    seen: set[str] = set()
    tracks = estimate_poses_many(jobs, progress=lambda label, done, total: seen.add(label))
    assert seen == {"cam01.mp4", "cam02.mp4", "cam03.mp4"}
    for (video, options), track in zip(jobs, tracks):
        here = estimate_poses(video, cache=False, **options)
        assert track.meta["start_frame"] == here.meta["start_frame"] == 30
        np.testing.assert_array_equal(track.frame_index, here.frame_index)
        np.testing.assert_allclose(track.keypoints, here.keypoints, atol=1e-4)


@pytest.mark.slow
def test_align_on_videos_estimates_them_together_and_finds_the_offset(demo_dir, tmp_path, monkeypatch):
    """The demo's cameras are hardware-synchronized: offset 0."""
    import videosync.estimate as estimate_package
    from videosync.api import align

    monkeypatch.setenv("VIDEOSYNC_CACHE_DIR", str(tmp_path / "cache"))
    calls = []
    real = estimate_package.estimate_poses_many
    monkeypatch.setattr(estimate_package, "estimate_poses_many", lambda jobs, **kw: calls.append(jobs) or real(jobs, **kw))
    videos = [str(demo_dir / "single-person" / "videos" / f"cam0{k}.mp4") for k in (1, 3)]
    result = align(videos, pose_backend="mediapipe", person=0)
    assert [str(video) for video, _ in calls[0]] == videos
    assert abs(result.inputs[1].offset_frames) <= 1.0

"""estimate_poses with a fake backend: frame numbers, missing rows, range, cache, errors."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from tests.estimate._helpers import FakeBackend, destroy_frame, write_video
from videosync.errors import VideoError, VideosyncError
from videosync.estimate import api, cache
from videosync.estimate import estimate_poses


@pytest.fixture
def fake(monkeypatch, tmp_path):
    backend = FakeBackend()
    monkeypatch.setattr(api, "create_backend", lambda *a, **k: backend)
    monkeypatch.setattr(api, "expected_model", lambda *a, **k: backend.model)
    monkeypatch.setenv("VIDEOSYNC_CACHE_DIR", str(tmp_path / "cache"))
    return backend


def test_track_rows_frame_numbers_size_and_meta(fake, tmp_path):
    path = write_video(tmp_path / "v.avi", 12, fps=25.0)
    track = estimate_poses(path, cache=False)
    # the fake finds nobody on frames 3 and 8 (3 mod 5): those rows are missing, not zero
    assert track.frame_index.tolist() == [0, 1, 2, 4, 5, 6, 7, 9, 10, 11]
    assert np.allclose(track.keypoints[:, 0, 0], track.frame_index * 0.6, atol=0.3)  # grey 6i / 10
    assert (track.width, track.height, track.fps, track.size_source) == (64, 48, 25.0, "video")
    m = track.meta
    assert m["backend"] == "mediapipe" and m["model"] == "fake"
    assert m["frames_decoded"] == 12 and m["frames_without_subject"] == 2 and m["frames_corrupt"] == 0
    assert m["video_sha256"] == cache.video_hash(path)


def test_start_and_duration_decode_only_that_range(fake, tmp_path):
    path = write_video(tmp_path / "v.avi", 30, fps=10.0)
    track = estimate_poses(path, start=1.0, duration=0.5, cache=False)
    assert track.frame_index.tolist() == [10, 11, 12, 14]  # 13 is a fake miss
    assert fake.frames_seen == 5


def test_progress_reports_every_frame(fake, tmp_path):
    path = write_video(tmp_path / "v.avi", 6)
    calls = []
    estimate_poses(path, cache=False, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(i, 6) for i in range(1, 7)]


def test_second_call_is_a_cache_hit_even_for_a_renamed_copy(fake, tmp_path):
    path = write_video(tmp_path / "v.avi", 10)
    first = estimate_poses(path)
    copy = tmp_path / "other-name.avi"
    shutil.copy(path, copy)
    second = estimate_poses(copy)
    assert fake.calls == 1
    assert np.array_equal(first.keypoints, second.keypoints)
    assert np.array_equal(first.frame_index, second.frame_index)
    assert second.source == str(copy) and "cache" in second.meta
    assert len(list((tmp_path / "cache" / "poses").glob("*.npz"))) == 1


def test_cache_misses_on_other_settings_or_content_and_can_be_bypassed(fake, tmp_path):
    path = write_video(tmp_path / "v.avi", 10)
    estimate_poses(path)
    estimate_poses(path, cache=False)
    assert fake.calls == 2
    estimate_poses(path, duration=0.2)
    assert fake.calls == 3
    changed = write_video(tmp_path / "w.avi", 11)
    estimate_poses(changed)
    assert fake.calls == 4


def test_unreadable_cache_entry_is_a_miss_and_is_replaced(fake, tmp_path):
    path = write_video(tmp_path / "v.avi", 10)
    estimate_poses(path)
    (entry,) = (tmp_path / "cache" / "poses").glob("*.npz")
    entry.write_bytes(b"garbage")
    again = estimate_poses(path)
    assert fake.calls == 2 and len(again) == 8
    assert len(estimate_poses(path)) == 8 and fake.calls == 2


def test_destroyed_middle_frame_is_a_missing_row_counted_in_meta(fake, tmp_path):
    path = write_video(tmp_path / "v.avi", 12)
    destroy_frame(path, 6)
    track = estimate_poses(path, cache=False)
    assert 6 not in track.frame_index and 7 in track.frame_index and 5 in track.frame_index
    assert track.meta["frames_corrupt"] == 1


def test_not_a_video_and_empty_video_name_the_file(fake, tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00" * 1000)
    with pytest.raises(VideoError, match="bad.mp4"):
        estimate_poses(bad)
    empty = write_video(tmp_path / "empty.avi", 0)
    with pytest.raises(VideoError, match="empty.avi"):
        estimate_poses(empty)
    assert fake.calls <= 1


def test_nobody_in_any_frame(monkeypatch, tmp_path):
    class Nobody(FakeBackend):
        def estimate(self, frames, info):
            for f in frames:
                yield f.index, np.zeros((0, 17, 3), np.float32)

    monkeypatch.setattr(api, "create_backend", lambda *a, **k: Nobody())
    path = write_video(tmp_path / "v.avi", 4)
    with pytest.raises(VideoError, match="no person detected in 4 frames"):
        estimate_poses(path, cache=False)
    with pytest.raises(VideoError, match="no person detected"):
        estimate_poses(path, cache=False, person=1)


def test_bad_arguments(fake, tmp_path):
    path = write_video(tmp_path / "v.avi", 10, fps=10.0)
    with pytest.raises(VideosyncError, match="start"):
        estimate_poses(path, start=-1)
    with pytest.raises(VideosyncError, match="duration"):
        estimate_poses(path, duration=0)
    with pytest.raises(VideoError, match="past the end"):
        estimate_poses(path, start=5.0)
    with pytest.raises(VideoError, match="person 1 not found"):
        estimate_poses(path, person=1, cache=False)


class TwoPeople(FakeBackend):
    """The fake's person, plus a second one of 60 % its size (a second performer) in every frame."""

    def estimate(self, frames, info):
        for index, kp in super().estimate(frames, info):
            if len(kp):
                other = kp.copy()
                other[0, :, 0] = 30.0 + 0.6 * np.arange(17)
                other[0, :, 1] = 40.0
                kp = np.concatenate([kp, other])
            yield index, kp


def test_other_possible_subjects_are_cached_with_the_first_estimate(monkeypatch, tmp_path):
    backend = TwoPeople()
    monkeypatch.setattr(api, "create_backend", lambda *a, **k: backend)
    monkeypatch.setattr(api, "expected_model", lambda *a, **k: backend.model)
    monkeypatch.setenv("VIDEOSYNC_CACHE_DIR", str(tmp_path / "cache"))
    path = write_video(tmp_path / "v.avi", 10)
    main = estimate_poses(path)
    assert main.meta["n_tracks"] == 2 and main.meta["person"] == 0
    assert np.allclose(main.keypoints[:, 16, 0] - main.keypoints[:, 0, 0], 16.0)  # the larger one
    second = estimate_poses(path, person=1)
    assert backend.calls == 1  # from the cache: no second pass over the video
    assert second.meta["person"] == 1
    assert np.allclose(second.keypoints[:, :, 0], 30.0 + 0.6 * np.arange(17))
    assert len(list((tmp_path / "cache" / "poses").glob("*.npz"))) == 2


def test_a_cached_track_of_every_kth_frame_is_checked_in_the_videos_frames(tmp_path, monkeypatch):
    """Rows 735-884 of a track of every 2nd frame are the video's frames 1470-1768: inside the
    entry's frames 1470-1770 of an 1800-frame video, so the entry is used; frames beyond are not."""
    import numpy as np

    from videosync.estimate import cache
    from videosync.poses import PoseTrack
    from videosync.video.probe import VideoInfo

    monkeypatch.setenv("VIDEOSYNC_CACHE_DIR", str(tmp_path))
    info = VideoInfo("v.mp4", 1080, 1920, 30.0, 1800)
    rows = np.arange(735, 885)
    track = PoseTrack(keypoints=np.ones((len(rows), 17, 3), np.float32), fps=15.0, width=1080, height=1920,
                      frame_index=rows, meta={"video_sha256": "d", "start_frame": 1470, "stop_frame": 1770})
    path = cache.store(track, tmp_path / "entry.npz")
    assert cache.load_cached(path, cache.VideoRange("d", info, 1470, 1770, stride=2)) is not None
    past = track.with_keypoints(track.keypoints, rows + 200)  # the video's frames 1870-2168: past its end
    path = cache.store(past, tmp_path / "past.npz")
    assert cache.load_cached(path, cache.VideoRange("d", info, 1470, 1770, stride=2)) is None

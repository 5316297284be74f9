"""MediaPipe backend: the 33 -> COCO-17 map, pixel scaling, and real frames of the demo videos."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest

from videosync.estimate.mediapipe_backend import (
    MEDIAPIPE_TO_COCO17,
    MediaPipeBackend,
    _landmark_array,
    landmarks_to_coco17,
)
from videosync.video.probe import probe_video
from videosync.video.reader import read_frames

pytest.importorskip("mediapipe")


def test_coco17_map_follows_mediapipe_landmark_names():
    lms = np.zeros((33, 3), dtype=np.float32)
    lms[:, 0] = np.arange(33)
    coco = landmarks_to_coco17(lms)
    # nose, l/r eye (2, 5), l/r ear (7, 8), shoulders 11/12, elbows 13/14, wrists 15/16,
    # hips 23/24, knees 25/26, ankles 27/28 (MediaPipe's pose landmark list)
    assert coco[:, 0].tolist() == [0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28]
    assert len(MEDIAPIPE_TO_COCO17) == 17


def test_landmarks_scaled_to_pixels_and_points_outside_the_image_are_missing():
    pts = [SimpleNamespace(x=0.5, y=0.25, visibility=0.8)] * 33
    pts = list(pts)
    pts[3] = SimpleNamespace(x=1.2, y=0.5, visibility=0.9)  # right of the image
    pts[4] = SimpleNamespace(x=0.5, y=-0.1, visibility=0.9)  # above it
    arr = _landmark_array(SimpleNamespace(landmark=pts), width=200, height=400)
    assert arr.shape == (33, 3)
    assert np.allclose(arr[0], [100, 100, 0.8])
    assert arr[3, 2] == 0 and arr[4, 2] == 0
    assert np.allclose(arr[3, :2], [240, 200])


def _openpose(demo_dir, cam, video_frame):
    """COCO-17 part of the OpenPose BODY_25B people for a video frame (JSON index = frame - 1)."""
    folder = demo_dir / "single-person" / "pose-json-index-is-video-frame-minus-1" / f"{cam}_json"
    data = json.loads((folder / f"{cam}.{video_frame - 1:04d}.json").read_text())
    return [np.array(p["pose_keypoints_2d"], dtype=np.float32).reshape(25, 3)[:17] for p in data["people"]]


@pytest.mark.parametrize("cam", ["cam01", "cam02"])
def test_locks_onto_the_participant_not_the_bystander(demo_dir, cam):
    path = demo_dir / "single-person" / "videos" / f"{cam}.mp4"
    backend = MediaPipeBackend(max_people=2)
    out = list(backend.estimate(read_frames(path, 20, 24), probe_video(path)))
    assert [i for i, _ in out] == [20, 21, 22, 23]
    for index, people in out:
        assert people.shape == (1, 17, 3)  # the bystander is never detected in these views
        participant, bystander = _openpose(demo_dir, cam, index)[:2]
        both = (people[0, :, 2] > 0.5) & (participant[:, 2] > 0)
        err = np.linalg.norm(people[0, both, :2] - participant[both, :2], axis=1)
        assert both.sum() >= 12 and np.median(err) < 30  # px, person ~1100 px tall
        seen = bystander[:, 2] > 0
        assert np.linalg.norm(people[0, 11, :2] - bystander[seen, :2].mean(axis=0)) > 200


def test_second_tracker_finds_the_person_hidden_behind_the_first(demo_dir):
    # multi-person demo: a composited woman in front; MediaPipe alone tracks only her
    path = demo_dir / "multi-person" / "videos" / "cam01.mp4"
    out = list(MediaPipeBackend(max_people=2).estimate(read_frames(path, 0, 3), probe_video(path)))
    for _, people in out:
        assert len(people) == 2
        hips = people[:, 11:13, :2].mean(axis=1)
        assert np.linalg.norm(hips[0] - hips[1]) > 150
    one = list(MediaPipeBackend(max_people=1).estimate(read_frames(path, 0, 2), probe_video(path)))
    assert all(len(p) == 1 for _, p in one)


@pytest.mark.slow
@pytest.mark.parametrize("cam", ["cam01", "cam02"])
def test_whole_clip_matches_openpose(demo_dir, cam):
    """All 100 frames through estimate_poses (subject choice, swap fixing): mean error vs OpenPose.

    MediaPipe swaps the participant's left and right in cam02 frames 41-73; without the swap fix
    the mean error there is ~72 px, with it ~20 px (cam01 ~17 px), for a ~1100 px tall person.
    """
    from videosync.estimate import estimate_poses

    track = estimate_poses(demo_dir / "single-person" / "videos" / f"{cam}.mp4", backend="mediapipe", cache=False)
    assert track.frame_index.tolist() == list(range(100))
    errors = []
    for index, kp in zip(track.frame_index[1:], track.keypoints[1:]):
        people = _openpose(demo_dir, cam, int(index))
        dists = []
        for p in people:
            ok = (p[:, 2] > 0) & (kp[:, 2] > 0)
            dists.append(np.linalg.norm(p[ok, :2] - kp[ok, :2], axis=1))
        errors.append(min(dists, key=lambda d: d.mean()))  # the participant (frame 37 has 3 skeletons)
    assert np.concatenate(errors).mean() < 30

"""Turning sideways and upside-down people upright (videosync.poses.orient)."""

import numpy as np
import pytest

import videosync
from tests.sync.synth import sampled_track
from videosync.poses import PoseTrack
from videosync.poses.orient import body_angle, make_upright, rotate_track, upright_turns


def _person(shoulder_xy, hip_xy, nose_xy, n=10, hips_seen=True, w=640, h=480):
    kp = np.zeros((n, 17, 3), np.float32)
    for j, xy in ((0, nose_xy), (5, shoulder_xy), (6, shoulder_xy), (11, hip_xy), (12, hip_xy)):
        kp[:, j, :2] = xy
        kp[:, j, 2] = 1.0
    if not hips_seen:
        kp[:, 11:13] = 0
    return PoseTrack(kp, fps=30, width=w, height=h)


def test_upright_person_is_left_alone():
    t = _person((300, 100), (300, 200), (300, 60))
    assert body_angle(t) == pytest.approx(0.0)
    assert upright_turns(t) == 0
    assert make_upright(t) is t


def test_head_to_the_right_is_one_counter_clockwise_turn():
    # shoulders right of the hips: the camera was turned clockwise
    t = _person((200, 50), (100, 50), (240, 50))
    assert body_angle(t) == pytest.approx(90.0)
    assert upright_turns(t) == 1
    up = make_upright(t)
    # one turn of a 640 x 480 image: (x, y) -> (y, 640 - x), size 480 x 640
    assert (up.width, up.height) == (480, 640)
    assert up.keypoints[0, 5, :2].tolist() == [50, 440]
    assert up.keypoints[0, 11, :2].tolist() == [50, 540]
    assert up.meta["upright_turns"] == 1
    assert body_angle(up) == pytest.approx(0.0)


def test_head_to_the_left_and_upside_down():
    assert upright_turns(_person((100, 50), (200, 50), (60, 50))) == 3
    assert upright_turns(_person((300, 300), (300, 200), (300, 340))) == 2


def test_upper_body_shot_uses_shoulders_to_nose():
    t = _person((250, 50), (0, 0), (300, 50), hips_seen=False)  # nose right of the shoulders
    assert body_angle(t) == pytest.approx(90.0)
    assert upright_turns(t) == 1


def test_leaning_person_is_not_turned():
    t = _person((300 + 70, 130), (300, 200), (300 + 90, 110))  # 45 degrees
    assert body_angle(t) == pytest.approx(45.0)
    assert upright_turns(t) == 0


def test_too_few_frames_with_a_body_axis():
    assert upright_turns(_person((200, 50), (100, 50), (240, 50), n=3)) == 0


def test_four_turns_are_the_identity_and_missing_joints_stay_zero():
    t = sampled_track(20, 30.0)
    kp = t.keypoints.copy()
    kp[3, 4] = 0
    t = t.with_keypoints(kp)
    back = rotate_track(rotate_track(t, 1), 3)
    assert np.allclose(back.keypoints, t.keypoints, atol=1e-4)
    assert (back.width, back.height) == (t.width, t.height)
    assert np.all(rotate_track(t, 2).keypoints[3, 4] == 0)


def _sideways(track: PoseTrack) -> PoseTrack:
    """What a camera turned clockwise sees: pixels rotated clockwise, (x, y) -> (H - y, x)."""
    kp = track.keypoints.copy()
    kp[..., 0], kp[..., 1] = track.height - track.keypoints[..., 1], track.keypoints[..., 0]
    out = track.with_keypoints(kp)
    out.width, out.height = track.height, track.width
    return out


def test_align_a_sideways_camera_with_the_vertical_speed_baseline():
    ref = sampled_track(300, 30.0, start_seconds=2.0)
    other = _sideways(sampled_track(300, 30.0, start_seconds=2.0 - 12 / 30))
    result = videosync.align([ref, other], method="speed-xcorr")
    assert result.inputs[1].offset_frames == pytest.approx(12, abs=0.5)
    assert any("turned upright" in w for w in result.warnings)

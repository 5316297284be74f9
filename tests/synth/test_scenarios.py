"""Every condition the calibration cases apply, checked against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from videosync.poses.orient import make_upright, rotate_track
from videosync.poses.track import PoseTrack
from videosync.synth.scenarios import (
    BASE_FPS,
    SEAT_HEIGHT_M,
    Truth,
    View,
    assume_rate,
    blank,
    chain_motions,
    decimate,
    detector_failures,
    drop_frames,
    drop_rows,
    facing_angle,
    hide_joints,
    impostor,
    played_at,
    sample_joints,
    still_legs,
    swap_sides,
    tilt_image,
    true_offsets,
    turn_image,
)


def view(points: dict[int, tuple[float, float]], n: int = 1, width: float = 640, height: float = 480,
         fps: float = 30.0, t0: float = 0.0) -> View:
    """A view of ``n`` identical frames with the given joints seen (the others missing)."""
    kp = np.zeros((n, 17, 3), dtype=np.float32)
    for j, (x, y) in points.items():
        kp[:, j] = (x, y, 0.9)
    return View(PoseTrack(kp, fps=fps, width=width, height=height), t0 + np.arange(n) / fps)


def timeline(n: int, fps: float, t0: float = 0.0) -> View:
    """``n`` frames at ``fps`` starting at ``t0`` (keypoints irrelevant: every joint at (1, 1))."""
    kp = np.ones((n, 17, 3), dtype=np.float32)
    return View(PoseTrack(kp, fps=fps, width=10, height=10), t0 + np.arange(n) / fps)


# ------------------------------------------------------------------------------ image geometry
def test_a_quarter_turn_maps_x_y_to_h_minus_y_x_and_swaps_the_size():
    turned = turn_image(view({5: (100.0, 50.0)}), 1)
    assert (turned.track.width, turned.track.height) == (480, 640)
    np.testing.assert_allclose(turned.track.keypoints[0, 5], [430.0, 100.0, 0.9], atol=1e-5)
    assert turned.track.keypoints[0, 0, 2] == 0  # a missing joint stays missing (and at 0, 0)
    np.testing.assert_array_equal(turned.track.keypoints[0, 0, :2], [0, 0])


def test_two_turns_are_upside_down_and_four_are_nothing():
    upside = turn_image(view({5: (100.0, 50.0)}), 2)
    assert (upside.track.width, upside.track.height) == (640, 480)
    np.testing.assert_allclose(upside.track.keypoints[0, 5, :2], [540.0, 430.0])
    full = turn_image(view({5: (100.0, 50.0)}), 4)
    np.testing.assert_allclose(full.track.keypoints[0, 5, :2], [100.0, 50.0])


def test_the_engine_orientation_turn_undoes_ours():
    original = view({5: (100.0, 50.0), 11: (300.0, 400.0)})
    back = rotate_track(turn_image(original, 1).track, 1)  # orient.py's counter-clockwise turn
    np.testing.assert_allclose(back.keypoints, original.track.keypoints, atol=1e-4)
    assert (back.width, back.height) == (640, 480)


def test_align_turns_a_phone_on_its_side_back_upright():
    # shoulders above hips and a nose above them: an upright person, 10 frames
    upright = view({0: (320, 100), 5: (300, 150), 6: (340, 150), 11: (305, 300), 12: (335, 300)}, n=10)
    again = make_upright(turn_image(upright, 1).track)
    assert again.meta["upright_turns"] == 1
    np.testing.assert_allclose(again.keypoints, upright.track.keypoints, atol=1e-4)


def test_a_tilt_turns_clockwise_about_the_centre_and_drops_what_leaves_the_image():
    square = view({5: (150.0, 100.0), 6: (100.0, 40.0)}, width=200, height=200)
    quarter = tilt_image(square, 90.0)
    np.testing.assert_allclose(quarter.track.keypoints[0, 5, :2], [100.0, 150.0], atol=1e-4)  # right -> below
    np.testing.assert_allclose(quarter.track.keypoints[0, 6, :2], [160.0, 100.0], atol=1e-4)  # above -> right
    half = tilt_image(square, 180.0)
    np.testing.assert_allclose(half.track.keypoints[0, 5, :2], [50.0, 100.0], atol=1e-4)
    wide = view({5: (390.0, 50.0), 6: (210.0, 50.0)}, width=400, height=100)
    tilted = tilt_image(wide, 90.0)  # (390, 50) -> (200, 240): below a 100-pixel-high image
    assert tilted.track.keypoints[0, 5, 2] == 0
    np.testing.assert_allclose(tilted.track.keypoints[0, 6, :2], [200.0, 60.0], atol=1e-4)
    assert (tilted.track.width, tilted.track.height) == (400, 100)


def test_hidden_legs_are_missing_and_the_rest_untouched():
    v = view({j: (10.0 * j, 20.0) for j in range(17)}, n=3)
    out = hide_joints(v).track.keypoints
    assert np.all(out[:, 11:] == 0)
    np.testing.assert_array_equal(out[:, :11], v.track.keypoints[:, :11])


# ------------------------------------------------------------------------------ timing and truth
def test_b_starting_earlier_is_a_positive_offset():
    a, b = timeline(30, 30.0, t0=1.0), timeline(30, 30.0, t0=0.5)
    truth = true_offsets(a, b, rate=1.0)
    assert truth.offset_range == pytest.approx((15.0, 15.0))
    assert truth.overlap_frames == 15  # A's frames 0..14 (1.0 s to 1.467 s); B ends at 1.467 s
    assert truth.worst_error(15.0) == pytest.approx(0.0)
    assert truth.worst_error(14.0) == pytest.approx(1.0)


def test_a_fractional_offset():
    truth = true_offsets(timeline(60, 30.0, t0=0.51), timeline(60, 30.0), rate=1.0)
    assert truth.offset_range == pytest.approx((15.3, 15.3))


def test_mixed_rates_give_a_line_with_the_ratio_as_slope():
    a, b = timeline(25, 25.0), timeline(50, 50.0)
    truth = true_offsets(a, b, rate=2.0)
    assert truth.overlap_frames == 25
    np.testing.assert_allclose(truth.b, 2.0 * truth.a)
    assert truth.worst_error(0.0, rate=2.0) == pytest.approx(0.0)
    assert truth.worst_error(0.0, rate=1.0) == pytest.approx(24.0)  # frame 24 of A is frame 48 of B


def test_frames_lost_without_timestamps_shift_the_offset_by_the_number_lost_before():
    a, b = timeline(10, 30.0), timeline(10, 30.0)
    renumbered = drop_rows(b, np.array([3, 6]), timestamps=False)
    np.testing.assert_array_equal(renumbered.track.frame_index, np.arange(8))
    truth = true_offsets(a, renumbered, rate=1.0)
    i = np.arange(10.0)
    offsets = np.interp(i, truth.a, truth.b) - i
    np.testing.assert_allclose(offsets, [0, 0, 0, -0.5, -1, -1, -1.5, -2, -2, -2])
    assert truth.worst_error(-1.0) == pytest.approx(1.0)
    assert truth.offset_range == pytest.approx((-2.0, 0.0))


def test_frames_lost_with_timestamps_leave_gaps_and_the_offset_alone():
    gaps = drop_rows(timeline(10, 30.0), np.array([3, 6]), timestamps=True)
    np.testing.assert_array_equal(gaps.track.frame_index, [0, 1, 2, 4, 5, 7, 8, 9])
    truth = true_offsets(timeline(10, 30.0), gaps, rate=1.0)
    assert truth.offset_range == pytest.approx((0.0, 0.0))
    assert len(truth.a) == 2  # a constant offset is two knots


def test_random_drops_take_the_share_and_keep_the_first_frame():
    out = drop_frames(timeline(200, 30.0), 0.1, np.random.default_rng(1), timestamps=False)
    assert 178 <= len(out.track) <= 180  # 20 lost, up to 2 more from the last run of 1-3 frames
    assert out.track.frame_index[0] == 0 and out.times[0] == 0.0


def test_resampling_60_to_30_fps_halves_the_offset():
    a = timeline(60, 30.0)
    b = timeline(120, 60.0, t0=-10 / 60)  # B started 10 frames of 60 fps earlier
    assert true_offsets(a, b, rate=2.0).offset_range == pytest.approx((10.0, 10.0))
    halved = decimate(b, 2)
    assert halved.track.fps == 30.0 and len(halved.track) == 60
    assert true_offsets(a, halved, rate=1.0).offset_range == pytest.approx((5.0, 5.0))


def test_an_assumed_rate_is_flagged_and_sizes_from_the_extent_and_keeps_the_frames():
    v = view({5: (200.0, 50.0), 6: (20.0, 100.0)}, n=4, fps=60.0)
    out = assume_rate(v).track
    assert out.fps == 30.0 and out.meta["fps_source"] == "assumed"
    assert (out.width, out.height, out.size_source) == (pytest.approx(210.0), pytest.approx(105.0), "extent")
    np.testing.assert_array_equal(out.frame_index, v.track.frame_index)
    assert v.track.fps == 60.0  # the input is not modified


def test_truth_round_trips_through_json():
    truth = true_offsets(timeline(10, 30.0), drop_rows(timeline(10, 30.0), np.array([3]), False), 1.0)
    again = Truth.from_json(truth.to_json())
    assert again.worst_error(-0.5) == pytest.approx(truth.worst_error(-0.5))
    assert truth.to_json()["offset_min"] == -1.0 and truth.to_json()["offset_max"] == 0.0


# ------------------------------------------------------------------------------ detector failures
def test_sides_swap_in_the_given_rows_only():
    v = view({5: (100.0, 10.0), 6: (200.0, 10.0)}, n=3)
    out = swap_sides(v, np.array([1])).track.keypoints
    np.testing.assert_allclose(out[1, 5, :2], [200.0, 10.0])
    np.testing.assert_allclose(out[1, 6, :2], [100.0, 10.0])
    np.testing.assert_allclose(out[0, 5, :2], [100.0, 10.0])


def test_an_impostor_is_another_rows_pose_moved_sideways():
    kp = np.zeros((4, 17, 3), dtype=np.float32)
    kp[:, 5] = [[10, 5, 1], [20, 5, 1], [30, 5, 1], [600, 5, 1]]
    v = View(PoseTrack(kp, fps=30.0, width=640, height=480), np.arange(4) / 30)
    out = impostor(v, np.array([0, 1]), np.array([2, 3]), dx=100.0).track.keypoints
    np.testing.assert_allclose(out[0, 5], [130, 5, 1])
    assert out[1, 5, 2] == 0  # 600 + 100 is outside a 640-pixel-wide image
    np.testing.assert_allclose(out[2:, 5], kp[2:, 5])
    assert blank(v, np.array([3])).track.keypoints[3].max() == 0


def test_detector_failures_are_seeded_and_keep_every_frame():
    v = view({j: (300.0 + j, 200.0 + 5 * j) for j in range(17)}, n=300)
    one = detector_failures(v, np.random.default_rng(4), per_second=1.0).track.keypoints
    two = detector_failures(v, np.random.default_rng(4), per_second=1.0).track.keypoints
    np.testing.assert_array_equal(one, two)
    assert one.shape == v.track.keypoints.shape
    assert not np.array_equal(one, v.track.keypoints)


# ------------------------------------------------------------------------------ 3D motion
def standing_person() -> np.ndarray:
    """One frame ``(17, 3)``: facing +z, left is +x, hips at 0.9 m, knees 0.5, ankles 0.1."""
    j = np.zeros((17, 3))
    j[:5] = [0.0, 1.6, 0.1]
    j[5], j[6] = [0.2, 1.4, 0.0], [-0.2, 1.4, 0.0]
    j[7:11] = [[0.3, 1.1, 0], [-0.3, 1.1, 0], [0.3, 0.8, 0], [-0.3, 0.8, 0]]
    j[11], j[12] = [0.1, 0.9, 0.0], [-0.1, 0.9, 0.0]
    j[13], j[14] = [0.1, 0.5, 0.0], [-0.1, 0.5, 0.0]
    j[15], j[16] = [0.1, 0.1, 0.0], [-0.1, 0.1, 0.0]
    return j


def test_facing_is_measured_from_the_hips():
    j = standing_person()
    assert facing_angle(j) == pytest.approx(0.0)
    turned = j.copy()
    turned[..., 0], turned[..., 2] = j[..., 2], -j[..., 0]  # a quarter turn: left now points to -z
    assert facing_angle(turned) == pytest.approx(math.pi / 2)  # facing +x


def test_standing_still_legs_keep_the_first_frame_and_take_the_walk_out_of_the_torso():
    walk = np.stack([standing_person() + [0.0, 0.0, 0.5 * t] for t in range(3)])
    walk[2, 9] += [0.0, 0.3, 0.0]  # the left wrist rises in the last frame
    out = still_legs(walk)
    np.testing.assert_allclose(out[:, 11:], np.repeat(walk[:1, 11:], 3, axis=0))
    np.testing.assert_allclose(out[2, 9], [0.3, 1.1, 0.0])  # raised by 0.3, not moved 1 m forward
    np.testing.assert_allclose(out[1, :9], walk[0, :9])


def test_seated_legs_sit_on_a_chair_with_the_clips_own_segment_lengths():
    out = still_legs(np.stack([standing_person()] * 2), seated=True)
    drop = 0.9 - SEAT_HEIGHT_M
    np.testing.assert_allclose(out[0, 11], [0.1, SEAT_HEIGHT_M, 0.0])
    np.testing.assert_allclose(out[0, 13], [0.1, SEAT_HEIGHT_M, 0.4])  # thigh 0.4 m, forward (+z)
    np.testing.assert_allclose(out[0, 15], [0.1, SEAT_HEIGHT_M - 0.4, 0.4])  # shank 0.4 m down
    np.testing.assert_allclose(out[1, 5], [0.2, 1.4 - drop, 0.0])


def test_sampling_reads_a_linear_motion_exactly_and_clamps_at_the_ends():
    joints = np.zeros((121, 17, 3))
    joints[..., 2] = (np.arange(121) / 120.0)[:, None]  # 1 m/s along z for 1 s
    at = sample_joints(joints, 120.0, np.array([0.25, 0.3337, 2.0]))
    np.testing.assert_allclose(at[:, 0, 2], [0.25, 0.3337, 1.0])


def test_a_faster_tempo_plays_the_same_path_in_fewer_frames():
    joints = np.zeros((121, 17, 3))
    joints[..., 2] = (np.arange(121) / 120.0)[:, None]  # 1 m in 1 s
    fast = played_at(joints, 1.25)
    assert len(fast) == 97  # 120 / 1.25 intervals
    np.testing.assert_allclose(fast[:, 0, 2], np.arange(97) * 1.25 / 120.0)
    assert played_at(joints, 1.0) is joints


def test_a_clip_chained_to_itself_continues_its_path_without_a_jump():
    clip = np.stack([standing_person() + [0.0, 0.0, t / 120.0] for t in range(120)])
    chained = chain_motions([clip, clip], np.random.default_rng(0))
    blend = int(round(0.3 * BASE_FPS))
    assert len(chained) == 2 * 120 - blend
    np.testing.assert_allclose(chained[:, 11, 2], np.arange(len(chained)) / 120.0, atol=1e-9)


def test_a_chained_clip_is_turned_to_face_where_the_last_one_faced():
    still = np.stack([standing_person()] * 120)
    elsewhere = still.copy()
    elsewhere[..., 0], elsewhere[..., 2] = still[..., 2] + 5.0, -still[..., 0] + 5.0  # turned, moved away
    chained = chain_motions([still, elsewhere], np.random.default_rng(0))
    np.testing.assert_allclose(chained, np.stack([standing_person()] * len(chained)), atol=1e-9)

import numpy as np
import pytest

from videosync.poses.subject import choose_subject, link_tracks
from videosync.tunables import TRACK_MAX_GAP
from tests.poses.skeletons import COCO17, figure


def person(cx, cy, height, score=0.9):
    return figure(COCO17, cx, cy, height, score)


def frames_of(*people_per_frame):
    return [np.stack(p) if p else np.zeros((0, 17, 3)) for p in people_per_frame]


def test_crossing_people_in_random_file_order_keep_their_identity():
    # A (near the camera, 400 px tall) walks right, B (farther, 300 px, higher up) walks left;
    # they cross around frame 25 and the file lists them in random order.
    rng = np.random.default_rng(0)
    n = 50
    a = [person(100 + 16 * t, 600, 400) for t in range(n)]
    b = [person(900 - 16 * t, 520, 300) for t in range(n)]
    frames = [np.stack([a[t], b[t]] if rng.random() < 0.5 else [b[t], a[t]]) for t in range(n)]
    main = choose_subject(frames)
    np.testing.assert_allclose(main.keypoints, np.stack(a), atol=1e-4)
    assert main.n_tracks == 2 and main.rank == 0 and main.coverage == 1.0
    other = choose_subject(frames, person=1)
    np.testing.assert_allclose(other.keypoints, np.stack(b), atol=1e-4)
    assert other.scores == main.scores and other.scores[0] > other.scores[1]


def test_person_occluded_while_crossing_is_picked_up_again():
    n = 50
    a = [person(100 + 16 * t, 600, 400) for t in range(n)]
    b = [person(900 - 16 * t, 520, 300) for t in range(n)]
    hidden = range(23, 28)  # B behind A
    frames = frames_of(*([a[t]] if t in hidden else [b[t], a[t]] for t in range(n)))
    other = choose_subject(frames, person=1)
    assert other.n_tracks == 2
    for t in range(n):
        expected = np.zeros((17, 3)) if t in hidden else b[t]
        np.testing.assert_allclose(other.keypoints[t], expected, atol=1e-4, err_msg=f"frame {t}")


def test_static_smaller_bystander_listed_first_is_not_chosen():
    n = 40
    main = [person(500 + 40 * np.sin(t / 5), 700, 600) for t in range(n)]
    bystander = person(80, 600, 350)
    frames = frames_of(*([bystander, main[t]] for t in range(n)))
    chosen = choose_subject(frames)
    np.testing.assert_allclose(chosen.keypoints, np.stack(main), atol=1e-4)
    # present in more frames than the subject, but smaller: still not chosen
    frames = frames_of(*([bystander, main[t]] if t < 30 else [bystander] for t in range(n)))
    chosen = choose_subject(frames)
    np.testing.assert_allclose(chosen.keypoints[:30], np.stack(main[:30]), atol=1e-4)
    assert not chosen.keypoints[30:].any()
    assert chosen.coverage == 30 / 40


def test_split_detection_keeps_the_best_matching_part():
    # frame 5: the subject comes as two skeletons, head+arms (wide box) and hips+legs (narrow box);
    # the head+arms part overlaps the track's box most and carries it through.
    n = 10
    full = [person(400 + 5 * t, 600, 500) for t in range(n)]
    upper, lower = full[5].copy(), full[5].copy()
    upper[11:] = 0
    lower[:11] = 0
    lower[5:11] = 0
    bystander = person(900, 600, 300)
    frames = frames_of(*([lower, bystander, upper] if t == 5 else [bystander, full[t]] for t in range(n)))
    chosen = choose_subject(frames)
    expected = np.stack(full)
    expected[5] = upper
    np.testing.assert_allclose(chosen.keypoints, expected, atol=1e-4)
    assert chosen.n_tracks == 3  # subject, bystander, and the one-frame leg fragment


def test_gaps_up_to_max_gap_are_bridged_longer_ones_start_a_new_track():
    p = [person(300 + 2 * t, 600, 400) for t in range(60)]
    short = frames_of(*([] if 10 <= t < 10 + TRACK_MAX_GAP else [p[t]] for t in range(60)))
    labels = link_tracks(short)
    assert {int(x) for lab in labels for x in lab} == {0}
    long = frames_of(*([] if 10 <= t < 11 + TRACK_MAX_GAP else [p[t]] for t in range(60)))
    labels = link_tracks(long)
    assert [int(lab[0]) for lab in labels if len(lab)] == [0] * 10 + [1] * (60 - 11 - TRACK_MAX_GAP)
    # a gap in the frame numbers counts like missing rows
    fi = np.r_[np.arange(10), np.arange(10, 50) + TRACK_MAX_GAP + 5]
    labels = link_tracks(frames_of(*([p[t]] for t in range(50))), fi)
    assert labels[9][0] == 0 and labels[10][0] == 1


def test_jump_beyond_the_gate_is_another_person():
    frames = frames_of(*([person(200, 600, 400)] if t < 5 else [person(800, 600, 400)] for t in range(12)))
    chosen = choose_subject(frames)
    assert chosen.n_tracks == 2
    # the later, longer-lasting one wins; the first five frames are left empty, not spliced in
    assert not chosen.keypoints[:5].any() and chosen.keypoints[5:, 0, 0].tolist() == [800] * 7


def test_empty_detections_and_errors():
    p = person(300, 600, 400)
    frames = [np.zeros((1, 17, 3)), p[None], np.zeros((0, 17, 3)), p[None]]
    labels = link_tracks(frames)
    assert labels[0].tolist() == [-1] and labels[1].tolist() == [0] and labels[3].tolist() == [0]
    chosen = choose_subject(frames)
    assert chosen.keypoints[[1, 3]].any(axis=(1, 2)).all() and not chosen.keypoints[[0, 2]].any()
    with pytest.raises(ValueError, match="only 1"):
        choose_subject(frames, person=1)
    with pytest.raises(ValueError, match="no person"):
        choose_subject([np.zeros((2, 17, 3))])
    with pytest.raises(ValueError, match=">= 0"):
        choose_subject(frames, person=-1)


def test_left_right_label_swap_does_not_split_the_person():
    """Estimators swap a person's left/right labels for a few frames (fast arms). As labelled, the
    swapped frames are far from the previous one (each left joint 300 px from its old place, in a
    300 x 200 px person: mean distance 300 * 16 / 17 / 361 px = 0.78 diagonals, beyond the 0.3
    gate); mirrored they match, so the person stays one track and beats a bystander."""
    from videosync.poses.layouts import COCO17_FLIP

    def wide(cx, cy):
        kp = np.zeros((17, 3))
        kp[:, 2] = 0.9
        kp[:, 1] = cy + np.linspace(-100, 100, 17)
        kp[:, 0] = cx
        kp[1::2, 0] = cx - 150  # COCO-17: odd indices are left joints, even (> 0) right ones
        kp[2::2, 0] = cx + 150
        return kp

    n = 30
    subject = [wide(400 + 2 * t, 300) for t in range(n)]
    for t in range(10, 15):
        subject[t] = subject[t][list(COCO17_FLIP)]
    bystander = person(1200, 300, 150)
    frames = frames_of(*([subject[t], bystander] for t in range(n)))
    labels = link_tracks(frames)
    assert {int(lab[0]) for lab in labels} == {0}
    main = choose_subject(frames)
    assert main.n_tracks == 2 and main.coverage == 1.0
    np.testing.assert_allclose(main.keypoints, np.stack(subject), atol=1e-4)

"""The stand-in subject selector (used until videosync.poses.subject lands)."""

from __future__ import annotations

import numpy as np
import pytest

from videosync.estimate._subject_fallback import select_subject


def person(cx: float, cy: float, height: float) -> np.ndarray:
    kp = np.zeros((17, 3), dtype=np.float32)
    kp[:, 0] = cx + np.linspace(-height / 8, height / 8, 17)
    kp[:, 1] = cy + np.linspace(-height / 2, height / 2, 17)
    kp[:, 2] = 1.0
    return kp


def test_big_person_first_small_second_even_when_listed_in_changing_order():
    frames = []
    for t in range(10):
        big = person(300 + 5 * t, 500, 800)
        small = person(50, 400, 300)
        frames.append(np.stack([small, big] if t % 2 else [big, small]))
    first = select_subject(frames, person=0)
    second = select_subject(frames, person=1)
    assert np.allclose(first[:, 8, 0], [300 + 5 * t for t in range(10)])
    assert np.allclose(second[:, 8, 0], 50)
    with pytest.raises(IndexError):
        select_subject(frames, person=2)


def test_absent_frames_are_zero_rows_and_track_continues_after_a_gap():
    frames = [np.stack([person(400 + t, 500, 600)]) if t not in (3, 4) else np.zeros((0, 17, 3)) for t in range(8)]
    out = select_subject(frames, person=0)
    assert out.shape == (8, 17, 3)
    assert not out[3].any() and not out[4].any()
    assert np.allclose(out[[0, 1, 2, 5, 6, 7], 8, 0], [400, 401, 402, 405, 406, 407])


def test_a_jump_across_the_image_starts_a_new_person():
    frames = [np.stack([person(200, 500, 400)])] * 5 + [np.stack([person(900, 500, 400)])] * 3
    out = select_subject(frames, person=0)  # the 5-frame person outweighs the 3-frame one
    assert (out[:5, 8, 0] == 200).all() and not out[5:].any()

"""Placing a time map's steps by the two views' geometry frame by frame (issue 19: the features
placed them up to 1.2 s late). Truths by construction: B is the same motion ``k`` frames
earlier, seen by another (fixed) camera, with rows removed and the rest renumbered."""

import pytest

from tests.sync.synth import other_view, sampled_track
from tests.sync.test_timemap import FPS, renumbered
from videosync.sync.stepplace import place_steps


def pair_with_loss():
    """Frame i of A = frame i + 5 of B until B loses its rows 305..308 (A's instants 300..303);
    from A's frame 304 on, frame i of A = frame i + 1 of B."""
    a = sampled_track(600, FPS, 20.0)
    b = other_view(renumbered(sampled_track(610, FPS, 20.0 - 5 / FPS), range(305, 309)))
    return a, b


@pytest.mark.parametrize("guess", [285, 300, 330])
def test_a_step_is_placed_where_the_frames_switch_whichever_side_the_guess_is(guess):
    a, b = pair_with_loss()
    (placed,) = place_steps(a, b, [guess], [5.0, 1.0], 1.0)
    # A's frames 300..303 are instants B lost: either offset is 4 frames off there
    assert 300 <= placed.frame_a <= 304
    assert placed.low_a <= placed.frame_a <= placed.high_a and placed.high_a - placed.low_a <= 10


def test_no_steps_no_work():
    a, b = pair_with_loss()
    assert place_steps(a, b, [], [5.0], 1.0) == []

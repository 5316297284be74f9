import numpy as np
import pytest

from tests.sync.synth import sampled_track
from videosync.errors import CannotSynchronizeError
from videosync.result import PairOffset
from videosync.sync.solve import PairwiseOffset as P
from videosync.sync.solve import solve_inputs, solve_offsets


def test_three_cameras_consistent():
    s = [0.0, 0.5, -0.2]
    pairs = [P(0, 1, 0.5), P(0, 2, -0.2), P(1, 2, -0.7)]
    r = solve_offsets(3, pairs, fps=[30, 30, 30])
    np.testing.assert_allclose(r.offsets_seconds, s, atol=1e-12)
    np.testing.assert_allclose(r.residuals_seconds, 0, atol=1e-12)
    assert r.disagreeing == [] and r.used.all() and not r.ambiguous


def test_weighted_least_squares_hand_computed():
    # two measurements of s1: 1.0 (weight 1) and 2.0 (weight 3) -> (1 + 6) / 4
    r = solve_offsets(2, [P(0, 1, 1.0, 1.0), P(0, 1, 2.0, 3.0)], threshold_seconds=10)
    assert r.offsets_seconds[1] == pytest.approx(1.75)
    np.testing.assert_allclose(r.residuals_seconds, [0.75, -0.25])


def test_threshold_is_one_and_a_half_frames_of_the_slowest_input():
    r = solve_offsets(2, [P(0, 1, 0.1)], fps=[30, 25])
    assert r.threshold_seconds == pytest.approx(1.5 / 25)


def test_corrupted_low_confidence_pair_is_isolated_in_a_triangle():
    pairs = [P(0, 1, 0.5, 1.0), P(0, 2, -0.2, 1.0), P(1, 2, -0.7 + 1.0, 0.3)]
    r = solve_offsets(3, pairs, fps=[30, 30, 30])
    np.testing.assert_allclose(r.offsets_seconds, [0, 0.5, -0.2], atol=1e-12)
    assert r.disagreeing == [2] and r.used.tolist() == [True, True, False]
    assert r.residuals_seconds[2] == pytest.approx(-1.0)
    plain = solve_offsets(3, pairs, fps=[30, 30, 30], reject=False)
    assert abs(plain.offsets_seconds[1] - 0.5) > 0.05  # least squares alone is pulled away


def test_corrupted_pair_among_four_cameras_with_equal_weights():
    s = np.array([0.0, 0.3, -0.4, 1.1])
    pairs = [P(a, b, s[b] - s[a]) for a in range(4) for b in range(a + 1, 4)]
    bad = 4  # (1, 3)
    pairs[bad] = P(1, 3, s[3] - s[1] - 0.8)
    r = solve_offsets(4, pairs, fps=[30] * 4)
    np.testing.assert_allclose(r.offsets_seconds, s, atol=1e-12)
    assert r.disagreeing == [bad] and not r.ambiguous


def test_equal_weight_triangle_with_one_bad_pair_is_ambiguous():
    pairs = [P(0, 1, 0.5), P(0, 2, -0.2), P(1, 2, -0.7 + 1.0)]
    r = solve_offsets(3, pairs, fps=[30, 30, 30])
    assert r.ambiguous
    assert r.disagreeing == [0, 1, 2]
    np.testing.assert_allclose(np.abs(r.residuals_seconds), 1 / 3, atol=1e-12)


def test_unlinked_input_and_bad_arguments():
    with pytest.raises(CannotSynchronizeError, match="cam3"):
        solve_offsets(3, [P(0, 1, 0.1), P(0, 2, 0.2, 0.0)], fps=[30] * 3,
                      names=["cam1", "cam2", "cam3"])
    with pytest.raises(ValueError):
        solve_offsets(2, [P(0, 2, 0.1)], fps=[30, 30])
    with pytest.raises(ValueError):
        solve_offsets(2, [P(0, 1, 0.1)])
    assert solve_offsets(1, [], fps=[30]).offsets_seconds.tolist() == [0.0]


def test_a_pair_with_confidence_zero_still_gives_its_guess():
    """Two inputs whose only pair has confidence 0: the solve still places B at the pair's
    offset, with confidence 0 (which align then refuses below min_confidence, naming the guess),
    rather than failing with 'no usable pairwise estimate'."""
    a, b = sampled_track(60, 30.0), sampled_track(60, 30.0)
    warnings: list[str] = []
    out = solve_inputs([a, b], ["a", "b"], [PairOffset(0, 1, 6.0, 0.2, 0.0)], warnings)
    assert out[1].offset_frames == pytest.approx(6.0) and out[1].confidence == 0.0
    # with a confident second path the zero-confidence pair does not move the answer
    c = sampled_track(60, 30.0)
    pairs = [PairOffset(0, 1, 6.0, 0.2, 0.0), PairOffset(0, 2, 3.0, 0.1, 0.9), PairOffset(2, 1, 1.5, 0.05, 0.9)]
    out = solve_inputs([a, b, c], ["a", "b", "c"], pairs, warnings)
    assert out[1].offset_seconds == pytest.approx(0.15, abs=1e-4)

"""Candidate offsets from the soft votes, and their probabilities (hand-computed)."""

import numpy as np
import pytest

from videosync.trust.candidates import candidate_probabilities, vote_peaks


def test_peaks_a_period_apart_are_listed_strongest_first():
    offsets = np.arange(-40, 41)
    votes = np.zeros(len(offsets))
    for centre, height in ((-9, 10.0), (21, 6.0), (-39, 4.0), (5, 1.0)):
        votes[offsets == centre] = height
        votes[offsets == centre - 1] = votes[offsets == centre + 1] = height / 2  # its valley
    peaks = vote_peaks(offsets, votes, chosen=-9.0, separation=6)
    # +5 has 0.1 of the chosen votes (< MIN_CANDIDATE_SHARE); the chosen one's shoulders are no peaks
    assert peaks == [(21.0, 0.6), (-39.0, 0.4)]


def test_peaks_respect_the_allowed_range_and_the_separation():
    offsets = np.arange(-10, 11)
    votes = np.zeros(len(offsets))
    votes[offsets == 0] = 5.0
    votes[offsets == 4] = 5.0  # inside the separation: the same answer
    votes[offsets == 9] = 4.0
    assert vote_peaks(offsets, votes, 0.0, separation=6) == [(9.0, 0.8)]
    assert vote_peaks(offsets, votes, 0.0, separation=6, allowed=(-8, 8)) == []


def test_no_votes_no_candidates():
    assert vote_peaks(np.arange(5), np.zeros(5), 2.0, 2) == []
    assert vote_peaks(np.zeros(0), np.zeros(0), 0.0, 2) == []


def test_probabilities_share_what_the_chosen_offset_leaves():
    # 1 - 0.5 = 0.5 left, split 0.6 : 0.2 : 0.2 (elsewhere)
    assert candidate_probabilities(0.5, [0.6, 0.2], elsewhere=0.2) == pytest.approx([0.5, 0.3, 0.1])
    assert candidate_probabilities(1.0, [0.9], elsewhere=0.0) == pytest.approx([1.0, 0.0])
    assert candidate_probabilities(0.3, [], elsewhere=1.0) == pytest.approx([0.3])

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


def test_votes_binned_every_kth_frame_give_the_same_peaks_in_those_frames():
    """An estimate made on every 2nd frame of B has its vote bins 2 frames apart once in the
    inputs' frames: the peaks are the same bins, at twice the offsets (a peak 6 frames from a
    stronger one stays a peak of its own at separation 6, 12 frames at separation 12)."""
    offsets = np.arange(-40, 41)
    votes = np.zeros(len(offsets))
    for centre, height in ((0, 10.0), (24, 8.0), (30, 6.0), (-30, 5.0)):
        votes[offsets == centre] = height
    found = vote_peaks(offsets, votes, chosen=0.0, separation=6)
    assert found == [(24.0, 0.8), (30.0, 0.6), (-30.0, 0.5)]
    assert vote_peaks(2 * offsets, votes, chosen=0.0, separation=12) == [(2 * o, s) for o, s in found]


def test_no_votes_no_candidates():
    assert vote_peaks(np.arange(5), np.zeros(5), 2.0, 2) == []
    assert vote_peaks(np.zeros(0), np.zeros(0), 0.0, 2) == []


def test_probabilities_share_what_the_chosen_offset_leaves():
    # 1 - 0.5 = 0.5 left, split 0.6 : 0.2 : 0.2 (elsewhere)
    assert candidate_probabilities(0.5, [0.6, 0.2], elsewhere=0.2) == pytest.approx([0.5, 0.3, 0.1])
    assert candidate_probabilities(1.0, [0.9], elsewhere=0.0) == pytest.approx([1.0, 0.0])
    assert candidate_probabilities(0.3, [], elsewhere=1.0) == pytest.approx([0.3])

"""The other offsets a pair could have: peaks of the matching's soft votes a repetition away.

In repeated motion (a step, a wave) the soft votes (:mod:`videosync.sync.matching`) have a peak
at every offset a period apart. The chosen offset is one of them; the others are the candidates a
user needs to see when the evidence cannot tell them apart, each with its probability
(:func:`candidate_probabilities`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from videosync.tunables import MAX_CANDIDATES, MIN_CANDIDATE_SHARE

def vote_peaks(offsets: np.ndarray, votes: np.ndarray, chosen: float, separation: float,
               allowed: tuple[float, float] | None = None) -> list[tuple[float, float]]:
    """Offsets that are local maxima of the votes over ``+-separation / 2``, at least
    ``separation`` from ``chosen`` (and inside ``allowed``), with their share of the votes at
    ``chosen``; the strongest first, at most ``MAX_CANDIDATES``, each with at least
    ``MIN_CANDIDATE_SHARE``.

    Args:
        offsets: ``(K,)`` offsets of the vote bins (frames of B), increasing and evenly spaced
            (one frame apart, or ``k`` for an estimate made on every k-th frame of B).
        votes: ``(K,)`` summed soft votes per bin.
        chosen: the answer's offset (frames of B).
        separation: offsets closer than this to ``chosen`` are the same answer.
    """
    offsets = np.asarray(offsets, dtype=np.float64)
    votes = np.asarray(votes, dtype=np.float64)
    if len(votes) == 0:
        return []
    at_chosen = float(np.interp(chosen, offsets, votes))
    if not at_chosen > 0:
        return []
    step = float(offsets[1] - offsets[0]) if len(offsets) > 1 else 1.0
    radius = max(1, int(round(separation / 2 / step)))  # in bins
    padded = np.pad(votes, radius, constant_values=-np.inf)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * radius + 1)
    is_peak = (votes >= windows.max(axis=1)) & (votes > 0)
    keep = is_peak & (np.abs(offsets - chosen) >= separation)
    if allowed is not None:
        keep &= (offsets >= allowed[0]) & (offsets <= allowed[1])
    found = [(float(offsets[k]), float(votes[k]) / at_chosen) for k in np.flatnonzero(keep)]
    found = [(o, share) for o, share in found if share >= MIN_CANDIDATE_SHARE]
    found.sort(key=lambda item: -item[1])
    return found[:MAX_CANDIDATES]


def candidate_probabilities(confidence: float, shares: Sequence[float], elsewhere: float
                            ) -> list[float]:
    """Probabilities of the chosen offset and of each rival peak.

    The chosen offset gets ``confidence`` (the calibrated probability of being within a frame);
    what is left is shared among the rivals in proportion to their vote shares and an
    ``elsewhere`` weight (the truth at no listed offset, fitted with the calibrator), so the
    probabilities listed sum to at most 1.
    """
    confidence = float(np.clip(confidence, 0.0, 1.0))
    weights = np.asarray(list(shares), dtype=np.float64)
    total = weights.sum() + max(float(elsewhere), 0.0)
    rest = (1.0 - confidence) * (weights / total if total > 0 else np.zeros_like(weights))
    return [confidence, *map(float, rest)]

"""Which person to synchronize when a camera sees more than one.

Each input's main subject is chosen from that input alone, as the person who is largest and
present longest (:func:`videosync.poses.subject.choose_subject`). With a second performer (a
coach, a sparring partner, a composited actor) that choice can differ between cameras: the one
nearer to camera A wins there, the other one in camera B, and the pair is then "synchronized" on
two different people's motion, which is a wrong offset rather than a refusal. The cameras
themselves can tell which person they share: the same person's motion matches across views
(and fits one epipolar geometry), two people's does not. So when an input has more than one
plausible subject (:func:`videosync.poses.subject.candidate_ranks`), every candidate of the
reference is tried against every candidate of each other input, and the combination the
synchronization is most confident about wins; ties keep the per-view main subjects.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np


def choose_people(candidates: Sequence[Sequence[int]], confidence: Callable[[int, int, int], float]) -> list[int]:
    """One candidate (a person rank) per input.

    Args:
        candidates: for each input, the ranks to try, the per-view main subject (0) first.
            Input 0 is the reference.
        confidence: ``confidence(rank_of_reference, input, rank_of_input)`` in [0, 1], the pair's
            synchronization confidence (0 when it cannot be synchronized).

    The reference's person is the one whose best matches with the other inputs add up to the
    most; each other input then takes the person it matches that one best with. Only strictly
    better totals or matches replace an earlier (more prominent) candidate.
    """
    if not candidates:
        return []
    best_total, best_ref, best_others = -np.inf, candidates[0][0], []
    for ref in candidates[0]:
        total, others = 0.0, []
        for i in range(1, len(candidates)):
            scores = [confidence(ref, i, rank) for rank in candidates[i]]
            pick = int(np.argmax(scores))  # the first of equal scores: the more prominent person
            total += scores[pick]
            others.append(candidates[i][pick])
        if total > best_total:
            best_total, best_ref, best_others = total, ref, others
    return [best_ref, *best_others]

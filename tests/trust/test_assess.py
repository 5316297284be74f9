"""The trust layer's rules, on hand-made evidence: error bar, refusal reasons, their words."""

import math
from types import SimpleNamespace

import numpy as np
import pytest

from videosync.result import AlignmentResult, PairOffset
from videosync.trust.calibrator import MonotoneMap
from videosync.trust.assess import Candidate, interval_half_width, likely_candidates, refusal_reason, Assessment
from videosync.trust.reasons import Reason, candidates_text, refusal_text


def _estimate(beyond=None):
    return SimpleNamespace(diagnostics={"beyond_bounds": beyond})


def test_interval_is_the_local_spread_when_the_answer_is_likely_enough():
    assert interval_half_width([Candidate(5.0, 0.95), Candidate(35.0, 0.03)], 0.4, 100.0) == 0.4


def test_interval_reaches_out_to_the_rivals_nearest_first():
    # 0.65 + 0.3 (the rival 30 frames away) >= 0.9: the interval reaches it, plus the local spread
    cands = [Candidate(5.0, 0.65), Candidate(-25.0, 0.3), Candidate(65.0, 0.05)]
    assert interval_half_width(cands, 0.5, 100.0) == pytest.approx(30.5)


def test_interval_is_the_whole_range_when_the_evidence_cannot_narrow_it():
    assert interval_half_width([Candidate(5.0, 0.4), Candidate(-25.0, 0.2)], 0.5, 80.0) == 80.0


def test_interval_reaches_as_far_as_wrong_answers_fall_when_their_spread_is_known():
    # far: wrong answers lie uniformly within 0.5 of the range (CDF 0 at 0, 1 at 0.5). The answer
    # holds 0.6 (from its local spread 0.5), a rival 10 frames away 0.2, the unlisted rest 0.2.
    # Past the rival (at 10.5 frames the mass is 0.8 + 0.2 * 10.5 / 50 = 0.842) the mass grows by
    # 0.2 / 50 per frame, so 0.9 is reached at 0.058 / 0.004 = 14.5 frames past it: 25 frames.
    far = MonotoneMap(np.array([0.0, 0.5]), np.array([0.0, 1.0]))
    cands = [Candidate(5.0, 0.6), Candidate(15.0, 0.2)]
    assert interval_half_width(cands, 0.5, 100.0, far=far) == pytest.approx(25.0)
    # the answer alone likely enough: its local spread, whatever far says
    assert interval_half_width([Candidate(5.0, 0.95)], 0.5, 100.0, far=far) == 0.5
    # nothing listed: 0.9 of the far spread, 0.9 * 0.5 of the range
    assert interval_half_width([Candidate(5.0, 0.0)], 0.5, 100.0, far=far) == pytest.approx(45.0)


@pytest.mark.parametrize("evidence, candidates, beyond, reason", [
    ({"overlap_seconds": 0.3}, [Candidate(0, 0.9)], None, Reason.NO_OVERLAP),
    ({"overlap_seconds": 4.0}, [Candidate(0, 0.0)], 33.0, Reason.OUTSIDE_BOUNDS),
    ({"overlap_seconds": 4.0, "rate_unresolved": 1.0}, [Candidate(0, 0.0)], None, Reason.FRAME_RATE_UNKNOWN),
    ({"overlap_seconds": 4.0, "drift_flagged": 1.0}, [Candidate(0, 0.0)], None, Reason.NOT_CONSTANT),
    ({"overlap_seconds": 4.0}, [Candidate(-9, 0.48), Candidate(21, 0.41, 0.85)], None, Reason.REPEATED_MOTION),
    ({"overlap_seconds": 4.0, "fit_agreement": 0.04, "geo_conclusive": 0.0}, [Candidate(0, 0.1)], None,
     Reason.NO_SHARED_MOTION),
    ({"overlap_seconds": 4.0, "fit_agreement": 0.5, "geo_conclusive": 0.0}, [Candidate(0, 0.1)], None,
     Reason.WEAK_EVIDENCE),
    # a rival with a third of the answer's votes is not a repetition worth naming
    ({"overlap_seconds": 4.0, "fit_agreement": 0.5}, [Candidate(0, 0.5), Candidate(30, 0.05, 0.33)], None,
     Reason.WEAK_EVIDENCE),
])
def test_refusal_reasons_in_their_order(evidence, candidates, beyond, reason):
    assert refusal_reason(evidence, candidates, _estimate(beyond)) is reason


def test_repeated_motion_names_the_candidates_and_the_bound_that_decides():
    text = refusal_text(Reason.REPEATED_MOTION, [(-9.1, 0.48), (21.3, 0.41)], [])
    # the bound halfway between |-9.1| and |21.3|, rounded down: 15
    assert text.startswith("repeated motion: either -9.1 (p 0.48) or +21.3 (p 0.41); the motion repeats")
    assert "--max-offset 15 if you know the recordings started less than 15 frames apart" in text
    assert candidates_text([(3.0, 0.5)]) == "+3.0 (p 0.50)"


def test_a_reason_with_a_method_note_quotes_it():
    note = "the offset is not constant over the recording: -12.0 frames around 2 s, -26.7 around 14 s"
    assert refusal_text(Reason.NOT_CONSTANT, [], ["other note", note]) == f"offset not constant: {note}"
    assert refusal_text(Reason.WEAK_EVIDENCE, [], []) == f"weak evidence: {Reason.WEAK_EVIDENCE.advice}"


def test_likely_candidates_most_probable_first():
    a = Assessment(0.3, 40.0, [Candidate(1.0, 0.3), Candidate(31.0, 0.5, 0.9), Candidate(-29.0, 0.05, 0.4)], None)
    assert [c.offset_frames for c in likely_candidates(a.candidates)] == [31.0, 1.0]  # -29 has under half the votes
    assert math.isclose(sum(c.probability for c in a.candidates), 0.85)


@pytest.mark.parametrize("confidence, threshold, named", [
    (0.65, 0.7, "repeated_motion"),  # below the threshold: refused, its reason named
    (0.7, 0.7, None),  # at the threshold: trusted (align refuses only below it)
    (0.9, 0.7, None),
    (0.65, 0.0, None),  # --min-confidence 0: nothing refused
])
def test_a_pair_names_its_reason_only_when_refused_at_the_threshold(confidence, threshold, named):
    verdict = Assessment(confidence, 3.0, [Candidate(1.0, confidence)], Reason.REPEATED_MOTION)
    pair = PairOffset(a=0, b=1, offset_frames=1.0, offset_seconds=1 / 30, confidence=confidence, assessment=verdict)
    result = AlignmentResult(reference="a", method="simple", inputs=[], pairs=[pair], min_confidence=threshold)
    assert pair.refusal(threshold) == named and result.to_json()["pairs"][0]["reason"] == named

"""The time map: offsets that step where frames were dropped and slide where clocks drift.

Truths are computed by hand from how the inputs were made: the synthetic person of
:mod:`tests.sync.synth` is a continuous function of time, so B can be the same motion started
``k`` frames earlier (frame ``i`` of A = frame ``i + k`` of B), with frames removed and the rest
renumbered (a constant-rate file of a camera that dropped them: nothing in it shows the loss).
"""

import numpy as np
import pytest

from tests.sync.synth import pose_at, sampled_track, track_from
from videosync.sync import get_method
from videosync.sync.changepoints import best_levels, doubt, locate_steps, located, window_votes
from videosync.sync.timemap import (
    Change,
    Segment,
    TimeMap,
    attach_time_maps,
    estimate_time_map,
    keep_features,
    held_rows,
    restored_tracks,
    _weak_steps,
    shown_rows,
    with_time_map,
)

FPS = 30.0


def renumbered(track, lost):
    """``track`` without the rows ``lost``, numbered 0, 1, 2, ... again."""
    keep = np.ones(len(track), bool)
    keep[list(lost)] = False
    kept = track.select(keep)
    return kept.with_keypoints(kept.keypoints, np.arange(len(kept)))


def mapped(track_a, track_b, method="simple"):
    m = get_method(method)
    est = m.estimate(track_a, track_b)
    return estimate_time_map(m, track_a, track_b, est), est


# ------------------------------------------------------------------------------ change points
def test_best_levels_steps_only_when_enough_windows_vote_for_it():
    # 3 offsets; windows 0-4 prefer offset 0, 5-9 offset 2 (a full vote against the others)
    votes = np.ones((10, 3))
    votes[:5, 0] = 0.0
    votes[5:, 2] = 0.0
    assert best_levels(votes, penalty=2.0, step=2).tolist() == [0] * 5 + [2] * 5
    # with steps of at most 1 index the way goes through offset 1 for a window: two changes (4.0)
    # and that window's vote (1.0) against 5 windows at the wrong offset (5.0) is a tie, kept;
    # with 6 windows on each side it is 5.0 against 6.0
    assert best_levels(votes, penalty=2.0, step=1).tolist() == [0] * 10
    longer = np.ones((18, 3))
    longer[:6, 0] = 0.0
    longer[6:, 2] = 0.0
    path = best_levels(longer, penalty=2.0, step=1).tolist()
    assert path[:5] == [0] * 5 and path[7:] == [2] * 11 and path.count(1) == 1
    # one window voting for offset 2 is noise: changing there and back costs 4 > 1
    lone = np.ones((10, 3))
    lone[:, 0] = 0.0
    lone[6] = [1.0, 1.0, 0.0]
    assert best_levels(lone, penalty=2.0, step=2).tolist() == [0] * 10
    # ... while three in a row (3 votes) are not, with a penalty of 1 per change (2 < 3)
    lone[6:9] = [1.0, 1.0, 0.0]
    assert best_levels(lone, penalty=1.0, step=2).tolist() == [0] * 6 + [2] * 3 + [0]


def test_window_votes_are_the_summed_cost_over_its_best_per_frame_capped_at_one():
    cost = np.zeros((16, 3))
    cost[:8, 1] = 0.1  # window 0 (8 rows): 0.8 against offset 1 = 0.8 / (0.2 * 8) = 0.5
    cost[:8, 2] = 1.0  # 8.0 against offset 2: capped at 1
    cost[8:, 0] = 0.05  # window 1: 0.4 / 1.6 = 0.25 against offset 0
    votes = window_votes(cost, 8)
    assert votes == pytest.approx(np.array([[0.0, 0.5, 1.0], [0.25, 0.0, 0.0]]))


def test_locate_steps_places_the_step_where_the_rows_switch():
    # 4 windows of 10 rows; rows 0-16 prefer offset 0 (cost 1 at offset 1), rows 17-39 offset 1:
    # window 1 (rows 10-19) sums 7 against offset 1 and 3 against 0, so it votes for 0
    cost = np.zeros((40, 2))
    cost[:17, 1] = 1.0
    cost[17:, 0] = 1.0
    votes = window_votes(cost, 10)
    path = best_levels(votes, penalty=1.0, step=1)
    assert path.tolist() == [0, 0, 1, 1]
    (step,) = locate_steps(path, votes, cost, 10)
    assert (step.row, step.before, step.after) == (17, 0, 1)
    assert (step.low, step.high, step.unsure) == (10, 30, 0)  # windows 1 and 2 decide: nothing between
    assert located(step, FPS)


def test_a_step_in_a_still_stretch_is_not_located():
    # windows 2-5 (rows 20-59) say nothing: the step lies somewhere in 40 rows (1.3 s at 30 fps)
    cost = np.zeros((80, 2))
    cost[:20, 1] = 1.0
    cost[60:, 0] = 1.0
    votes = window_votes(cost, 10)
    (step,) = locate_steps(best_levels(votes, penalty=1.0, step=1), votes, cost, 10)
    assert (step.low, step.high, step.unsure) == (10, 70, 40)
    assert not located(step, FPS) and located(step, 60.0)  # 40 rows are 0.67 s at 60 fps


# ------------------------------------------------------------------------------ the map itself
def test_doubt_reads_a_ramp_as_offsets_that_far_on_one_side():
    """Four windows of one part reported at index 2.6 (rounded: 3), each preferring the next
    offset (3, 4, 5, 6; a vote of 1 against every other): a ramp of 1-frame steps. No single
    offset is preferred by more than one window's vote (1, not above TIMEMAP_DOUBT_VOTES), but
    offsets at least 1 away above are preferred by windows 1-3 (3 votes), at least 2 away by
    windows 2-3 (2 votes), at least 3 away by window 3 alone (1 vote): doubt 2 indices, plus the
    0.4 by which the reported offset lies below its index. One window alone preferring an offset
    3 away is noise: no doubt."""
    votes = np.ones((4, 7))
    votes[np.arange(4), [3, 4, 5, 6]] = 0.0
    assert doubt(votes, np.full(4, 2.6), np.zeros(4, dtype=int), 3) == pytest.approx([2.4])
    lone = np.ones((4, 7))
    lone[np.arange(4), [3, 3, 6, 3]] = 0.0
    assert doubt(lone, np.full(4, 3.0), np.zeros(4, dtype=int), 3) == pytest.approx([0.0])


def test_time_map_arithmetic():
    # B lost 3 frames (offset 5 -> 2 from A's frame 328), then A lost 4 (2 -> 6 from A's 600)
    changes = [Change(328, 315, 344, -3.0, True), Change(600, 585, 614, 4.0, True)]
    segments = [Segment(0, 329, 5.0, 0.5), Segment(330, 601, 2.0, 0.5), Segment(606, 900, 6.0, 0.5)]
    tm = TimeMap(segments, changes, [5.0, 2.0, 6.0], 1.0, 1.0)
    assert tm.b_frame(np.array([0, 327, 328, 599, 600])).tolist() == [5, 332, 330, 601, 606]
    # B's frames 602-605 show instants A lost: no partner
    assert np.isnan(tm.a_frame(np.array([602, 605]))).all()
    assert tm.a_frame(np.array([329, 330, 601, 606])).tolist() == [324, 328, 599, 600]
    assert tm.longest == segments[0]
    assert tm.to_json() == {"segments": [s.to_json() for s in segments], "drift_ppm": 0.0}


def test_restored_tracks_put_the_lost_frames_back_as_gaps():
    a = sampled_track(10, FPS)
    b = sampled_track(10, FPS)
    # B lost 2 frames before its frame 4, A lost 1 before its frame 7
    ra, rb, gaps_a, gaps_b = restored_tracks(a, b, [Change(3, 0, 0, -2.0, True), Change(7, 0, 0, 1.0, True)],
                                             [4, 9], 1.0)
    assert rb.frame_index.tolist() == [0, 1, 2, 3, 6, 7, 8, 9, 10, 11]
    assert ra.frame_index.tolist() == [0, 1, 2, 3, 4, 5, 6, 8, 9, 10]
    assert gaps_a == [0.0, 0.0, 1.0] and gaps_b == [0.0, 2.0, 2.0]


def test_a_constant_offset_stays_one_segment_and_costs_no_second_estimate():
    a = sampled_track(600, FPS, 20.0)
    b = sampled_track(600, FPS, 20.0 - 5 / FPS)
    tm, est = mapped(a, b)
    assert tm.estimate is est
    assert tm.changes == [] and len(tm.segments) == 1 and tm.drift_ppm == 0.0
    (seg,) = tm.segments
    assert (seg.first_frame, seg.last_frame) == (0, 599)
    assert seg.offset_frames == pytest.approx(5.0, abs=0.1) and seg.offset_frames == est.offset_frames


@pytest.mark.parametrize("lost", [1, 3, 5])
def test_frames_lost_by_b_split_the_map_where_they_were_lost(lost):
    """B (offset +5) loses ``lost`` frames from its frame 330 and 4 from its frame 700: A's frames
    325 .. 324 + lost were never seen by B. Hand-computed truth: B's frames 0..329 have offset
    +5; from B's new frame 330 (source 330 + lost, A's 325 + lost) the offset is 5 - lost; from
    B's new frame 700 - lost (source 704, A's 699) it is 1 - lost."""
    a = sampled_track(1050, FPS, 20.0)
    b = renumbered(sampled_track(1050, FPS, 20.0 - 5 / FPS), [*range(330, 330 + lost), *range(700, 704)])
    tm, _ = mapped(a, b)
    assert [round(s.offset_frames) for s in tm.segments] == [5, 5 - lost, 1 - lost]
    for seg, truth in zip(tm.segments, [5, 5 - lost, 1 - lost]):
        assert seg.offset_frames == pytest.approx(truth, abs=0.25)
    assert [c.step_frames for c in tm.changes] == [-lost, -4]
    assert all(c.located for c in tm.changes)
    assert abs(tm.changes[0].frame_a - (325 + lost)) <= 3 and abs(tm.changes[1].frame_a - 699) <= 3
    assert abs(tm.segments[1].first_frame - 330) <= 3 and abs(tm.segments[2].first_frame - (700 - lost)) <= 3
    assert tm.segments[0].first_frame == 0 and tm.segments[-1].last_frame == b.frame_index[-1]
    assert tm.estimate.confidence > 0.5 and "steps 2 times" in tm.notes[0]


def test_steps_stand_only_where_putting_the_lost_frames_back_helps_the_geometry(monkeypatch):
    """Two views of one body (the geometric refinement needs them), B losing 2 frames at its
    frame 600 (true offset +5, then +3 in the sign of the method: -5.03 then -7.03 here). Put
    back, the lost frames bring the views' epipolar error down, and the two segments stand.
    Were the error not lower (monkeypatched), the steps would be taken for false ones: one
    segment at the single offset, its uncertainty reaching the other level."""
    from tests.sync.test_refine import moving_body, view
    from videosync.sync import timemap
    from videosync.sync.methods.refined import RefinedMethod

    body = moving_body(900, seed=3)
    a, b = view(body, 0.0, slice(0, 800)), renumbered(view(body, 80.0, slice(5, 805)), range(600, 602))
    method = RefinedMethod(get_method("simple"))
    est = method.estimate(a, b)
    tm = estimate_time_map(method, a, b, est)
    assert [round(s.offset_frames) for s in tm.segments] == [-5, -7]
    assert timemap._geometric_error(tm.estimate) < timemap._geometric_error(est)
    monkeypatch.setattr(timemap, "_geometric_error", lambda e: 0.01)
    tm = estimate_time_map(method, a, b, est)
    assert len(tm.segments) == 1 and tm.segments[0].offset_frames == pytest.approx(est.offset_frames)
    assert tm.segments[0].uncertainty_frames >= 2.0


def test_the_time_map_reuses_the_features_the_estimate_matched(monkeypatch):
    """Asked to keep them, the method's estimate carries its features and the map compares the
    pair with them: the pair is described once for the estimate and once for the estimate with
    the lost frames put back, never for the map; the same map as describing it again; and what
    align reports holds no features."""
    a = sampled_track(1050, FPS, 20.0)
    b = renumbered(sampled_track(1050, FPS, 20.0 - 5 / FPS), [*range(330, 333), *range(700, 704)])
    fresh, _ = mapped(a, b)
    method = get_method("simple")
    keep_features(method)
    described = []
    original = type(method).describe_pair
    monkeypatch.setattr(type(method), "describe_pair", lambda self, x, y: described.append(1) or original(self, x, y))
    est = method.estimate(a, b)
    assert est.described.of(a, b) is not None and est.described.of(b, a) is None and len(described) == 1
    reported = with_time_map(method, a, b, est)
    tm = reported.diagnostics["time_map"]
    assert len(described) == 2 and len(tm.changes) == 2
    assert tm.segments == fresh.segments and tm.changes == fresh.changes and tm.notes == fresh.notes
    assert reported.described is None and tm.estimate.described is None


def test_frames_lost_by_the_reference_step_the_offset_up_and_leave_b_frames_without_partner():
    """A loses 4 frames from its frame 400: B's frames that show those instants (404..407 at
    offset +5... i.e. A's lost 400..403 are B's 405..408) belong to no segment."""
    a = renumbered(sampled_track(900, FPS, 20.0), range(400, 404))
    b = sampled_track(900, FPS, 20.0 - 5 / FPS)
    tm, _ = mapped(a, b)
    assert [round(s.offset_frames) for s in tm.segments] == [5, 9]
    assert [c.step_frames for c in tm.changes] == [4.0]
    assert abs(tm.changes[0].frame_a - 400) <= 3
    first, second = tm.segments
    assert second.first_frame - first.last_frame - 1 == 4  # the 4 frames of B that A lost
    assert np.isnan(tm.a_frame(np.arange(first.last_frame + 1, second.first_frame))).all()


def test_clock_drift_is_a_rate_not_steps():
    """B's clock runs 500 ppm fast over 2 minutes: B's frame n is at time n / (30 * (1 + 5e-4))
    after A's frame 0, shifted by 5 frames: frame i of A is frame (1 + 5e-4) * i + 5 of B, 1.8
    frames more at the end than at the start."""
    n, ppm = 3600, 500.0
    a = sampled_track(n, FPS, 20.0)
    b = track_from(pose_at(20.0 - 5 / FPS + np.arange(n + 10) / (FPS * (1 + ppm * 1e-6))), FPS)
    tm, _ = mapped(a, b)
    assert tm.changes == [] and len(tm.segments) == 1
    assert tm.drift_ppm == pytest.approx(ppm, abs=20)
    i = np.arange(n, dtype=float)
    assert np.max(np.abs(tm.b_frame(i) - ((1 + ppm * 1e-6) * i + 5))) < 0.5


def test_a_step_where_the_person_stands_still_widens_the_uncertainty():
    """The person freezes from 8 s to 12 s of A's time, and B loses 3 frames at 10 s: the step is
    real but nothing shows where; both segments carry 3 more frames of uncertainty and a note says
    between which instants the step lies."""
    t = 20.0 + np.arange(900) / FPS
    frozen = np.where((t >= 28.0) & (t < 32.0), 28.0, t)
    a = track_from(pose_at(frozen), FPS)
    tb = 20.0 + (np.arange(900) - 5) / FPS  # frame i of A = frame i + 5 of B
    b = renumbered(track_from(pose_at(np.where((tb >= 28.0) & (tb < 32.0), 28.0, tb)), FPS), range(305, 308))
    tm, _ = mapped(a, b)
    (change,) = tm.changes
    assert change.step_frames == -3 and not change.located
    assert 240 - 15 <= change.low_a and change.high_a <= 360 + 15
    assert [round(s.offset_frames) for s in tm.segments] == [5, 2]
    base = min(s.uncertainty_frames for s in tm.segments)
    assert all(s.uncertainty_frames >= 3.0 for s in tm.segments) and base >= 3.0
    assert any("somewhere between" in note for note in tm.notes)


def test_shown_and_held_rows_follow_a_loss_by_each_input():
    # the map of test_time_map_arithmetic: B's frames 0-329 show A's j - 5, 330-601 A's j - 2
    # (B lost 3 frames: A's 325-327 have no partner), 606-900 A's j - 6 (602-605: A lost them)
    changes = [Change(328, 315, 344, -3.0, True), Change(600, 585, 614, 4.0, True)]
    segments = [Segment(0, 329, 5.0, 0.5), Segment(330, 601, 2.0, 0.5), Segment(606, 900, 6.0, 0.5)]
    tm = TimeMap(segments, changes, [5.0, 2.0, 6.0], 1.0, 1.0)
    frames_b, frames_a = np.arange(901), np.arange(-3, 1000)
    shown = dict(zip(frames_a.tolist(), shown_rows(tm, frames_b, frames_a).tolist()))
    held = dict(zip(frames_a.tolist(), held_rows(tm, frames_b, frames_a).tolist()))
    assert [shown[i] for i in (-3, -2, 0, 324)] == [2, 3, 5, 329]  # A's frames before its 0 have partners too
    # A's 325, 326, 327: B lost them; held, its frame 329 (A's 324) stands in; A's 328 is B's 330
    assert [shown[i] for i in (325, 326, 327, 328)] == [-1, -1, -1, 330]
    assert [held[i] for i in (324, 325, 326, 327, 328)] == [329, 329, 329, 329, 330]
    # A's 599 is B's 601, A's 600 B's 606: B's 602-605 (instants A lost) are never chosen
    assert (shown[599], shown[600]) == (601, 606) and held[600] == 606
    # B ends at 900 = A's 894: nothing after it
    assert shown[894] == held[894] == 900 and shown[895] == held[895] == -1 and held[999] == -1


def test_shown_rows_take_the_nearest_frame_within_half_a_frame_ties_to_the_later():
    """Offset +2.5: B's frame j is A's j - 2.5, exactly between two of A's frames; A's frame i
    is shown by B's i + 3 (0.5 after it; i + 2 is 0.5 before), and B's last, 20 (A's 17.5), also
    shows A's 18, which has no later one. At rate 2 (B twice as fast)
    A's frame i is B's 2i exactly; at rate 0.5 (half as fast) B's frame j is A's 2j, and A's
    odd frames are a whole frame of B's from any: none."""
    half = TimeMap([Segment(0, 20, 2.5, 0.5)], [], [2.5], 1.0, 1.0)
    assert shown_rows(half, np.arange(21), np.arange(-3, 20)).tolist() == [*range(21), 20, -1]
    double = TimeMap([Segment(0, 20, 0.0, 0.5)], [], [0.0], 2.0, 2.0)
    assert shown_rows(double, np.arange(21), np.arange(12)).tolist() == [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, -1]
    slow = TimeMap([Segment(0, 5, 0.0, 0.5)], [], [0.0], 0.5, 0.5)
    assert shown_rows(slow, np.arange(6), np.arange(12)).tolist() == [0, -1, 1, -1, 2, -1, 3, -1, 4, -1, 5, -1]
    assert held_rows(slow, np.arange(6), np.arange(12)).tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, -1]


def test_attach_time_maps_moves_the_segments_by_what_the_solve_moved_the_pair():
    """Input 1's pair with the reference said +5 then +2 (from B's frame 330), with drift: the
    map's intercepts are at the reference's frame 0 at the drifting rate, the pair's own offset
    (+5.3, the estimate's average line) is another number. The N-camera solve moved the pair by
    +0.5 frames: every segment moves by 0.5 and the entry's offset is the longest segment's."""
    from videosync.result import InputOffset, PairOffset
    from videosync.sync.methods.base import PairEstimate

    tm = TimeMap([Segment(0, 329, 5.0, 0.5), Segment(330, 899, 2.0, 0.5)], [Change(328, 315, 344, -3.0, True)],
                 [5.0, 2.0], 1.0002, 1.0, drift_ppm=200.0)
    est = PairEstimate("simple", 5.3, 5.3 / 30, 1.0, 0.9, 30.0, 30.0, diagnostics={"time_map": tm})
    pair = PairOffset(0, 1, 5.3, 5.3 / 30, 0.9, estimate=est)
    entries = [InputOffset("a", 0.0, 0.0, 30.0, 1.0), InputOffset("b", 5.8, 5.8 / 30, 30.0, 0.9)]
    attach_time_maps(entries, [pair])
    assert [s.offset_frames for s in entries[1].segments] == [5.5, 2.5]
    assert entries[1].offset_frames == 2.5 and entries[1].offset_seconds == pytest.approx(2.5 / 30)
    assert entries[1].drift_ppm == 200.0 and entries[1].rate == 1.0002 and entries[0].segments == []
    assert entries[1].to_json()["segments"][1] == {"first_frame": 330, "last_frame": 899, "offset_frames": 2.5,
                                                   "uncertainty_frames": 0.5}


def test_a_step_its_windows_hardly_prefer_widens_that_segment_to_the_neighbours_offset():
    # two parts at offset indices 1 and 3; part 0 (2 windows) votes 1 against index 3 in each:
    # 2 votes < 4, so it may be at part 1's offset; part 1 (6 windows) votes 1 against index 1: 6
    votes = np.zeros((8, 5))
    votes[:2, 3] = 1.0
    votes[2:, 1] = 1.0
    part = np.array([0, 0, 1, 1, 1, 1, 1, 1])
    levels = np.tile([1.0, 3.0], (8, 1))
    assert _weak_steps(votes, part, levels).tolist() == [2.0, 0.0]
    # one part has no neighbour to doubt
    assert _weak_steps(votes, np.zeros(8, int), levels[:, :1]).tolist() == [0.0]

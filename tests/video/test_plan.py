"""Which source frames each copy uses: hand-computed cases of the timeline arithmetic."""

from __future__ import annotations

from fractions import Fraction

import pytest

from videosync.errors import CannotSynchronizeError, VideosyncError
from videosync.video.plan import as_rate, plan_trim

F = Fraction


def test_same_rate_starts_at_latest_start_and_keeps_each_end():
    # frame t of a = frame t+5 of b = frame t-3 of c; a starts first at ref frame 0, b at ref -5,
    # c at ref +3 -> common start ref 3: a frame 3, b frame 8, c frame 0
    p = plan_trim([100, 100, 100], [F(30)] * 3, [0, 5, -3], ["a", "b", "c"])
    assert [f.first_frame for f in p.frames] == [3, 8, 0]
    # ends on the reference timeline: a 100, b 95, c 103 -> each keeps its own end
    assert [f.n_frames for f in p.frames] == [97, 92, 100]
    assert p.start_seconds == pytest.approx(3 / 30)
    assert not p.rounded and not p.resampled
    assert [f.source_frame(10) for f in p.frames] == [13, 18, 10]


def test_common_end_cuts_all_to_earliest_end():
    p = plan_trim([100, 100, 100], [F(30)] * 3, [0, 5, -3], ["a", "b", "c"], common_end=True)
    assert [f.n_frames for f in p.frames] == [92, 92, 92]  # ref frames 3..94
    last = [f.first_frame + f.n_frames - 1 for f in p.frames]
    assert last == [94, 99, 91]  # b ends with its last frame


def test_fractional_offsets_round_to_nearest_frame_half_up():
    p = plan_trim([50] * 4, [F(25)] * 4, [0, 2.4, -1.6, 2.5], list("abcd"))
    assert [f.offset_used for f in p.frames] == [0, 2, -2, 3]
    assert p.rounded
    assert [f.first_frame for f in p.frames] == [2, 4, 0, 5]


def test_no_overlap_is_refused_one_frame_is_enough():
    with pytest.raises(CannotSynchronizeError, match="do not overlap"):
        plan_trim([100, 100], [F(30)] * 2, [0, 100], ["a", "b"])
    p = plan_trim([100, 100], [F(30)] * 2, [0, 99], ["a", "b"], common_end=True)
    assert [(f.first_frame, f.n_frames) for f in p.frames] == [(0, 1), (99, 1)]


def test_different_rates_need_a_common_fps():
    with pytest.raises(VideosyncError, match=r"a\.mp4: 30 fps, b\.mp4: 25 fps.*--fps"):
        plan_trim([30, 25], [F(30), F(25)], [0, 0], ["a.mp4", "b.mp4"])
    # a rate that only differs by how the container wrote it is the same rate
    p = plan_trim([30, 30], [F(30000, 1001), as_rate(29.97)], [0, 0], ["a", "b"])
    assert not p.resampled


def test_resampling_60_to_30_takes_every_other_frame():
    # b (60 fps) frame j is at (j - 6) / 60 s; a (30 fps) frame m at m / 30 s -> b frame 2m + 6
    p = plan_trim([30, 60], [F(30), F(60)], [0, 6], ["a", "b"], out_fps=F(30))
    a, b = p.frames
    assert list(a.source_frames) == list(range(30))
    assert list(b.source_frames) == [2 * m + 6 for m in range(27)]  # 2*26+6 = 58 <= 59 < 60
    assert p.resampled and p.start_seconds == 0


def test_resampling_up_duplicates_holding_the_earlier_frame_on_ties():
    p = plan_trim([10], [F(30)], [0], ["a"], out_fps=F(60))
    assert list(p.frames[0].source_frames) == [m // 2 for m in range(20)]


def test_resampling_keeps_subframe_offsets_per_frame():
    # b at 25 fps with offset 2.5: output instant m/30 s is b frame u = 25 m / 30 + 2.5; nearest
    # frame, ties to the earlier: 2.5->2, 3.33->3, 4.17->4, 5->5, 5.83->6, 6.67->7, 7.5->7
    p = plan_trim([30, 50], [F(30), F(25)], [0, 2.5], ["a", "b"], out_fps=F(30))
    b = p.frames[1]
    assert list(b.source_frames[:7]) == [2, 3, 4, 5, 6, 7, 7]
    assert b.lead_frames == pytest.approx(0.5)  # output time 0 is half a frame after frame 2
    assert b.n_frames == 57  # u - 1/2 <= 49  <=>  m <= 56.4


def test_resampling_common_start_is_latest_in_seconds():
    # b (60 fps, offset -12) starts 12/60 = 0.2 s after a's frame 0 -> a starts at its frame 6
    p = plan_trim([30, 60], [F(30), F(60)], [0, -12], ["a", "b"], out_fps=F(30), common_end=True)
    a, b = p.frames
    assert p.start_seconds == pytest.approx(0.2)
    assert (a.first_frame, b.first_frame) == (6, 0)
    assert a.n_frames == b.n_frames == 24  # a runs out first: frames 6..29


def test_bad_arguments():
    with pytest.raises(VideosyncError, match="one offset per input"):
        plan_trim([10, 10], [F(30)] * 2, [0], ["a", "b"])
    with pytest.raises(VideosyncError, match="finite"):
        plan_trim([10, 10], [F(30)] * 2, [0, float("nan")], ["a", "b"])
    with pytest.raises(VideosyncError, match="positive"):
        as_rate(0)
    assert as_rate(59.94) == F(60000, 1001)
    assert as_rate(25.0) == F(25)

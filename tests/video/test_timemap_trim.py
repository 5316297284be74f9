"""Trim by time maps (issue 19, item 2): frame n of every copy shows the same instant, frames are
repeated where an input lost some, audio stays continuous. Expected frames worked out by hand."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from videosync.cli.main import cli as main
from videosync.errors import VideosyncError
from videosync.sync.timemap import Segment, TimeMap, input_time_map
from videosync.video.timemap_trim import REPEATED_JSON, plan_time_maps
from videosync.video.writer import trim_videos

from .media import click_times, decode_numbers, make_video

FPS = Fraction(30)


def stepped(segments: list[tuple[int, int, float]]) -> TimeMap:
    segs = [Segment(first, last, off, 0.5) for first, last, off in segments]
    return TimeMap(segs, [], [s.offset_frames for s in segs], 1.0, 1.0)


def test_frames_lost_by_an_input_are_held_and_listed():
    """B's frames 0..9 show A's frames -2..7 (offset +2); B then lost 3 frames, so its frames
    10..16 show A's 11..17 (offset -1). A's frames 8, 9, 10 are instants B lost: B's frame 9
    (A's 7) is held for them, so copy frames 8, 9, 10 repeat it. B ends with A's frame 17."""
    plan = plan_time_maps([20, 17], [FPS, FPS], [None, stepped([(0, 9, 2.0), (10, 16, -1.0)])], ["a", "b"])
    ref, b = plan.plan.frames
    assert (ref.first_frame, ref.n_frames) == (0, 20)
    assert b.source_frames.tolist() == [2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 9, 10, 11, 12, 13, 14, 15, 16]
    assert plan.repeated == [[], [8, 9, 10]] and plan.skipped == [[], []]
    common = plan_time_maps([20, 17], [FPS, FPS], [None, stepped([(0, 9, 2.0), (10, 16, -1.0)])], ["a", "b"],
                            common_end=True)
    assert [fp.n_frames for fp in common.plan.frames] == [18, 18]


def test_frames_of_instants_the_reference_lost_are_left_out():
    """A lost 3 frames after its frame 9: B's frames 10..12 show instants A has no frame of
    (in no segment), B's frame 13 is A's 10 (offset +3)."""
    plan = plan_time_maps([15, 20], [FPS, FPS], [None, stepped([(0, 9, 0.0), (13, 19, 3.0)])], ["a", "b"])
    b = plan.plan.frames[1]
    assert b.source_frames.tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 14, 15, 16, 17]
    assert plan.repeated == [[], []] and plan.skipped == [[], [10, 11, 12]]


def test_an_input_starting_late_sets_the_common_start():
    """B starts 4 frames after A (offset -4): every copy starts at A's frame 4 = B's frame 0."""
    plan = plan_time_maps([12, 12], [FPS, FPS], [None, stepped([(0, 11, -4.0)])], ["a", "b"])
    ref, b = plan.plan.frames
    assert (ref.first_frame, ref.n_frames) == (4, 8) and b.source_frames.tolist() == list(range(8))
    assert plan.plan.start_seconds == pytest.approx(4 / 30)


def test_different_frame_rates_are_refused():
    with pytest.raises(VideosyncError, match="rates differ"):
        plan_time_maps([10, 10], [FPS, Fraction(25)], [None, stepped([(0, 9, 0.0)])], ["a", "b"])


def test_an_input_without_segments_keeps_its_single_offset():
    entry = SimpleNamespace(segments=[], offset_frames=3.0, rate=1.0)
    assert input_time_map(entry).b_frame([0, 10]).tolist() == [3.0, 13.0]


def test_written_copies_repeat_the_held_frame_and_keep_the_audio_continuous(tmp_path):
    """A films world frames 100..139; B films 93..142 but lost 110..112 (a constant-rate file:
    renumbered), its sound recorded throughout, with clicks at world frames 110 and 125. B's
    time map: frames 0..16 at offset +7, from 17 (world 113) at +4. The copies show worlds
    100..139 in A and 100..109, 109, 109, 109, 113..139 in B; the clicks 10 and 25 frames in."""
    clicks = [10 / 30, 25 / 30]
    a = make_video(tmp_path / "a.mp4", list(range(100, 140)), 30, clicks_s=clicks)
    worlds_b = [w for w in range(93, 143) if not 110 <= w <= 112]
    b = make_video(tmp_path / "b.mp4", worlds_b, 30, clicks_s=[17 / 30, 32 / 30], audio_seconds=50 / 30)
    maps = [None, stepped([(0, 16, 7.0), (17, 46, 4.0)])]
    result = trim_videos([a, b], [0, 7], tmp_path / "out", time_maps=maps)
    shown_a, _, _ = decode_numbers(result.videos[0].output)
    shown_b, _, _ = decode_numbers(result.videos[1].output)
    assert shown_a == list(range(100, 140))
    assert shown_b == [*range(100, 110), 109, 109, 109, *range(113, 140)]
    written = json.loads((tmp_path / "out" / REPEATED_JSON).read_text())
    assert [v["repeated_frames"] for v in written["videos"]] == [[], [10, 11, 12]]
    assert written == result.repeated and written["reference"] == "a.mp4"
    for video in result.videos:
        assert click_times(video.output) == pytest.approx(clicks, abs=2e-3)


def test_repeated_list_is_not_replaced_without_overwrite(tmp_path):
    a = make_video(tmp_path / "a.mp4", list(range(10)), 30)
    b = make_video(tmp_path / "b.mp4", list(range(10)), 30)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / REPEATED_JSON).write_text("{}")
    with pytest.raises(VideosyncError, match="exists"):
        trim_videos([a, b], [0, 0], tmp_path / "out", time_maps=[None, stepped([(0, 9, 0.0)])])
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [REPEATED_JSON]


def test_cli_time_map_with_forced_offsets_is_a_usage_error(tmp_path):
    a = make_video(tmp_path / "a.mp4", list(range(10)), 30)
    b = make_video(tmp_path / "b.mp4", list(range(10)), 30)
    res = CliRunner().invoke(main, ["trim", str(a), str(b), "-o", str(tmp_path / "out"), "--time-map",
                                    "--offsets", "0,1"])
    assert res.exit_code == 2 and "--offsets" in res.output
    assert not (tmp_path / "out").exists()


def test_cli_forced_offsets_still_cut_by_one_offset(tmp_path):
    a = make_video(tmp_path / "a.mp4", list(range(10)), 30)
    b = make_video(tmp_path / "b.mp4", list(range(2, 12)), 30)
    res = CliRunner().invoke(main, ["trim", str(a), str(b), "-o", str(tmp_path / "out"), "--offsets", "0,-2"])
    assert res.exit_code == 0, res.output
    assert decode_numbers(Path(tmp_path / "out" / "b.mp4"))[0] == list(range(2, 12))
    assert not (tmp_path / "out" / REPEATED_JSON).exists()

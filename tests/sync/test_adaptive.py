"""The analysis policy of align on videos (videosync.sync.adaptive): which frames, when to stop."""

from __future__ import annotations

from pathlib import Path

import pytest

from videosync.result import AlignmentResult, InputOffset, PairOffset
from videosync.sync import adaptive
from videosync.sync.adaptive import Round, Span, Video, covers, pair_at_source_rate, trusted
from videosync.sync.bounds import OffsetBounds
from videosync.trust.assess import Assessment, Candidate

from tests.conftest import make_track

A = Video(Path("a.mp4"), 30.0, 0, 1800)
B = Video(Path("b.mp4"), 30.0, 0, 1763)


def test_a_span_says_what_is_analysed():
    assert Span(600, 900, 2).describe(30.0) == "0:20.0-0:30.0, coarse (every 2nd frame)"
    assert Span(1470, 1530, 1).describe(30.0) == "0:49.0-0:51.0, every frame"
    assert Span(0, 240, 4).describe(60.0) == "0:00.0-0:04.0, coarse (every 4th frame)"


def test_a_videos_span_starts_on_the_stride_and_stays_inside():
    assert A.stride == 2 and Video(Path("c.mp4"), 60.0, 0, 10).stride == 4 and Video(Path("d"), 25.0, 0, 9).stride == 1
    assert A.span(10.03, 20.0, 2) == Span(300, 600, 2)  # frame 300.9 rounded down to the grid
    assert B.span(50.0, 70.0, 2) == Span(1500, 1763, 2)  # cut at the end of B


def test_the_ladder_grows_the_stretch_and_the_others_margin():
    first = Round(49.0, 10.0, 0.0)
    assert first.spans([A, B], OffsetBounds()) == [Span(1470, 1770, 2), Span(1470, 1763, 2)]
    second = first.next([A, B])
    # twice as long, around the first, moved inside the reference; the others that long on each side
    assert second == Round(40.0, 20.0, 20.0)
    assert second.spans([A, B], OffsetBounds()) == [Span(1200, 1800, 2), Span(600, 1763, 2)]
    assert not covers(second.spans([A, B], OffsetBounds()), [A, B])
    third = second.next([A, B])
    assert third == Round(20.0, 40.0, 40.0)
    assert covers(third.next([A, B]).spans([A, B], OffsetBounds()), [A, B])


def test_with_a_bound_the_others_are_analysed_that_much_around_the_stretch():
    spans = Round(20.0, 10.0, 0.0).spans([A, B], OffsetBounds(60))
    assert spans == [Span(600, 900, 2), Span(540, 960, 2)]


def test_the_ladder_ends_when_a_round_would_analyse_nothing_new():
    """A bound and a much longer second video: the stretches never cover it, yet the last round
    is the whole reference; then align analyses everything instead of trying again."""
    short, long = Video(Path("a.mp4"), 30.0, 0, 900), Video(Path("b.mp4"), 30.0, 0, 18000)
    calls: list[int] = []

    class Poses:
        def estimate(self, spans):
            calls.append(len(spans))
            return [make_track(10), make_track(10)]

    def align(tracks, **_options):
        return _result(0.5, 3.0)  # never trusted

    said: list[str] = []
    assert adaptive._climb(align, [short, long], Poses(), {"person": 0}, OffsetBounds(60), said.append) is None
    assert said[-1] == "not yet sure of b.mp4 (confidence 0.50): analysing everything"
    assert len(calls) == 3  # 10 s, 20 s, the whole 30 s of the reference


def _result(confidence: float, uncertainty_frames: float) -> AlignmentResult:
    entries = [InputOffset("a.mp4", 0.0, 0.0, 30.0, 1.0),
               InputOffset("b.mp4", -37.0, -37 / 30, 30.0, confidence, uncertainty_frames=uncertainty_frames)]
    return AlignmentResult(reference="a.mp4", method="sesyn", inputs=entries)


def test_the_answer_is_trusted_when_as_confident_as_align_asks_whatever_its_error_bar():
    assert trusted(_result(0.60, 3.0), 0.55) == (True, "")
    assert trusted(_result(0.50, 3.0), 0.55) == (False, "not yet sure of b.mp4 (confidence 0.50)")
    assert trusted(_result(0.85, 3.0), 0.9) == (False, "not yet sure of b.mp4 (confidence 0.85)")
    # the 60 fps speed pair's second round: right at 0.78 (P within a 15 fps frame, inside the
    # frame-exact search's 0.25 s), its 90 % error bar 5.25 s (157.6 frames of the 30 fps entry)
    assert trusted(_result(0.78, 157.6), 0.6) == (True, "")
    assert trusted(_result(0.78, 157.6), 0.8) == (False, "not yet sure of b.mp4 (confidence 0.78)")


def test_the_analysis_stops_where_align_would_trust_the_answer():
    from videosync.tunables import DEFAULT_MIN_CONFIDENCE, UNCALIBRATED_MIN_CONFIDENCE

    def result(calibrated: bool) -> AlignmentResult:
        verdict = Assessment(0.7, 1.0, [Candidate(-37.0, 0.7)], None, calibrated=calibrated)
        pair = PairOffset(a=0, b=1, offset_frames=-37.0, offset_seconds=-37 / 30, confidence=0.7, assessment=verdict)
        return AlignmentResult(reference="a.mp4", method="sesyn", inputs=_result(0.7, 1.0).inputs, pairs=[pair])

    calibrated, own = result(True), result(False)
    assert adaptive.stop_threshold(calibrated, None) == DEFAULT_MIN_CONFIDENCE
    assert adaptive.stop_threshold(own, None) == UNCALIBRATED_MIN_CONFIDENCE
    # --min-confidence 0 shows any answer; it does not make a thinner analysis trusted
    assert adaptive.stop_threshold(calibrated, 0.0) == DEFAULT_MIN_CONFIDENCE
    assert adaptive.stop_threshold(calibrated, 0.8) == 0.8  # a stricter user: more evidence


def test_a_coarse_pair_is_told_in_the_videos_frames():
    verdict = Assessment(0.9, 0.5, [Candidate(-18.5, 0.9), Candidate(30.0, 0.1, 0.2)], None)
    pair = PairOffset(a=0, b=1, offset_frames=-18.5, offset_seconds=-18.5 / 15, confidence=0.9, assessment=verdict)
    out = pair_at_source_rate(pair, 2, 2)
    assert out.offset_frames == -37.0 and out.offset_seconds == pytest.approx(-37 / 30) and out.rate == 1.0
    assert out.uncertainty_frames == 1.0
    assert [c.offset_frames for c in out.assessment.candidates] == [-37.0, 60.0]
    # 60 fps against 30 fps, both read at 15 fps: B's frames twice, the rate a half
    other = pair_at_source_rate(pair, 4, 2)
    assert other.offset_frames == -37.0 and other.rate == 0.5


def test_the_policy_applies_to_the_default_method_on_videos_only():
    assert adaptive.eligible(["a.mp4", "b.mp4"], {})
    assert not adaptive.eligible(["a.mp4", "b.mp4"], {"full": True})
    assert not adaptive.eligible(["a.mp4", "b.mp4"], {"time_map": True})
    assert not adaptive.eligible(["a.mp4", "b.mp4"], {"method": "ssm"})
    assert not adaptive.eligible(["a.mp4", "b.mp4"], {"refine": False})
    assert not adaptive.eligible([make_track(), "b.mp4"], {})
    assert adaptive.eligible(["a.mp4", "b.mp4"], {"method": "sesyn"})
    assert not adaptive.eligible(["a.mp4", "b.mp4"], {"method": "fused"})


def test_auto_is_the_policy_s_only_when_some_video_has_no_sound(monkeypatch):
    from videosync.sync import witness

    monkeypatch.setattr(witness, "media_has_sound", lambda path: str(path) != "silent.mp4")
    assert not adaptive.eligible(["a.mp4", "b.mp4"], {"method": "auto"})  # fused: the sound bounds the search
    assert adaptive.eligible(["a.mp4", "silent.mp4"], {"method": "auto"})  # sesyn, as auto picks it


def test_short_clips_and_pose_files_are_analysed_whole(demo_dir):
    """The demo's 1.7 s clips: nothing is estimated here, align analyses every frame."""
    def never(*_args, **_kwargs):
        raise AssertionError("no round on a short clip")

    videos = [demo_dir / "single-person" / "videos" / f"cam0{k}.mp4" for k in (1, 2)]
    assert adaptive.align_adaptively(never, videos, {}) is None
    folders = [demo_dir / "single-person" / "pose-json-index-is-video-frame-minus-1" / f"cam0{k}_json" for k in (1, 2)]
    assert adaptive.align_adaptively(never, folders, {}) is None


def _ping_pong_pair(demo_dir: Path, folder: Path, seconds: float, cut: int) -> list[Path]:
    """Two half-size videos (30 fps, ``seconds`` long) of demo cameras 1 and 2 played back and
    forth with irregular turn points, B without its first ``cut`` frames (true offset -cut)."""
    import av
    import numpy as np

    from benchmarks.speed_media import turn_sequence

    n = int(seconds * 30)
    order = turn_sequence(100, 2 * (n + cut), seed=3)[::2]
    out = []
    for camera, first in (("cam01", 0), ("cam02", cut)):
        with av.open(str(demo_dir / "single-person" / "videos" / f"{camera}.mp4")) as source:
            frames = [f.reformat(width=544, height=960).to_ndarray(format="rgb24") for f in source.decode(video=0)]
        path = folder / f"{camera}.mp4"
        with av.open(str(path), "w") as container:
            stream = container.add_stream("libx264", rate=30, options={"crf": "20", "preset": "ultrafast", "g": "30"})
            stream.width, stream.height, stream.pix_fmt = 544, 960, "yuv420p"
            for j, k in enumerate(order[first:first + n]):
                frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(frames[int(k)]), format="rgb24")
                frame.pts = j
                container.mux(stream.encode(frame))
            container.mux(stream.encode(None))
        out.append(path)
    return out


@pytest.mark.slow
def test_a_long_pair_is_answered_from_coarse_stretches_to_the_frame(demo_dir, tmp_path, monkeypatch):
    """22 s of video: poses on every 2nd frame (a 15 fps track) from a 10 s stretch on, then every
    frame of 2 s only; right to the frame."""
    from videosync.api import align
    from videosync.tunables import DEFAULT_MIN_CONFIDENCE

    monkeypatch.setenv("VIDEOSYNC_CACHE_DIR", str(tmp_path / "cache"))
    videos = _ping_pong_pair(demo_dir, tmp_path, 22.0, 37)
    said: list[str] = []
    result = align(videos, max_offset_frames=90, on_message=said.append)
    analysed = [m for m in said if not m.startswith("sesyn")]
    first, other = analysed[0].split(" ", 1), analysed[1].split(" ", 1)
    assert first[0] == "cam01.mp4" and first[1].endswith(", coarse (every 2nd frame)"), said
    assert other[0] == "cam02.mp4" and other[1].endswith(", coarse (every 2nd frame)"), said
    begin, end = (int(t[0]) * 60 + float(t[1]) for t in (c.split(":") for c in first[1].split(",")[0].split("-")))
    assert end - begin == pytest.approx(10.0), said  # FIRST_STRETCH_SECONDS of the reference
    assert analysed[-1].startswith("cam02.mp4 ") and analysed[-1].endswith(", every frame"), said
    # trusted as align trusts (within --max-offset every round searched every allowed offset)
    assert abs(result.inputs[1].offset_frames - -37) <= 1.0 and result.inputs[1].confidence >= DEFAULT_MIN_CONFIDENCE, said
    ref = result.tracks[0]  # the coarse poses, numbered in the video's frames
    assert ref.fps == 30.0 and (ref.frame_index % 2 == 0).all() and len(ref) <= 22 * 15


def test_a_longer_span_estimates_only_its_new_frames_each_once():
    """Kept: frames 1470-1762 of B (every 2nd, its span ends at the odd 1763); the next span
    1400-1800 asks for 1400-1468 and 1764-1798 only."""
    import numpy as np

    poses = adaptive.Poses.__new__(adaptive.Poses)
    poses.videos, poses.backend, poses.person, poses.say = [A, B], "mediapipe", 0, lambda _m: None
    kept = make_track(147).with_keypoints(make_track(147).keypoints, np.arange(735, 882))
    poses.known = {1: (Span(1470, 1763, 2), kept)}
    track, asked, single = poses._submit(1, Span(1400, 1800, 2))
    assert track is kept and asked == [Span(1400, 1470, 2), Span(1764, 1800, 2)] and single


def test_a_span_counts_its_analysed_frames():
    assert Span(1400, 1470, 2).frames == 35 and Span(1764, 1800, 2).frames == 18 and Span(0, 5, 2).frames == 3


def test_a_round_s_new_frames_go_to_the_workers_largest_first_each_once(monkeypatch):
    """Round 2 of a 1-minute pair: A has 135 + 15 new frames, B 435; the jobs go out 435, 135, 15."""
    import numpy as np

    poses = adaptive.Poses.__new__(adaptive.Poses)
    poses.videos, poses.backend, poses.person, poses.say = [A, B], "mediapipe", 0, lambda _m: None
    kept_a = make_track(75).with_keypoints(make_track(75).keypoints, np.arange(735, 810))  # A 1470-1619
    kept_b = make_track(74).with_keypoints(make_track(74).keypoints, np.arange(735, 809))  # B 1470-1617
    poses.known = {0: (Span(1470, 1620, 2), kept_a), 1: (Span(1470, 1617, 2), kept_b)}
    sent: list[tuple[int, Span]] = []

    def job(self, index, span, single):
        from concurrent.futures import Future

        sent.append((index, span))
        rows = np.arange(span.first, span.stop, span.stride) // span.stride
        future: Future = Future()
        future.set_result(make_track(len(rows)).with_keypoints(make_track(len(rows)).keypoints, rows))
        return future

    monkeypatch.setattr(adaptive.Poses, "_job", job)
    tracks = poses.estimate([Span(1200, 1650, 2), Span(600, 1617, 2)])
    assert sent == [(1, Span(600, 1470, 2)), (0, Span(1200, 1470, 2)), (0, Span(1620, 1650, 2))]
    np.testing.assert_array_equal(tracks[0].frame_index, np.arange(600, 825))  # frames 1200-1648, each once
    np.testing.assert_array_equal(tracks[1].frame_index, np.arange(300, 809))


def _answer(confidence: float, offset_frames: float) -> AlignmentResult:
    entries = [InputOffset("a.mp4", 0.0, 0.0, 30.0, 1.0),
               InputOffset("b.mp4", offset_frames, offset_frames / 30, 30.0, confidence, uncertainty_frames=1.0)]
    return AlignmentResult(reference="a.mp4", method="sesyn", inputs=entries)


def test_an_answer_is_confirmed_when_the_next_round_keeps_it_within_a_frame():
    assert adaptive.confirmed(_answer(0.95, -18.0), _answer(0.3, -18.9)) == (True, "")
    assert adaptive.confirmed(_answer(0.95, -18.0), _answer(0.95, -19.5)) == (
        False, "b.mp4 at -0.60 s, to be confirmed by a wider search")
    assert adaptive.confirmed(_answer(0.95, -18.0), None)[0] is False


@pytest.mark.parametrize("bound, rounds", [(None, 3), (60, 1)])
def test_a_sure_answer_is_kept_once_a_wider_search_agrees_unless_the_bound_was_searched(monkeypatch, bound, rounds):
    """Unbounded, a round sees only offsets that keep its stretches overlapping: a sure answer
    (-18, then -300 once B is seen 20 s around) stands when the next round keeps it (round 3).
    Within --max-offset every round searched every allowed offset: the first sure answer stands."""
    answers = iter([_answer(0.95, -18.0), _answer(0.95, -300.0), _answer(0.95, -300.3), _answer(0.95, -300.0)])
    calls: list[int] = []

    class Poses:
        def estimate(self, spans):
            calls.append(len(spans))
            return [make_track(10), make_track(10)]

    monkeypatch.setattr(adaptive, "first_round", lambda videos: Round(49.0, 10.0, 0.0))
    monkeypatch.setattr(adaptive, "_frame_exact", lambda poses, videos, result, *rest: result)
    said: list[str] = []
    found = adaptive._climb(lambda tracks, **_o: next(answers), [A, B], Poses(), {"person": 0}, OffsetBounds(bound),
                            said.append)
    assert len(calls) == rounds
    assert found.inputs[1].offset_frames == (-18.0 if bound else -300.3)
    if bound is None:
        assert said == ["extending: b.mp4 at -0.60 s, to be confirmed by a wider search",
                        "extending: b.mp4 at -10.00 s, to be confirmed by a wider search"]


def test_pieces_of_a_video_join_in_frame_order_showing_anyone_any_piece_showed():
    import numpy as np

    first = make_track(3).with_keypoints(make_track(3).keypoints, np.arange(10, 13))
    later = make_track(2).with_keypoints(make_track(2).keypoints, np.arange(13, 15))
    later.meta["track_scores"] = [100.0, 90.0]  # a second person, as prominent, in the later piece only
    empty = make_track(0)
    joined = adaptive._join([later, empty, first])
    np.testing.assert_array_equal(joined.frame_index, np.arange(10, 15))
    assert adaptive.several_people(joined) and not adaptive.several_people(first)


def test_a_coarse_answer_s_notes_and_warnings_quote_the_videos_frames():
    import dataclasses

    from videosync.sync.methods import make_method
    from videosync.sync.methods.base import rival_note

    track = make_track(120, seed=3, fps=15.0)
    low = make_method("sesyn", refine=False).estimate_whole(track, track.frames_between(10, 120))
    # a rival 50 coarse frames away, as the 30 fps speed pair's first round had one (every 2nd frame)
    found = dataclasses.replace(low, fit=dataclasses.replace(low.fit, runner_up_offset=50.0, uniqueness=0.5,
                                                                   runner_up_ratio=0.8),
                                notes=[rival_note(50.0, 0.8)])
    found.diagnostics["matching_parts"] = None
    pair = PairOffset(a=0, b=1, offset_frames=low.offset_frames, offset_seconds=low.offset_seconds,
                      confidence=0.9, estimate=found)
    out = pair_at_source_rate(pair, 2, 2)
    assert out.estimate.notes == [rival_note(100.0, 0.8)]  # 50 frames of the 15 fps track: 100 of the video
    tracks = [dataclasses.replace(track, source="a.mp4"), dataclasses.replace(track, source="b.mp4")]
    names = f"{tracks[0].name} <-> {tracks[1].name}: "
    coarse_result = AlignmentResult(reference="a.mp4", method="sesyn", inputs=_result(0.9, 1.0).inputs, pairs=[pair],
                                    warnings=["another warning", names + rival_note(50.0, 0.8)], tracks=tracks)
    told = adaptive.solved(coarse_result, [out], tracks).warnings
    assert told[:2] == ["another warning", names + rival_note(100.0, 0.8)]

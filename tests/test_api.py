"""videosync.align / trim on synthetic tracks whose true offsets are known."""

import numpy as np
import pytest

import videosync
from videosync.errors import CannotSynchronizeError, VideosyncError
from tests.sync.synth import sampled_track


def test_align_two_tracks_recovers_a_known_offset():
    ref = sampled_track(300, 30.0, start_seconds=2.0)
    other = sampled_track(300, 30.0, start_seconds=2.0 - 12 / 30)  # started 12 frames earlier
    result = videosync.align([ref, other], method="simple")
    assert result.method == "simple"
    assert result.inputs[0].offset_frames == 0 and result.inputs[0].confidence == 1
    assert result.inputs[1].offset_frames == pytest.approx(12, abs=0.2)
    assert result.inputs[1].offset_seconds == pytest.approx(12 / 30, abs=0.01)
    assert result.inputs[1].confidence > 0.5
    assert len(result.pairs) == 1 and not result.pairs[0].disagrees


def test_align_three_inputs_solves_consistent_offsets():
    a = sampled_track(300, 30.0, start_seconds=3.0)
    b = sampled_track(300, 30.0, start_seconds=3.0 + 5 / 30)   # b starts 5 frames later: -5
    c = sampled_track(300, 30.0, start_seconds=3.0 - 20 / 30)  # c starts 20 frames earlier: +20
    result = videosync.align([a, b, c], method="simple")
    got = [round(entry.offset_frames, 1) for entry in result.inputs]
    assert got == pytest.approx([0, -5, 20], abs=0.3)
    assert len(result.pairs) == 3
    assert result.pairs[2].offset_frames == pytest.approx(25, abs=0.3)  # b -> c


def test_align_refuses_unrelated_motion_instead_of_guessing():
    a = sampled_track(200, 30.0, seed=1)
    b = sampled_track(200, 30.0, seed=2)
    with pytest.raises(CannotSynchronizeError, match="cannot synchronize"):
        videosync.align([a, b], method="simple")


def test_align_needs_two_inputs():
    with pytest.raises(VideosyncError, match="at least two"):
        videosync.align([sampled_track(50, 30.0)])


def test_json_document_has_the_documented_keys():
    ref = sampled_track(200, 25.0, start_seconds=1.0)
    other = sampled_track(200, 25.0, start_seconds=1.0 + 4 / 25)
    doc = videosync.align([ref, other], method="simple").to_json()
    assert list(doc)[:3] == ["reference", "method", "inputs"]
    assert set(doc["inputs"][1]) == {"path", "offset_frames", "offset_seconds", "uncertainty_frames",
                                     "uncertainty_seconds", "fps", "confidence"}
    assert doc["inputs"][1]["fps"] == 25.0
    assert doc["inputs"][1]["offset_frames"] == pytest.approx(-4, abs=0.2)
    assert np.isclose(doc["inputs"][1]["offset_seconds"], doc["inputs"][1]["offset_frames"] / 25, atol=1e-4)


def test_analysis_window_hand_values():
    from videosync.api import window_seconds

    assert window_seconds(None, None, 30, 30.0) == (None, None)
    assert window_seconds(10.0, 20.0, 30, 30.0) == pytest.approx((9.0, 22.0))
    assert window_seconds(None, 5.0, 60, 30.0) == pytest.approx((0.0, 7.0))  # clipped at 0
    assert window_seconds(1.0, None, 60, 30.0) == pytest.approx((0.0, None))


def test_load_input_keeps_only_the_analysis_window():
    track = sampled_track(300, 30.0)
    part = videosync.load_input(track, start=2.0, duration=3.0, margin_frames=15)
    # [2 - 0.5, 2 + 3 + 0.5) s at 30 fps = frames 45..164
    assert part.frame_index[0] == 45 and part.frame_index[-1] == 164
    with pytest.raises(VideosyncError, match="no frames between"):
        videosync.load_input(track, start=20.0, duration=1.0)


def test_align_on_a_window_with_a_margin_still_finds_the_offset():
    ref = sampled_track(600, 30.0, start_seconds=2.0)
    other = sampled_track(600, 30.0, start_seconds=2.0 - 12 / 30)
    result = videosync.align([ref, other], method="simple", start=5.0, duration=6.0, max_offset_frames=20)
    assert result.inputs[1].offset_frames == pytest.approx(12, abs=0.2)
    assert len(result.tracks[0]) == 180 and len(result.tracks[1]) == 220


def test_a_sliding_offset_is_answered_segment_by_segment_within_its_stated_uncertainty():
    """B dropped 9 single frames (every 20th from 200 to 380) without gaps in its numbering: no
    single offset holds (by hand: B's new frame j shows A's frame orig(j) + 5, offset -5 up to
    j = 199, then one frame less every 19 frames, -14 at the end). Steps that close are not each
    placed: align answers with segments whose uncertainties cover every frame's truth (within a
    frame) and says where a step could not be placed."""
    from tests.sync.test_refine import moving_body, view

    body = moving_body(420, seed=5)
    a, b = view(body, 0.0, slice(20, 400)), view(body, 25.0, slice(25, 405))
    assert videosync.align([a, b], method="simple").inputs[1].offset_frames == pytest.approx(-5, abs=0.5)
    keep = np.ones(len(b), bool)
    keep[200:380:20] = False
    slid = b.select(keep)
    slid = slid.with_keypoints(slid.keypoints, np.arange(len(slid)))
    result = videosync.align([a, slid], method="simple", time_map=True)
    truth = np.arange(len(slid)) - (np.flatnonzero(keep) + 5)
    segments = result.inputs[1].segments
    assert len(segments) >= 2 and segments[0].first_frame == 0 and segments[-1].last_frame == len(slid) - 1
    for seg in segments:
        error = np.abs(truth[seg.first_frame:seg.last_frame + 1] - seg.offset_frames)
        assert error.max() <= seg.uncertainty_frames + 1.0
    assert any("steps" in w for w in result.warnings)


def test_frames_dropped_without_timestamps_are_answered_with_one_offset_per_segment():
    """B (offset +5) lost 3 frames from its frame 330 and 4 from 700, renumbered: by hand, B's
    frames 0-329 have offset +5, 330-~696 have +2, the rest -2; the entry's offset is that of
    the longest segment (+2: 367 frames against 346) and a note says what happened."""
    from tests.sync.test_timemap import renumbered

    a = sampled_track(1050, 30.0, 20.0)
    b = renumbered(sampled_track(1050, 30.0, 20.0 - 5 / 30), [*range(330, 333), *range(700, 704)])
    result = videosync.align([a, b], method="simple", time_map=True)
    entry = result.to_json()["inputs"][1]
    assert [round(s["offset_frames"]) for s in entry["segments"]] == [5, 2, -2]
    assert entry["segments"][0]["first_frame"] == 0 and entry["segments"][-1]["last_frame"] == 1042
    assert abs(entry["segments"][1]["first_frame"] - 330) <= 3 and abs(entry["segments"][2]["first_frame"] - 696) <= 3
    assert entry["offset_frames"] == pytest.approx(2, abs=0.25) and entry["confidence"] > 0.5
    assert any("steps 2 times" in w for w in result.warnings)


@pytest.mark.parametrize("method", ["simple", "ssm", "speed-xcorr", "sesyn"])
def test_no_answer_lies_outside_max_offset(method):
    """Two views of a moving body 5 frames apart (true offset -5). Told the offset is within +-3
    frames, no method answers outside +-3, with or without the geometric refinement (which found
    -5.0 before the bound reached it); the answer held at the bound is refused, and the reason
    says where the evidence points. With a bound of 8 the answer is -5."""
    from tests.sync.test_refine import moving_body, view

    body = moving_body(420, seed=5)
    a, b = view(body, 0.0, slice(20, 400)), view(body, 25.0, slice(25, 405))
    for refine in (False, True):
        guess = videosync.align([a, b], method=method, refine=refine, max_offset_frames=3, min_confidence=0)
        assert abs(guess.inputs[1].offset_frames) <= 3 and guess.inputs[1].confidence == 0.0
        with pytest.raises(CannotSynchronizeError, match=r"outside the allowed \+-3 frames"):
            videosync.align([a, b], method=method, refine=refine, max_offset_frames=3)
        wide = videosync.align([a, b], method=method, refine=refine, max_offset_frames=8)
        assert wide.inputs[1].offset_frames == pytest.approx(-5, abs=0.1)

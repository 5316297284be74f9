"""FusedMethod's decisions, with a stand-in pose method whose answers are set by the test and the
real audio method on videos with real speech (B started 15 frames after A, at 30 fps)."""

from __future__ import annotations

import numpy as np
import pytest

from videosync.errors import CannotSynchronizeError
from videosync.poses import PoseTrack
from videosync.sync.bounds import OffsetBounds
from videosync.sync.methods.base import PairEstimate, SyncMethod
from videosync.sync.methods.fused import FusedMethod, expected_disagreement

from tests.audio.media import SPEECH, load, room, write_video

FPS = 30
TRUTH = -15.0


class StandIn(SyncMethod):
    """A pose method that sees ``offsets`` (frames, in the tracks' original numbering) with the
    given confidences and answers the best one inside its search window; records its calls."""

    name = "stand-in"

    def __init__(self, offsets: dict[float, float]) -> None:
        self.offsets = offsets
        self.calls: list[tuple[int, float | None]] = []

    def estimate(self, track_a, track_b, *, bounds=None) -> PairEstimate:
        shift = int(track_b.meta.get("first", 0) - track_b.frame_index[0])  # B renumbered by -shift
        max_offset = None if bounds is None else bounds.max_frames
        self.calls.append((shift, max_offset))
        seen = {k - shift: c for k, c in self.offsets.items()
                if max_offset is None or abs(k - shift) <= max_offset}
        if not seen:
            raise CannotSynchronizeError("no person")
        k = max(seen, key=seen.get)
        return PairEstimate("stand-in", k, k / FPS, 1.0, seen[k], FPS, FPS)


def track(video, first: int = 0) -> PoseTrack:
    return PoseTrack(np.ones((20, 17, 3), np.float32), fps=FPS, width=64, height=48, source=str(video),
                     frame_index=np.arange(first, first + 20), meta={"first": first})


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    d = tmp_path_factory.mktemp("fused")
    rate = 48_000
    speech = load(SPEECH, rate)[: 10 * rate]
    a = write_video(d / "a.mp4", 8 * FPS, FPS, room(speech[: 8 * rate], rate, snr_db=25, seed=1), rate)
    b = write_video(d / "b.mp4", 8 * FPS, FPS, room(speech[rate // 2 : rate // 2 + 8 * rate], rate, rt60=0.3,
                                                     snr_db=15, seed=2), rate)
    mute = write_video(d / "mute.mp4", 8 * FPS, FPS, None)
    return a, b, mute


def test_without_sound_the_pose_method_answers_alone_exactly(videos, tmp_path):
    _, _, mute = videos
    pose = StandIn({TRUTH: 0.9, TRUTH + 40: 0.95})
    est = FusedMethod(pose).estimate(track(mute), track(mute), bounds=OffsetBounds(50))
    assert est.method == "stand-in" and est.offset_frames == TRUTH + 40  # as pose alone answers
    assert pose.calls == [(0, 50)] and not est.notes and "fusion" not in est.diagnostics


def test_repeated_motion_is_resolved_by_the_sound(videos):
    a, b, _ = videos
    # the poses support the truth and a rival a cycle away a little better: alone they would pick it
    pose = StandIn({TRUTH: 0.6, TRUTH + 40: 0.7})
    est = FusedMethod(pose).estimate(track(a), track(b))
    assert est.method == "fused" and est.offset_frames == TRUTH
    shift, width = pose.calls[0]
    assert shift == TRUTH and width == pytest.approx(expected_disagreement() * FPS)
    fusion = est.diagnostics["fusion"]
    assert fusion["source"] == "pose within the sound's bounds"
    assert abs(fusion["sound_frames"] - TRUTH) < 0.05 and fusion["pose_frames"] == TRUTH
    assert not est.notes


def test_a_picture_far_from_the_sound_wins_with_a_warning(videos):
    a, b, _ = videos
    pose = StandIn({TRUTH + 6: 0.9})  # 0.2 s away: beyond skew and travel, outside the window
    est = FusedMethod(pose).estimate(track(a), track(b))
    assert est.offset_frames == TRUTH + 6
    assert est.diagnostics["fusion"]["source"].startswith("pose alone")
    assert est.notes[0].startswith("sound and picture disagree") and "skew" in est.notes[0]
    assert "ms" in est.notes[0] and "10 m" in est.notes[0]


def test_with_no_person_the_sound_answers_and_says_so(videos):
    a, b, _ = videos
    est = FusedMethod(StandIn({})).estimate(track(a), track(b))
    assert abs(est.offset_frames - TRUTH) < 0.05 and est.confidence > 0.5
    assert est.diagnostics["fusion"]["source"] == "sound alone"
    assert est.notes[0].startswith("from the sound alone")


def test_a_sound_track_that_refuses_leaves_the_poses_alone_with_a_note(videos, tmp_path):
    a, _, _ = videos
    rate = 48_000
    other = write_video(tmp_path / "other.mp4", 8 * FPS, FPS,
                        room(load(SPEECH, rate)[20 * rate : 28 * rate], rate, snr_db=20), rate)
    pose = StandIn({TRUTH: 0.9})
    est = FusedMethod(pose).estimate(track(a), track(other))
    assert est.offset_frames == TRUTH and pose.calls == [(0, None)]
    assert est.notes[-1].startswith("sound not used (no shared sound")


class Repeating(StandIn):
    """A pose method for repeated motion: its soft votes peak alike at every offset it sees, so
    alone it is unsure (confidence: its best's lead over the runner-up), and sure inside a window
    that holds one of them."""

    def estimate(self, track_a, track_b, *, bounds=None) -> PairEstimate:
        from types import SimpleNamespace

        est = super().estimate(track_a, track_b, bounds=bounds)
        shift = int(track_b.meta.get("first", 0) - track_b.frame_index[0])
        seen = sorted((c for k, c in self.offsets.items()
                       if bounds is None or bounds.max_frames is None or abs(k - shift) <= bounds.max_frames),
                      reverse=True)
        est.confidence = seen[0] - (seen[1] if len(seen) > 1 else 0.0)
        grid = np.arange(-60.0, 61.0)
        votes = sum(c * np.exp(-0.5 * (grid - (k - shift)) ** 2) for k, c in self.offsets.items())
        if bounds is None or bounds.max_frames is None:  # the rivals are read from the full search
            est.diagnostics = {"votes": (grid, votes)}
            est.fit = SimpleNamespace(rate_source="nominal")
        return est


def test_an_unsure_sound_still_picks_the_repetition_its_waveforms_agree_on(videos):
    a, b, _ = videos
    pose = Repeating({TRUTH: 0.8, TRUTH + 40: 0.85})  # alone: TRUTH + 40, confidence 0.05
    # a sound answer never trusted to bound the search by itself (its confidence is at most 1)
    fused = FusedMethod(pose, min_sound_confidence=1.01)
    est = fused.estimate(track(a), track(b))
    assert est.method == "fused" and est.offset_frames == TRUTH and est.confidence == pytest.approx(0.8)
    # pose alone (everywhere), then a window of the allowance around the candidate the sound hears
    width = expected_disagreement() * FPS
    assert pose.calls == [(0, None), (TRUTH, pytest.approx(width))]
    fusion = est.diagnostics["fusion"]
    assert fusion["source"] == "pose candidate the sound supports"
    (k1, z1), (k2, z2) = fusion["sound_support"]
    assert (k1, k2) == (TRUTH + 40, TRUTH) and z2 >= fused.min_sound_support > z1
    assert est.notes[-1].startswith("repeated motion told apart by the sound")


def test_a_sound_that_hears_neither_repetition_leaves_the_poses_unsure(videos, tmp_path):
    a, _, _ = videos
    rate = 48_000
    other = write_video(tmp_path / "other.mp4", 8 * FPS, FPS,
                        room(load(SPEECH, rate)[20 * rate : 28 * rate], rate, snr_db=20), rate)
    pose = Repeating({TRUTH: 0.8, TRUTH + 40: 0.85})
    est = FusedMethod(pose).estimate(track(a), track(other))
    assert est.offset_frames == TRUTH + 40 and est.confidence == pytest.approx(0.05)  # as pose alone
    assert pose.calls == [(0, None)] and est.notes[-1].startswith("sound not used (no shared sound")


def test_with_nobody_in_view_an_unsure_sound_is_still_the_answer_to_judge(videos):
    a, b, _ = videos
    ta, tb = track(a), track(b)
    for t in (ta, tb):
        t.meta["sound_only"] = True
    # a sound answer never trusted to bound a pose search: with no poses, it is still the answer
    est = FusedMethod(StandIn({}), min_sound_confidence=1.01).estimate(ta, tb)
    assert abs(est.offset_frames - TRUTH) < 0.05 and est.diagnostics["fusion"]["source"] == "sound alone"
    assert est.notes[-1].startswith("nobody in view: from the sound alone")


def test_an_estimate_of_a_renumbered_b_is_moved_back_field_by_field():
    """B renumbered by -7 frames: every offset of B (the answer, the fit's, the votes', the parts',
    the searches', the matched frames, the preview's first frame) + 7; the reverse search's
    (frames of A) - 7 / rate (rate 1.5); A's frames, spreads and rates unchanged."""
    from tests.sync.test_coarse import estimate_with_every_field
    from videosync.sync.methods.fused import moved

    out = moved(estimate_with_every_field(), 7)
    assert (out.offset_frames, out.offset_seconds, out.rate, out.fps_a, out.fps_b) == (-93.0, -93.0 / 15.0, 1.5, 10, 15)
    f = out.fit
    assert (f.offset_frames, f.median_offset, f.runner_up_offset, f.beyond_bounds) == (-93.0, -94.0, -78.0, -123.0)
    assert (f.residual_std, f.tolerance, f.rate_estimate, f.n_overlap) == (0.5, 2.0, 1.4, 250)
    d = out.diagnostics
    np.testing.assert_array_equal(d["votes"][0], [-103.0, -93.0, -83.0])
    assert d["matching_parts"] == ([-93.5, -92.5], [40.0, 160.0]) and d["halves"] == ((-93.25, -92.75), (50.0, 150.0))
    assert d["refinement"].offset_frames == -92.0 and d["refinement_rival"].beyond_bounds == -75.0
    assert d["refinement_reverse"].offset_frames == pytest.approx(66.0 - 7 / 1.5)
    np.testing.assert_array_equal(out.pairs_b, [-78.0, -63.0])
    np.testing.assert_array_equal(out.pairs_a, [10.0, 20.0])
    assert (out.preview.first_a, out.preview.first_b, out.preview.step_b) == (5, 14, 3)

"""The halves test: an offset that slides over the recording is caught, a constant one is not."""

import numpy as np
import pytest

from tests.sync.synth import sampled_track
from videosync.sync import get_method
from videosync.sync.drift import overlap_halves, slides
from videosync.tunables import DRIFT_FRAMES, DRIFT_PER_FRAME

FPS = 30.0


def test_overlap_halves_split_the_frames_b_saw_at_their_midpoint():
    # A frames 0..299 at 30 fps, line j = i - 40, B holds frames 0..199: A's frames 40..239 are
    # covered; their midpoint is 139.5, so the halves are 40..139 and 140..239 (100 frames each,
    # above the 3 s = 90 frame minimum)
    first, second = overlap_halves(np.arange(300), 1.0, -40.0, 0.0, 199.0, FPS)
    assert np.flatnonzero(first).tolist() == list(range(40, 140))
    assert np.flatnonzero(second).tolist() == list(range(140, 240))
    # frames without a person are left out before the split
    usable = np.ones(300, bool)
    usable[40:60] = False
    first, second = overlap_halves(np.arange(300), 1.0, -40.0, 0.0, 199.0, FPS, usable=usable)
    assert np.flatnonzero(first)[0] == 60 and np.flatnonzero(second)[0] == 150


def test_overlap_halves_shorter_than_three_seconds_are_no_test():
    assert overlap_halves(np.arange(300), 1.0, 0.0, 0.0, 170.0, FPS) is None  # 171 frames: 85 + 86
    assert overlap_halves(np.arange(300), 1.0, 0.0, 0.0, 179.0, FPS) is not None  # 90 + 90


def test_slides_allows_noise_and_clock_drift():
    assert not slides(3.0, 3.0 + DRIFT_FRAMES, 100.0, 200.0)
    assert slides(3.0, 3.1 + DRIFT_FRAMES, 100.0, 200.0)
    # 10 minutes apart at 30 fps: clock drift of 100 ppm adds 3.6 frames to the allowance
    assert not slides(0.0, DRIFT_FRAMES + 3.5, 0.0, 18000.0)
    assert DRIFT_PER_FRAME * 18000.0 == pytest.approx(3.6)


def _renumbered(track, keep):
    """``track`` with only the rows ``keep``, numbered 0, 1, 2, ... (a constant-rate file of a
    camera that dropped them: nothing tells they are missing)."""
    kept = track.select(keep)
    return kept.with_keypoints(kept.keypoints, np.arange(len(kept)))


@pytest.mark.parametrize("method", ["simple", "ssm"])
def test_matching_catches_frames_lost_without_timestamps(method):
    """B loses 8 frames in its third quarter, renumbered: A's first quarter sees offset +5, its
    last +5 - 8 = -3. A fit through all frames would give one offset with confidence; each part
    alone gives its own, so the pair gets confidence 0 and a note. Without the loss: one offset,
    no note."""
    a = sampled_track(600, FPS, 20.0)
    b = sampled_track(600, FPS, 20.0 - 5 / FPS)  # frame i of A = frame i + 5 of B
    clean = get_method(method).estimate(a, b)
    offsets, _centres = clean.diagnostics["matching_parts"]
    assert clean.notes == [] and not clean.diagnostics["slides"]
    assert len(offsets) == 4 and np.allclose(offsets, 5, atol=0.3)
    assert clean.confidence > 0.5

    keep = np.ones(600, bool)
    keep[330:370:5] = False  # B frames 330..365 (A frames 325..360): 8 lost
    est = get_method(method).estimate(a, _renumbered(b, keep))
    offsets, _centres = est.diagnostics["matching_parts"]
    assert offsets[0] == pytest.approx(5, abs=0.5) and offsets[-1] == pytest.approx(-3, abs=0.5)
    assert est.confidence == 0.0 and est.diagnostics["slides"]
    assert len(est.notes) == 1 and "not constant" in est.notes[0]


def test_the_geometric_refinement_keeps_a_slide_the_matching_found():
    """The refinement fits one offset through both halves' frames with full confidence of its own;
    a slide the matching found must still leave the pair at confidence 0, with the note once."""
    from videosync.sync.methods.refined import RefinedMethod

    a = sampled_track(600, FPS, 20.0)
    b = sampled_track(600, FPS, 20.0 - 5 / FPS)
    keep = np.ones(600, bool)
    keep[330:370:5] = False
    est = RefinedMethod(get_method("simple")).estimate(a, _renumbered(b, keep))
    assert est.confidence == 0.0
    assert sum("not constant" in n for n in est.notes) == 1


def test_segment_band_is_a_tenth_of_the_overlap_within_bounds():
    from videosync.sync.drift import segment_band

    assert segment_band(300, 1.0, FPS) == pytest.approx(30.0)  # a tenth of 300 frames
    assert segment_band(40, 1.0, FPS) == 8.0  # at least 8 frames
    assert segment_band(10000, 1.0, FPS) == 60.0  # at most 2 s of B
    assert segment_band(300, 0.5, 15.0) == pytest.approx(15.0)  # B at half A's rate: 150 frames of B


def test_overlap_segments_are_consecutive_parts_of_equal_size():
    from videosync.sync.drift import overlap_segments

    # 400 covered frames (A 0..399, B 0..399 at offset 0): 4 parts of 100 >= 90 frames (3 s)
    parts = overlap_segments(np.arange(400), 1.0, 0.0, 0.0, 399.0, FPS, max_segments=4)
    assert [np.flatnonzero(m)[[0, -1]].tolist() for m in parts] == [[0, 99], [100, 199], [200, 299], [300, 399]]
    # 300 covered frames: only 3 parts of 100 fit the 90-frame minimum
    assert len(overlap_segments(np.arange(400), 1.0, 0.0, 0.0, 299.0, FPS, max_segments=4)) == 3


def test_widest_slide_names_the_two_parts_that_disagree_most():
    from videosync.sync.drift import widest_slide

    assert widest_slide([5.0, 5.5, 4.6], [100.0, 300.0, 500.0]) is None  # all within 2 frames
    # parts 0 and 3 disagree by 8 frames, parts 1 and 3 by 7.5: 0 and 3
    assert widest_slide([5.0, 4.5, 1.0, -3.0], [100.0, 300.0, 500.0, 700.0]) == (0, 3)
    # 2.5 frames apart: beyond the geometry's 2-frame margin, within the matching's 3
    assert widest_slide([5.0, 7.5], [100.0, 300.0]) == (0, 1)
    assert widest_slide([5.0, 7.5], [100.0, 300.0], margin=3.0) is None

"""Geometric refinement: exact on true two-view projections, and silent when the geometry says nothing."""

import numpy as np
import pytest

from videosync.poses import PoseTrack
from videosync.sync.methods import make_method
from videosync.sync.methods.refined import RefinedMethod
from videosync.poses.stats import person_size
from videosync.sync.refine import (
    cauchy_loss,
    fundamental_matrix,
    noise_allowance,
    refine_offset,
    robust_fundamental_matrix,
    sampson_distance,
)
from videosync.synth.camera import Camera, look_at
from videosync.tunables import BAD_RELATIVE_ERROR, CAUCHY_C

FPS = 30.0


def moving_body(n: int, seed: int = 0, still: bool = False) -> np.ndarray:
    """``(n, 17, 3)`` world points (metres): 17 joints around a body, each on its own smooth path."""
    rng = np.random.default_rng(seed)
    rest = np.c_[rng.uniform(-0.3, 0.3, 17), rng.uniform(0.0, 1.8, 17), rng.uniform(-0.2, 0.2, 17)]
    if still:
        return np.repeat(rest[None], n, axis=0)
    t = np.arange(n)[:, None, None] / FPS
    freq = rng.uniform(0.3, 1.5, (1, 17, 3))
    phase = rng.uniform(0, 2 * np.pi, (1, 17, 3))
    return rest[None] + 0.25 * np.sin(2 * np.pi * freq * t + phase)


def view(points: np.ndarray, azimuth_deg: float, frames: slice) -> PoseTrack:
    """The points seen by a fixed 1280x720 camera 4 m away at ``azimuth_deg``, rows ``frames``."""
    n = len(points)
    az = np.deg2rad(azimuth_deg)
    pos = np.array([4 * np.sin(az), 1.4, 4 * np.cos(az)])
    cam = Camera(1280, 720, 900.0, 640.0, 360.0, np.repeat(pos[None], n, 0),
                 np.repeat(look_at(pos, np.array([0.0, 0.9, 0.0])), n, 0))
    uv, _depth = cam.project(points)
    kp = np.concatenate([uv, np.ones(uv.shape[:2] + (1,))], axis=2)[frames]
    return PoseTrack(kp.astype(np.float32), fps=FPS, width=1280, height=720)


def test_sampson_distance_hand_value():
    # rectified pair (F of a pure x translation): epipolar lines are image rows; a 2 px vertical
    # disagreement is 2 / sqrt(2) px in the symmetric first-order distance
    F = np.array([[0.0, 0, 0], [0, 0, -1], [0, 1, 0]])
    d = sampson_distance(F, np.array([[0.0, 0.0], [10.0, 3.0]]), np.array([[5.0, 2.0], [-4.0, 3.0]]))
    np.testing.assert_allclose(d, [np.sqrt(2.0), 0.0], atol=1e-12)


@pytest.mark.parametrize("coarse_error", [-3.4, 2.0, 4.6])
def test_refinement_recovers_the_exact_offset_from_a_coarse_guess(coarse_error):
    body = moving_body(200, seed=1)
    a = view(body, 0.0, slice(20, 170))
    b = view(body, 100.0, slice(27, 177))  # frame i of a = frame i - 7 of b
    ref = refine_offset(a, b, -7 + coarse_error)
    assert ref.accepted, ref.reason
    assert ref.offset_frames == pytest.approx(-7.0, abs=0.25)
    assert ref.coarse_offset_frames == pytest.approx(-7 + coarse_error)
    assert ref.contrast > 0.5
    # noiseless views: a deep dip and a near-zero error at the minimum -> full geometric confidence
    assert ref.relative_error < 0.005 and ref.confidence == pytest.approx(1.0)


def correspondences(n_frames: int = 40, seed: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Exact correspondences (px) of a moving body seen by two fixed cameras 70 degrees apart."""
    body = moving_body(n_frames, seed=seed)
    a, b = view(body, 0.0, slice(0, n_frames)), view(body, 70.0, slice(0, n_frames))
    return (a.keypoints[..., :2].reshape(-1, 2).astype(np.float64),
            b.keypoints[..., :2].reshape(-1, 2).astype(np.float64))


def test_fundamental_matrix_is_opencvs_8_point_and_weights_drop_points():
    import cv2

    xa, xb = correspondences()
    F = fundamental_matrix(xa, xb)
    assert sampson_distance(F, xa, xb).max() < 1e-3
    ref = cv2.findFundamentalMat(xa, xb, cv2.FM_8POINT)[0]
    ref = ref / np.linalg.norm(ref) * np.sign(np.sum(ref * F))
    np.testing.assert_allclose(F, ref, atol=1e-8)
    # every 10th point 50 px off: the plain fit is pulled, a zero weight removes them exactly
    wrong = np.arange(len(xa)) % 10 == 0
    xb_bad = np.where(wrong[:, None], xb + [30.0, -40.0], xb)
    assert np.median(sampson_distance(fundamental_matrix(xa, xb_bad), xa[~wrong], xb_bad[~wrong])) > 1.0
    F_w = fundamental_matrix(xa, xb_bad, (~wrong).astype(float))
    assert sampson_distance(F_w, xa[~wrong], xb_bad[~wrong]).max() < 1e-3


def test_robust_fit_is_not_pulled_by_gross_errors():
    # the same 10 % of gross errors (a guessed occluded joint, a left/right swap), unlabelled:
    # the Cauchy reweighting finds them by itself
    xa, xb = correspondences()
    wrong = np.arange(len(xa)) % 10 == 0
    xb_bad = np.where(wrong[:, None], xb + [30.0, -40.0], xb)
    d = sampson_distance(robust_fundamental_matrix(xa, xb_bad, scale=1.0), xa, xb_bad)
    assert np.median(d[~wrong]) < 0.1 and d[wrong].min() > 20.0


def test_cauchy_loss_hand_values():
    # log(1 + (d / (c s))^2): 0 at 0, log 2 at d = c s, log 10 at d = 3 c s
    d = np.array([0.0, CAUCHY_C * 2.0, 3 * CAUCHY_C * 2.0])
    np.testing.assert_allclose(cauchy_loss(d, 2.0), [0.0, np.log(2.0), np.log(10.0)])


def test_refinement_keeps_the_coarse_offset_when_geometry_is_silent():
    still = moving_body(150, still=True)
    ref = refine_offset(view(still, 0.0, slice(0, 150)), view(still, 90.0, slice(0, 150)), 2.0)
    assert not ref.accepted and ref.offset_frames == 2.0 and "distinct" in ref.reason
    assert ref.confidence == 0.0

    body = moving_body(200, seed=2)
    a, b = view(body, 0.0, slice(0, 150)), view(body, 60.0, slice(0, 150))
    few = b.with_keypoints(np.where(np.arange(17)[None, :, None] < 3, b.keypoints, 0.0))
    ref = refine_offset(a, few, 1.0, min_points=1000)
    assert not ref.accepted and ref.offset_frames == 1.0 and "fewer than 1000" in ref.reason

    far = refine_offset(a, b, 200.0)  # a guess far outside the recordings' overlap
    assert not far.accepted and "overlap" in far.reason


def test_refinement_refuses_views_that_no_offset_explains():
    # B's joints each displaced by a fixed random 20 % of the person's size (as if every joint
    # were a different 3D point in the two views): no jitter, so no noise allowance, and at the
    # least-bad offset the views still disagree, so that offset is not used (nor its confidence)
    body = moving_body(200, seed=1)
    a, b = view(body, 0.0, slice(20, 170)), view(body, 100.0, slice(27, 177))
    rng = np.random.default_rng(0)
    kb = b.keypoints.copy()
    kb[..., :2] += rng.normal(0.0, 0.2 * person_size(b), (1, 17, 2))
    ref = refine_offset(a, b.with_keypoints(kb), -5.0)
    assert not ref.accepted and ref.offset_frames == -5.0 and "inconsistent" in ref.reason
    assert ref.noise_relative < 1e-3
    assert ref.relative_error >= BAD_RELATIVE_ERROR and ref.confidence == 0.0


def jittered_pair(share: float) -> tuple[PoseTrack, PoseTrack]:
    """Views of one moving body (true offset -7) with B's joints jittered independently per frame
    by ``share`` of the person's size."""
    body = moving_body(200, seed=1)
    a, b = view(body, 0.0, slice(20, 170)), view(body, 100.0, slice(27, 177))
    rng = np.random.default_rng(0)
    kb = b.keypoints.copy()
    kb[..., :2] += rng.normal(0.0, share * person_size(b), kb[..., :2].shape)
    return a, b.with_keypoints(kb)


def test_noise_allowance_hand_values():
    # 0.6745 x the root mean square of the views' relative jitters; unknown ones are skipped
    assert noise_allowance([0.03, 0.04]) == pytest.approx(0.6745 * np.sqrt((0.03**2 + 0.04**2) / 2))
    assert noise_allowance([0.02, float("nan")]) == pytest.approx(0.6745 * 0.02)
    assert noise_allowance([]) == 0.0


@pytest.mark.parametrize("smooth", [True, False])
def test_jittery_views_are_smoothed_and_judged_against_their_own_noise(smooth):
    """B jittered by 10 % of the person's size, far above a real detector's 0.2-0.7 %. Smoothed
    (a line through +-2 frames at 30 fps leaves about 1/sqrt(5) of the jitter) the views agree
    at the true -7 again; unsmoothed, the error at the true offset is mostly jitter, and the
    allowance for it (not a wider BAD for every input) still lets the true offset through."""
    a, b = jittered_pair(0.10)
    ref = refine_offset(a, b, -5.0, smooth=smooth)
    assert ref.accepted, ref.reason
    assert ref.offset_frames == pytest.approx(-7.0, abs=0.5)
    expected = 0.6745 * np.sqrt((0.10 / (np.sqrt(5) if smooth else 1.0)) ** 2 / 2)
    assert ref.noise_relative == pytest.approx(expected, rel=0.15)
    assert ref.bad_relative_error == pytest.approx(np.hypot(BAD_RELATIVE_ERROR, ref.noise_relative))
    # weaker evidence than precise keypoints: the confidence keeps the fixed GOOD and BAD
    assert ref.confidence < 1.0


def test_refined_method_reports_what_it_did():
    body = moving_body(220, seed=3)
    a = view(body, 0.0, slice(30, 180))
    b = view(body, 140.0, slice(25, 175))  # true offset +5
    method = make_method("ssm", refine=True)
    assert isinstance(method, RefinedMethod) and method.name == "ssm+geometry"
    est = method.estimate(a, b)
    ref = est.diagnostics["refinement"]
    assert est.offset_frames == pytest.approx(5.0, abs=0.25) and ref.accepted
    assert est.offset_seconds == pytest.approx(est.offset_frames / FPS)
    coarse = method.inner.estimate(a, b)
    geometry = max(ref.confidence, est.diagnostics["refinement_reverse"].confidence)
    assert est.confidence == pytest.approx(max(coarse.confidence, coarse.fit.uniqueness * geometry))


def test_refinement_on_the_real_demo_json_every_pair_to_the_frame(demo_dir):
    # OpenPose JSON of the hardware-synchronized Pose2Sim demo (true offset 0). Cutting 7 leading
    # frames of A makes the true offset +7; each pair starts from a guess 4 frames off.
    from videosync.poses import load_poses

    json_dir = demo_dir / "single-person" / "pose-json-index-is-video-frame-minus-1"
    cams = [load_poses(json_dir / f"cam0{i}_json") for i in range(1, 5)]
    for i, j in [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]:
        a, b = cams[i].shifted(7), cams[j]
        for guess in (7 - 4.0, 7 + 4.0):
            ref = refine_offset(a, b, guess)
            assert ref.accepted, (i, j, guess, ref.reason)
            assert abs(ref.offset_frames - 7) <= 1.0, (i, j, guess, ref.offset_frames)
            assert ref.confidence > 0.5


def test_narrow_second_search_keeps_the_wide_minimum_on_exact_views():
    body = moving_body(200, seed=1)
    a = view(body, 0.0, slice(20, 170))
    b = view(body, 100.0, slice(27, 177))  # true offset -7
    wide_only = refine_offset(a, b, -4.0, polish=False)
    polished = refine_offset(a, b, -4.0)
    assert wide_only.accepted and polished.accepted
    assert wide_only.offset_frames == wide_only.wide_offset_frames
    assert polished.wide_offset_frames == pytest.approx(wide_only.offset_frames)
    assert polished.offset_frames == pytest.approx(-7.0, abs=0.1)


class _FixedCoarse:
    """A stand-in coarse method: answers ``offset`` for (A, B) and ``-offset`` for (B, A)."""

    name = "fixed"

    def __init__(self, first, offset):
        self.first, self.offset = first, offset

    def estimate(self, track_a, track_b, *, bounds=None):
        from videosync.sync.methods.base import PairEstimate

        k = self.offset if track_a is self.first else -self.offset
        return PairEstimate("fixed", k, k / track_b.fps, 1.0, 0.1, track_a.fps, track_b.fps)


def test_refined_offset_does_not_depend_on_which_input_is_the_reference(demo_dir):
    """Each direction interpolates only the second view; their mean is antisymmetric exactly."""
    from videosync.poses import load_poses

    json_dir = demo_dir / "single-person" / "pose-json-index-is-video-frame-minus-1"
    a, b = load_poses(json_dir / "cam01_json").shifted(7), load_poses(json_dir / "cam03_json")
    method = RefinedMethod(_FixedCoarse(a, 9.0))
    ab, ba = method.estimate(a, b), method.estimate(b, a)
    assert ab.diagnostics["refinement"].accepted and ab.diagnostics["refinement_reverse"].accepted
    assert ab.offset_frames == pytest.approx(-ba.offset_frames, abs=1e-9)
    assert abs(ab.offset_frames - 7) <= 1.0


def _closed_up(track: PoseTrack, lost: slice) -> PoseTrack:
    """``track`` without the frames ``lost``, its frame numbers closed up (no gap left)."""
    keep = np.ones(len(track), bool)
    keep[lost] = False
    kept = track.select(keep)
    return kept.with_keypoints(kept.keypoints, np.arange(len(kept)))


def test_an_offset_that_slides_over_the_recording_is_not_reported_with_confidence():
    """B lost frames without gaps in its numbering (a constant-rate file from a camera that
    dropped frames): its second half is shifted against A. The halves disagree, so the pair gets
    confidence 0 and a note; the same views without drops give one offset and no note."""
    body = moving_body(420, seed=5)
    a = view(body, 0.0, slice(20, 400))
    b = view(body, 80.0, slice(25, 405))  # true offset -5
    clean = RefinedMethod(_FixedCoarse(a, -5.5)).estimate(a, b)
    (k1, k2), _centres = clean.diagnostics["halves"]
    assert clean.notes == [] and abs(k2 - k1) < 0.5 and clean.confidence > 0.5
    slid = _closed_up(b, slice(200, 380, 20))  # 9 frames lost in B's second half
    est = RefinedMethod(_FixedCoarse(a, -5.5)).estimate(a, slid)
    assert est.confidence == 0.0 and len(est.notes) == 1 and "not constant" in est.notes[0]


def test_only_a_minimum_at_the_first_or_last_searched_offset_is_at_the_edge():
    """A distinct minimum at the window's end is ``at_edge`` (its offset the edge); one inside
    the window beside an offset too few joints scored (NaN) is refused the same way but is not
    at the edge: the best offset need not lie beyond the window."""
    from videosync.sync.refine import Refinement, _minimum

    shifts = np.arange(-2.0, 3.0)  # -2 .. +2
    for errors, edge in (([0.5, 2, 2, 2, 2], -2.0), ([2, 2, 2, 2, 0.5], 2.0), ([2, np.nan, 0.5, 2, 2], None)):
        out = Refinement(0.0, False, "", 0.0, shifts, np.array(errors, float), np.ones(5))
        assert _minimum(out, 100.0, [0.0, 0.0], 1.0, 0.15) is None
        assert "edge" in out.reason and out.edge_offset == edge and out.at_edge == (edge is not None)


def test_a_half_whose_minimum_lies_at_the_search_edge_counts_as_a_slide():
    """The halves search +-7.5 frames (0.25 s at 30 fps) around the whole answer. 10 frames of B
    lost at once where A's second half starts: that half's offset is -15, its minimum at the
    window's edge (-13); searched again around the edge, it is found (-15). Lost at B's frame
    260 instead, the second half straddles the drop (-5, then -15): searched again it is still
    inconclusive, and the edge (-12.6, the nearest offset its evidence allows) stands for it.
    Either way the halves disagree by more than DRIFT_FRAMES: confidence 0 and the note, where
    the second half used to count as no test at all."""
    body = moving_body(420, seed=5)
    a = view(body, 0.0, slice(20, 400))
    b = view(body, 80.0, slice(25, 405))  # true offset -5
    method = RefinedMethod(_FixedCoarse(a, -5.5))
    jumped = _closed_up(b, slice(186, 196))  # B frames 186..195 = A frames 191..200
    second = a.select(a.frame_index >= 191)
    assert refine_offset(second, jumped, -5.5).edge_offset == pytest.approx(-5.5 - 7.5)
    assert method._half(second, jumped, -5.5, 1.0) == pytest.approx(-15, abs=0.5)
    est = method.estimate(a, _closed_up(b, slice(260, 270)))
    (k1, k2), _centres = est.diagnostics["halves"]
    assert k1 == pytest.approx(-5, abs=0.5) and k2 == pytest.approx(est.offset_frames - 7.5, abs=0.01)
    assert est.confidence == 0.0 and sum("not constant" in n for n in est.notes) == 1


def test_two_search_directions_that_disagree_leave_the_coarse_offset(monkeypatch):
    """Forward says +3.0, the reverse search -0.5 (i.e. +0.5 in B's frames): 2.5 frames apart,
    more than DIRECTIONS_AGREE_FRAMES, so neither is used and the coarse offset stands. Reverse
    -2.0 (+2.0) agrees within 1 frame: the mean, 2.5."""
    from videosync.sync.methods import refined
    from videosync.sync.refine import Refinement

    body = moving_body(60, seed=2)
    a, b = view(body, 0.0, slice(0, 60)), view(body, 60.0, slice(0, 60))
    answers = {}

    def fake_refine(track_a, track_b, offset, rate=1.0, **_kw):
        return Refinement(answers[track_a is a], True, "", offset)

    monkeypatch.setattr(refined, "refine_offset", fake_refine)
    method = RefinedMethod(_FixedCoarse(a, 1.0))
    answers.update({True: 3.0, False: -0.5})
    est = method.estimate(a, b)
    assert est.offset_frames == 1.0 and "disagree" in est.diagnostics["refinement_rejected"]
    answers.update({True: 3.0, False: -2.0})
    est = method.estimate(a, b)
    assert est.offset_frames == pytest.approx(2.5) and "refinement_rejected" not in est.diagnostics


def test_a_single_conclusive_search_direction_leaves_the_coarse_offset(monkeypatch):
    """Forward finds +3.0, the reverse search has no distinct minimum: one direction alone is no
    answer (see REQUIRE_BOTH_DIRECTIONS), so the coarse +1.0 and its confidence stand."""
    from videosync.sync.methods import refined
    from videosync.sync.refine import Refinement

    body = moving_body(60, seed=2)
    a, b = view(body, 0.0, slice(0, 60)), view(body, 60.0, slice(0, 60))

    def fake_refine(track_a, track_b, offset, rate=1.0, **_kw):
        if track_a is a:
            return Refinement(3.0, True, "", offset, contrast=0.9, relative_error=0.001)
        return Refinement(-offset, False, "no distinct geometric minimum", -offset)

    monkeypatch.setattr(refined, "refine_offset", fake_refine)
    est = RefinedMethod(_FixedCoarse(a, 1.0)).estimate(a, b)
    assert est.offset_frames == 1.0 and est.confidence == 0.1
    assert "only one" in est.diagnostics["refinement_rejected"]


class _CoarseWithRival(_FixedCoarse):
    """A stand-in coarse method whose matching also supports ``rival`` (at 0.8 of the chosen
    offset's support: uniqueness 0.4) and says so in a note."""

    def __init__(self, first, offset, rival):
        super().__init__(first, offset)
        self.rival = rival

    def estimate(self, track_a, track_b, *, bounds=None):
        import dataclasses
        from types import SimpleNamespace

        from videosync.sync.methods.base import rival_note

        est = super().estimate(track_a, track_b)
        sign = 1.0 if track_a is self.first else -1.0
        fit = SimpleNamespace(uniqueness=0.4, runner_up_ratio=0.8, runner_up_offset=sign * self.rival)
        return dataclasses.replace(est, fit=fit, notes=[rival_note(sign * self.rival, 0.8)])


def test_a_rival_is_taken_only_against_a_conclusive_geometry():
    """True offset +6. A matching that chose +26 with a rival at +6: the geometry is silent at
    +26 (the views do not fit any nearby offset) and conclusive at +6, but a silent search says
    nothing against an offset (see RIVAL_ERROR_RATIO), so +26 stands with the matching's
    confidence and its note naming +6. A matching that chose +6 with a rival at +26 gets the
    geometry at +6 and keeps its note about the rival, whose search is silent."""
    body = moving_body(200, seed=3)
    a = view(body, 0.0, slice(20, 170))
    b = view(body, 70.0, slice(14, 164))  # A's frame i is B's frame i + 6
    est = RefinedMethod(_CoarseWithRival(a, 26.0, 6.0)).estimate(a, b)
    assert est.offset_frames == 26.0 and est.confidence == 0.1
    assert "refinement_rival" not in est.diagnostics
    assert len(est.notes) == 1 and est.notes[0].startswith("another offset, +6.0 frames")
    kept = RefinedMethod(_CoarseWithRival(a, 6.0, 26.0)).estimate(a, b)
    assert kept.offset_frames == pytest.approx(6.0, abs=0.1) and "refinement_rival" not in kept.diagnostics
    assert len(kept.notes) == 1 and kept.notes[0].startswith("another offset, +26.0 frames")


@pytest.mark.parametrize("rival_error,taken", [(0.0085, True), (0.0095, False)])
def test_the_rival_needs_a_clearly_smaller_epipolar_error(monkeypatch, rival_error, taken):
    """Both offsets conclusive: the chosen +1 with a median epipolar error of 1.0 % of the
    person's size, the rival +21 with 0.85 % (below RIVAL_ERROR_RATIO = 0.9 of it: taken) or
    0.95 % (not: the matching's choice stands)."""
    from videosync.sync.methods import refined
    from videosync.sync.refine import Refinement

    body = moving_body(60, seed=2)
    a, b = view(body, 0.0, slice(0, 60)), view(body, 60.0, slice(0, 60))

    def fake_refine(track_a, track_b, offset, rate=1.0, **_kw):
        near_rival = abs(abs(offset) - 21.0) < 1
        return Refinement(offset, True, "", offset, contrast=0.9,
                          relative_error=rival_error if near_rival else 0.010)

    monkeypatch.setattr(refined, "refine_offset", fake_refine)
    est = RefinedMethod(_CoarseWithRival(a, 1.0, 21.0)).estimate(a, b)
    assert est.offset_frames == (21.0 if taken else 1.0)
    assert ("refinement_rival" in est.diagnostics) == taken
    if taken:  # contrast 0.9, error 0.85 %: the geometry's confidence 1, times uniqueness 0.4
        assert est.confidence == pytest.approx(0.4)
        assert est.notes == ["the matching supported +1.0 frames almost as well (80%): the motion "
                             "seems to repeat; the two views' geometry fits this offset better "
                             "(median epipolar error 0.85% of the person's size against 1.00%)"]
    else:
        assert len(est.notes) == 1 and est.notes[0].startswith("another offset, +21.0 frames")


def test_the_refinement_never_answers_outside_the_bounds():
    """True offset -7, coarse guess -5: unbounded, the geometry finds -7. Allowed +-6 frames, the
    same conclusive minimum lies outside: not accepted (the coarse offset stays), and where it
    lies is kept. Allowed +-10, the bound changes nothing."""
    from videosync.sync.bounds import OffsetBounds

    body = moving_body(200, seed=1)
    a, b = view(body, 0.0, slice(20, 170)), view(body, 100.0, slice(27, 177))
    free = refine_offset(a, b, -5.0)
    assert free.accepted and free.offset_frames == pytest.approx(-7.0, abs=0.25)
    cut = refine_offset(a, b, -5.0, bounds=OffsetBounds(6))
    assert not cut.accepted and cut.offset_frames == -5.0 and "outside the allowed" in cut.reason
    assert cut.beyond_bounds == pytest.approx(free.wide_offset_frames)
    wide = refine_offset(a, b, -5.0, bounds=OffsetBounds(10))
    assert wide.accepted and wide.offset_frames == free.offset_frames


def test_timing_rows_keep_the_frames_whose_joints_move_most_in_frame_order():
    from videosync.sync.refine import _timing_rows

    speed = np.zeros((6, 17))
    speed[[1, 4, 5], 0] = [3.0, 1.0, 2.0]  # squared: 9, 1, 4
    rows = np.array([0, 1, 2, 4, 5])  # frame 3 is not usable
    np.testing.assert_array_equal(_timing_rows(rows, speed, limit=2), [1, 5])
    np.testing.assert_array_equal(_timing_rows(rows, speed, limit=5), rows)


def test_a_long_track_is_refined_on_its_moving_frames_only(monkeypatch):
    """With room for 60 frames of 150, the moving part of A still pins the exact offset, though
    most of A stands still."""
    import videosync.sync.refine as refine

    body = moving_body(200, seed=1)
    body[:120] = body[120]  # the first 120 frames stand still
    a = view(body, 0.0, slice(20, 170))
    b = view(body, 100.0, slice(27, 177))
    monkeypatch.setattr(refine, "REFINE_MAX_FRAMES", 60)
    ref = refine_offset(a, b, -7 + 2.0)
    assert ref.accepted, ref.reason
    assert ref.offset_frames == pytest.approx(-7.0, abs=0.25)

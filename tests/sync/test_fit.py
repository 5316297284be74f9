import numpy as np
import pytest

from videosync.errors import CannotSynchronizeError
from videosync.sync.bounds import OffsetBounds
from videosync.sync.fit import fit_offset


def test_hand_computed_line_with_one_outlier():
    i = np.arange(12.0)
    j = i + 5.0
    j[11] = 11 + 40.0
    fit = fit_offset(i, j)
    assert fit.offset_frames == pytest.approx(5.0)
    assert fit.n_pairs == 12 and fit.n_inliers == 11
    assert fit.inliers.tolist() == [True] * 11 + [False]
    assert fit.median_offset == pytest.approx(5.0)
    assert fit.inlier_ratio == pytest.approx(11 / 12)
    assert fit.confidence == pytest.approx(11 / 12)  # no chance level, no quality given
    assert fit.residual_std == pytest.approx(0.0)
    assert fit.rate == 1.0 and fit.rate_source == "nominal"


def test_subframe_offset_with_noise_and_outliers():
    rng = np.random.default_rng(0)
    i = np.arange(300.0)
    j = i + 7.3 + rng.normal(0, 0.2, 300)
    out = rng.random(300) < 0.3
    j[out] = rng.uniform(-200, 500, out.sum())
    fit = fit_offset(i, j)
    assert fit.offset_frames == pytest.approx(7.3, abs=0.05)
    assert abs(fit.n_inliers - (~out).sum()) <= 5


def test_majority_of_wrong_matches_defeats_the_median_not_the_fit():
    rng = np.random.default_rng(1)
    i = np.arange(400.0)
    j = i - 12.6 + rng.normal(0, 0.3, 400)
    out = rng.random(400) < 0.6
    j[out] = i[out] + rng.uniform(40, 300, out.sum())
    fit = fit_offset(i, j)
    assert fit.offset_frames == pytest.approx(-12.6, abs=0.1)
    assert abs(fit.median_offset - (-12.6)) > 20  # eq. 14 would be badly wrong here


def test_free_rate_recovers_25_over_30():
    rng = np.random.default_rng(2)
    i = np.arange(0, 900.0)
    j = i * 25 / 30 + 12.5 + rng.normal(0, 0.3, len(i))
    j[::5] = rng.uniform(0, 750, len(j[::5]))
    fit = fit_offset(i, j, nominal_rate=1.0, estimate_rate=True)
    assert fit.rate_source == "estimated"
    assert fit.rate == pytest.approx(25 / 30, abs=1e-3)
    assert fit.offset_frames == pytest.approx(12.5, abs=0.2)
    nominal = fit_offset(i, j, nominal_rate=25 / 30)
    assert nominal.rate == 25 / 30 and nominal.offset_frames == pytest.approx(12.5, abs=0.1)


@pytest.mark.parametrize("seed", range(10))
def test_noise_does_not_invent_a_rate(seed):
    rng = np.random.default_rng(seed)
    i = np.sort(rng.choice(2000, 600, replace=False)).astype(float)
    j = i + 3.0 + rng.normal(0, 0.5, len(i))
    j[rng.random(len(i)) < 0.2] = rng.uniform(0, 2000, 1)[0]
    fit = fit_offset(i, j, estimate_rate=True, seed=seed)
    assert fit.rate == 1.0 and fit.rate_source == "nominal"
    assert fit.rate_estimate == pytest.approx(1.0, abs=1e-3)
    assert fit.offset_frames == pytest.approx(3.0, abs=0.1)


def test_confidence_low_for_random_matches_high_for_clean():
    rng = np.random.default_rng(3)
    i = np.arange(500.0)
    cand = np.full(500, 500)
    random_fit = fit_offset(i, rng.integers(0, 500, 500).astype(float), n_candidates=cand,
                            quality=rng.uniform(0, 0.2, 500), b_range=(0, 499), min_inliers=3)
    assert random_fit.confidence < 0.05
    clean = fit_offset(i, i + 4.0, n_candidates=cand, quality=np.full(500, 0.9), b_range=(0, 499))
    assert clean.confidence == pytest.approx(1.0 * (0.5 + 0.5 * 0.9))


def test_inlier_ratio_counts_only_frames_inside_b():
    rng = np.random.default_rng(4)
    i = np.arange(300.0)
    j = i - 100.0  # B (frames 0..199) starts at A's frame 100
    j[:100] = rng.uniform(0, 199, 100)  # A frames B never saw: garbage matches
    fit = fit_offset(i, j, b_range=(0, 199))
    assert fit.offset_frames == pytest.approx(-100)
    assert fit.n_overlap == 202  # predicted partner within tolerance (2) of B: A frames 98..299
    assert fit.inlier_ratio >= 200 / 202
    assert fit_offset(i, j).inlier_ratio < 0.75  # without b_range the unseen frames count


def test_errors_name_the_problem():
    with pytest.raises(CannotSynchronizeError, match="only 5 frames could be matched"):
        fit_offset(np.arange(5.0), np.arange(5.0))
    rng = np.random.default_rng(5)
    with pytest.raises(CannotSynchronizeError, match="agree on one offset"):
        fit_offset(np.arange(30.0), rng.uniform(-1e4, 1e4, 30))
    with pytest.raises(CannotSynchronizeError):
        fit_offset(np.full(20, np.nan), np.zeros(20))


def test_a_rate_beyond_the_allowed_factor_is_not_used():
    """Matches that crawl along B (j = 0.3 i + 10, as features that depend on the frame rate give)
    against a nominal 60 -> 30 fps ratio of 0.5. A factor-2 band (0.25..1, for labels that may be
    wrong) takes the line at 0.3; with two videos' rates (factor 1.05, band 0.476..0.525) it is
    refused and the nominal rate kept, while a real 2 % difference is still estimated."""
    i = np.arange(0, 60.0)
    crawl = 0.3 * i + 10
    loose = fit_offset(i, crawl, nominal_rate=0.5, estimate_rate=True, max_rate_factor=2.0)
    assert loose.rate_source == "estimated" and loose.rate == pytest.approx(0.3, abs=1e-6)
    fit = fit_offset(i, crawl, nominal_rate=0.5, estimate_rate=True, max_rate_factor=1.05)
    assert fit.rate == 0.5 and fit.rate_source == "nominal"
    # the nominal line j = 0.5 i + b meets the crawl (slope 0.2 apart) within +-2 frames of B over
    # 4 / 0.2 = 20 frames of A at most: 21 of the 60 pairs
    assert fit.n_inliers <= 21
    drift = 0.51 * i + 3
    fit = fit_offset(i, drift, nominal_rate=0.5, estimate_rate=True, max_rate_factor=1.05)
    assert fit.rate_source == "estimated" and fit.rate == pytest.approx(0.51, abs=1e-6)
    assert fit.offset_frames == pytest.approx(3, abs=1e-6)


def test_a_rival_offset_takes_the_confidence_away_in_proportion():
    """60 frames vote for +3, 36 for +18 (a period later), 4 scattered: the rival holds 36/60 =
    0.6 of the winner's support, so uniqueness = (1 - 0.6) / 0.5 = 0.8 multiplies the confidence
    (60 / 100 inliers, no quality or chance given: 0.6 x 0.8). An equal rival leaves nothing; a
    rival under half the winner's support costs nothing."""
    i = np.arange(100, dtype=float)
    j = i + 3.0
    j[60:96] = i[60:96] + 18.0
    j[96:] = i[96:] + np.array([-40.0, -30.0, 40.0, 50.0])
    fit = fit_offset(i, j, separation=6.0)
    assert fit.offset_frames == pytest.approx(3.0) and fit.n_inliers == 60
    assert fit.runner_up_ratio == pytest.approx(0.6) and fit.uniqueness == pytest.approx(0.8)
    assert fit.runner_up_offset == pytest.approx(18.0)
    assert fit.confidence == pytest.approx(0.6 * 0.8)
    j[60:96] = i[60:96] + 200.0 * (np.arange(36) % 2 - 0.5)  # the 36 scattered instead
    assert fit_offset(i, j, separation=6.0).uniqueness == 1.0
    j[:50], j[50:] = i[:50] + 3.0, i[50:] + 18.0
    assert fit_offset(i, j, separation=6.0).confidence == 0.0


def test_soft_votes_choose_between_periodic_offsets():
    """Walking: 40 argmax matches at +25 (a stride later), 30 at the true +5, 30 scattered. The
    soft votes, which keep every row's runner-up, peak at +5 (1.0) with a rival at +25 (0.8):
    the fit takes +5 and its 30 agreeing matches; agreement 30 / 100, uniqueness from the soft
    votes (1 - 0.8) / 0.5 = 0.4, so the confidence is 0.3 x 0.4. With only 2
    argmax matches near the soft mode, the argmax window stands; with none anywhere near 10,
    nothing is synchronized, whatever the soft votes say."""
    i = np.arange(100, dtype=float)
    j = i + 5.0
    j[30:70] = i[30:70] + 25.0
    k = np.arange(30)
    j[70:] = i[70:] + np.where(k % 2, -1, 1) * (40 + 4.5 * k)  # scattered, 9 or more apart
    offsets = np.arange(-40, 41)
    weights = np.exp(-0.5 * (offsets - 5.0) ** 2) + 0.8 * np.exp(-0.5 * (offsets - 25.0) ** 2)
    assert fit_offset(i, j).offset_frames == pytest.approx(25.0)
    fit = fit_offset(i, j, votes=(offsets, weights))
    assert fit.offset_frames == pytest.approx(5.0) and fit.n_inliers == 30
    assert fit.runner_up_ratio == pytest.approx(0.8) and fit.uniqueness == pytest.approx(0.4)
    assert fit.runner_up_offset == pytest.approx(25.0)
    assert fit.confidence == pytest.approx(0.3 * 0.4)
    j[2:30] = i[2:30] + np.linspace(-60, -30, 28)  # 2 matches left at +5
    assert fit_offset(i, j, votes=(offsets, weights)).offset_frames == pytest.approx(25.0)
    j[30:70] = i[30:70] + np.linspace(-300, 300, 40)
    with pytest.raises(CannotSynchronizeError, match="agree on one offset"):
        fit_offset(i, j, votes=(offsets, weights))


def test_offset_range_chooses_inside_it_and_counts_the_evidence_outside():
    """60 argmax matches at +40 (outside a +-30 search), 30 at +10 (inside), 10 scattered. With
    no range the fit takes +40. With (-30, 30) it takes +10, and the 60 matches at +40 still
    count as pairs that disagree: agreement 30 / 100. The soft votes peak at +40 (1.0) with +10
    at 0.5 and -20 at 0.4: inside the range +10 wins, its only rival is -20 (0.4 / 0.5 = 0.8 of
    it), uniqueness (1 - 0.8) / 0.5 = 0.4, confidence 0.3 x 0.4."""
    i = np.arange(100, dtype=float)
    j = i + 40.0
    j[60:90] = i[60:90] + 10.0
    j[90:] = i[90:] + np.array([-90.0, -80.0, -70.0, -60.0, 60.0, 70.0, 80.0, 90.0, 100.0, 110.0])
    assert fit_offset(i, j).offset_frames == pytest.approx(40.0)
    fit = fit_offset(i, j, bounds=OffsetBounds(30))
    assert fit.offset_frames == pytest.approx(10.0) and fit.n_inliers == 30
    assert fit.confidence == pytest.approx(0.3)  # no rival inside the range
    offsets = np.arange(-60, 61)
    weights = (np.exp(-0.5 * (offsets - 40.0) ** 2) + 0.5 * np.exp(-0.5 * (offsets - 10.0) ** 2)
               + 0.4 * np.exp(-0.5 * (offsets + 20.0) ** 2))
    assert fit_offset(i, j, votes=(offsets, weights)).offset_frames == pytest.approx(40.0)
    fit = fit_offset(i, j, votes=(offsets, weights), bounds=OffsetBounds(30))
    assert fit.offset_frames == pytest.approx(10.0)
    assert fit.runner_up_ratio == pytest.approx(0.8) and fit.uniqueness == pytest.approx(0.4)
    assert fit.confidence == pytest.approx(0.3 * 0.4)
    with pytest.raises(CannotSynchronizeError, match="agree on one offset"):
        fit_offset(i, j, bounds=OffsetBounds(5))


def test_the_shoulder_of_a_broad_peak_is_no_rival_offset():
    """Soft votes falling off slowly from +5 (a Gaussian of width 6): the most votes 6 frames
    away, at -1 and +11 (e^-0.5 = 0.61 of the mode), cost confidence as before, but they are the
    same peak's shoulder, not a second offset, so no rival offset is named. A second bump at +30
    (0.7) is one."""
    i = np.arange(100, dtype=float)
    j = i + 5.0
    offsets = np.arange(-40, 41)
    weights = np.exp(-0.5 * ((offsets - 5.0) / 6.0) ** 2)
    fit = fit_offset(i, j, votes=(offsets, weights), separation=6.0)
    assert fit.runner_up_ratio == pytest.approx(np.exp(-0.5)) and fit.runner_up_offset is None
    weights = weights + 0.7 * np.exp(-0.5 * (offsets - 30.0) ** 2)
    fit = fit_offset(i, j, votes=(offsets, weights), separation=6.0)
    assert fit.runner_up_offset == pytest.approx(30.0)
    assert fit.runner_up_ratio == pytest.approx(0.7 + np.exp(-0.5 * (25 / 6) ** 2))


def test_an_offset_held_at_the_bound_is_not_confident_when_the_matches_point_beyond():
    """Half the pairs at +31, half at +33 (all within the tolerance of 2 of their mean, +32).
    Allowed +-31.6: the offset is held at 31.6, 0.4 frame from where the matches point, which
    frame accuracy allows: confidence as without a bound. Allowed +-31.4: 0.6 frame away, the
    bound cut off the answer: confidence 0 and ``beyond_bounds`` = +32."""
    i = np.arange(100, dtype=float)
    j = i + np.where(i % 2 == 0, 31.0, 33.0)
    free = fit_offset(i, j)
    assert free.offset_frames == pytest.approx(32.0) and free.beyond_bounds is None
    near = fit_offset(i, j, bounds=OffsetBounds(31.6))
    assert near.offset_frames == pytest.approx(31.6) and near.beyond_bounds is None
    assert near.confidence == pytest.approx(free.confidence)
    cut = fit_offset(i, j, bounds=OffsetBounds(31.4))
    assert cut.offset_frames == pytest.approx(31.4) and cut.confidence == 0.0
    assert cut.beyond_bounds == pytest.approx(32.0)

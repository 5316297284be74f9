import numpy as np
import pytest

from videosync.errors import CannotSynchronizeError
from videosync.sync.matching import _chunk_rows, match_frames


def _brute_force(fa, fb, valid_b=None, lo=None, hi=None):
    d2 = ((fa[:, None, :].astype(np.float64) - fb[None, :, :]) ** 2).sum(-1)
    if valid_b is not None:
        d2[:, ~valid_b] = np.inf
    if lo is not None:
        n = np.arange(fb.shape[0])
        d2[(n[None, :] < lo[:, None]) | (n[None, :] > hi[:, None])] = np.inf
    return d2.argmin(1), d2


def test_hand_computed_matches_peaks_and_scale():
    fa = np.array([[0, 0], [1, 0], [3, 0]], np.float32)
    fb = np.array([[1, 0], [0, 0], [3.2, 0], [10, 0]], np.float32)
    m = match_frames(fa, fb)
    assert m.rows.tolist() == [0, 1, 2]
    assert m.cols.tolist() == [1, 0, 2]
    np.testing.assert_allclose(m.d2_best, [0, 0, 0.04], atol=1e-5)
    # all 12 squared distances: 0 0 .04 1 1 4 4.84 9 10.24 49 81 100 -> median (4 + 4.84) / 2
    assert m.scale == pytest.approx(4.42, rel=1e-5)
    t = 0.1 * 4.42
    row0 = np.array([1.0, 0.0, 10.24, 100.0])  # distances of fa[0] to every column
    np.testing.assert_allclose(m.peak[0], 1.0 / np.exp(-row0 / t).sum(), rtol=1e-5)
    assert m.n_candidates.tolist() == [4, 4, 4]


def test_invalid_rows_and_columns_are_excluded():
    fa = np.array([[0, 0], [1, 0], [3, 0]], np.float32)
    fb = np.array([[1, 0], [0, 0], [3.2, 0], [10, 0]], np.float32)
    m = match_frames(fa, fb, valid_a=np.array([True, False, True]),
                     valid_b=np.array([True, False, True, True]))
    assert m.rows.tolist() == [0, 2]
    assert m.cols.tolist() == [0, 2]  # row 0's exact partner (column 1) is invalid
    assert m.n_candidates.tolist() == [3, 3]


def test_nan_rows_are_invalid():
    fa = np.array([[0, 0], [np.nan, 0], [3, 0]], np.float32)
    fb = np.array([[1, 0], [0, 0], [3.2, 0]], np.float32)
    m = match_frames(fa, fb)
    assert m.rows.tolist() == [0, 2]


@pytest.mark.parametrize("chunk_rows", [1, 7, 1000])
def test_chunked_equals_unchunked_brute_force(chunk_rows):
    rng = np.random.default_rng(3)
    fa = rng.normal(size=(60, 8)).astype(np.float32)
    fb = rng.normal(size=(80, 8)).astype(np.float32)
    vb = rng.random(80) > 0.2
    expected, d2 = _brute_force(fa, fb, vb)
    m = match_frames(fa, fb, valid_b=vb, chunk_rows=chunk_rows)
    assert m.cols.tolist() == expected.tolist()
    np.testing.assert_allclose(m.d2_best, d2.min(1), rtol=1e-4, atol=1e-4)
    ref = match_frames(fa, fb, valid_b=vb)
    np.testing.assert_allclose(m.peak, ref.peak, rtol=1e-5)
    np.testing.assert_allclose(m.distinctiveness, ref.distinctiveness, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("chunk_rows", [None, 5])
def test_band_restricts_candidates_like_a_masked_full_matrix(chunk_rows):
    rng = np.random.default_rng(4)
    fa = rng.normal(size=(50, 6)).astype(np.float32)
    fb = rng.normal(size=(70, 6)).astype(np.float32)
    rate, centre, max_offset = 1.2, 3.0, 5
    rows = np.arange(50)
    lo = np.clip(np.ceil(rows * rate + centre - max_offset), 0, 70).astype(int)
    hi = np.clip(np.floor(rows * rate + centre + max_offset), -1, 69).astype(int)
    expected, _ = _brute_force(fa, fb, lo=lo, hi=hi)
    m = match_frames(fa, fb, band=max_offset, rate=rate, centre=centre, chunk_rows=chunk_rows)
    keep = hi >= lo
    assert m.rows.tolist() == rows[keep].tolist()
    assert m.cols.tolist() == expected[keep].tolist()
    assert m.n_candidates.tolist() == (hi - lo + 1)[keep].tolist()
    assert m.n_candidates.max() == 11


def test_band_and_full_agree_when_band_holds_the_answer():
    rng = np.random.default_rng(5)
    base = rng.normal(size=(120, 10)).astype(np.float32)
    fa, fb = base[10:90], base[:110]  # fa row m == fb row m + 10
    full = match_frames(fa, fb)
    band = match_frames(fa, fb, band=15, centre=10.0, chunk_rows=9)
    assert full.cols.tolist() == (np.arange(80) + 10).tolist()
    assert band.cols.tolist() == full.cols.tolist()


def test_subframe_refinement_is_exact_for_quadratic_distances():
    v = np.array([0.3, -0.2, 0.5], np.float32)
    fa = np.arange(20, dtype=np.float32)[:, None] * v
    fb = (np.arange(30, dtype=np.float32)[:, None] + 0.3) * v  # fb row n shows time n + 0.3
    m = match_frames(fa, fb)
    inner = (m.cols > 0) & (m.cols < 29)
    np.testing.assert_allclose(m.cols_refined[inner], (m.rows - 0.3)[inner], atol=1e-3)


def test_distinctiveness_one_for_unique_zero_for_twin_matches():
    fa = np.array([[0.0], [5.0]], np.float32)
    fb = np.array([[0.0], [4.0], [8.0], [4.0], [5.0], [9.0], [12.0], [5.0], [20.0]], np.float32)
    m = match_frames(fa, fb, exclusion=1)
    assert m.distinctiveness[0] == pytest.approx(1.0)  # exact match, rivals are farther
    assert m.distinctiveness[1] == pytest.approx(0.0)  # two exact matches four columns apart


def test_pca_keeps_matches_of_low_rank_features():
    rng = np.random.default_rng(6)
    latent = np.cumsum(rng.normal(size=(150, 3)), axis=0)
    mix = rng.normal(size=(3, 40))
    f = (latent @ mix).astype(np.float32)
    fa, fb = f[20:120], f
    plain = match_frames(fa, fb)
    reduced = match_frames(fa, fb, pca_dims=3)
    assert reduced.cols.tolist() == plain.cols.tolist() == (np.arange(100) + 20).tolist()


def test_pca_from_fewer_rows_than_dimensions_keeps_the_distances_of_low_rank_features():
    """Features of rank 3 in 40 dimensions: 3 components keep every distance (the basis from
    the rows' Gram matrix, 30 rows < 40 dimensions, spans the same space as the covariance's)."""
    from videosync.sync.matching import pca_project

    rng = np.random.default_rng(7)
    f = (rng.normal(size=(150, 3)) @ rng.normal(size=(3, 40))).astype(np.float32)
    ok = np.ones(150, bool)
    for rows in (30, 10000):
        pa, pb = pca_project(f[:100], f, 3, valid_a=ok[:100], valid_b=ok, max_fit_rows=rows)
        assert np.linalg.norm(pa[:, None] - pb[None], axis=2) == pytest.approx(
            np.linalg.norm(f[:100, None] - f[None], axis=2), abs=1e-3)


def test_chunk_size_bounds_block_memory():
    budget = 32 * 2**20
    rows = _chunk_rows(20000, None, 1.0, budget)
    assert rows * 20000 * 4 <= budget and rows >= 100
    rows = _chunk_rows(20000, 300, 1.0, budget)
    assert rows * (601 + rows + 1) * 4 <= budget


def test_errors():
    f = np.zeros((5, 3), np.float32)
    with pytest.raises(CannotSynchronizeError, match="no motion"):
        match_frames(f, f)
    with pytest.raises(CannotSynchronizeError, match="first input"):
        match_frames(f, f, valid_a=np.zeros(5, bool))
    with pytest.raises(ValueError):
        match_frames(f, np.zeros((5, 4), np.float32))


def _votes_at(m, offset):
    return float(m.votes.votes[list(m.votes.offsets).index(offset)])


def test_soft_votes_hand_computed_both_directions():
    """fa = [0, 1], fb = [0, 1, 3] (1-D). Squared distances: row 0 (0, 1, 9), row 1 (1, 0, 4);
    their median is 1, so with temperature 1 each row's softmax is exp(-d2) normalised. Row
    votes go to offsets n - m; the column pass normalises each column of B over A's rows."""
    fa = np.array([[0.0], [1.0]], np.float32)
    fb = np.array([[0.0], [1.0], [3.0]], np.float32)
    e = np.exp
    r0 = np.array([1, e(-1), e(-9)]) / (1 + e(-1) + e(-9))  # offsets 0, 1, 2
    r1 = np.array([e(-1), 1, e(-4)]) / (e(-1) + 1 + e(-4))  # offsets -1, 0, 1
    c0 = np.array([1, e(-1)]) / (1 + e(-1))  # B0 vs A0, A1: offsets 0, -1
    c1 = np.array([e(-1), 1]) / (e(-1) + 1)  # B1: offsets 1, 0
    c2 = np.array([e(-9), e(-4)]) / (e(-9) + e(-4))  # B2: offsets 2, 1
    expected = {-1: r1[0] + c0[1], 0: r0[0] + r1[1] + c0[0] + c1[1],
                1: r0[1] + r1[2] + c1[0] + c2[1], 2: r0[2] + c2[0]}
    m = match_frames(fa, fb, temperature=1.0)
    for offset, value in expected.items():
        assert _votes_at(m, offset) == pytest.approx(value, rel=1e-5)
    assert m.votes.votes.sum() == pytest.approx(2 + 3)  # one vote per row of A and per row of B
    rows_only = match_frames(fa, fb, temperature=1.0, symmetric_votes=False)
    assert _votes_at(rows_only, 0) == pytest.approx(r0[0] + r1[1], rel=1e-5)
    assert rows_only.votes.votes.sum() == pytest.approx(2)


def test_fractional_offsets_split_between_neighbour_bins():
    from videosync.sync.matching import VoteProfile

    votes = VoteProfile(origin=-2, votes=np.zeros(5))
    votes.add(np.array([1.0, 2.0]), np.array([0.25, -2.0]))
    np.testing.assert_allclose(votes.votes, [2.0, 0.0, 0.75, 0.25, 0.0])
    assert votes.offsets.tolist() == [-2, -1, 0, 1, 2]


@pytest.mark.parametrize("rate,max_offset,chunk_rows", [(1.0, None, 7), (1.2, 6, 5), (0.5, 4, None)])
def test_soft_votes_equal_a_brute_force_softmax_in_both_directions(rate, max_offset, chunk_rows):
    """Chunks, bands and the reverse pass give the same votes as one masked matrix."""
    rng = np.random.default_rng(8)
    fa = rng.normal(size=(30, 4)).astype(np.float32)
    fb = rng.normal(size=(40, 4)).astype(np.float32)
    vb = rng.random(40) > 0.2
    centre = 2.0
    m = match_frames(fa, fb, valid_b=vb, rate=rate, centre=centre, band=max_offset,
                     chunk_rows=chunk_rows, temperature=0.5)
    _, d2 = _brute_force(fa, fb, vb)
    rows, cols = np.meshgrid(np.arange(30), np.arange(40), indexing="ij")
    if max_offset is not None:
        d2[np.abs(cols - (rows * rate + centre)) > max_offset + 1e-9] = np.inf
    w = np.exp(-(d2 - np.nanmin(np.where(np.isfinite(d2), d2, np.nan), axis=None)) / (0.5 * m.scale))
    by_row = w / np.maximum(w.sum(1, keepdims=True), 1e-300)
    by_col = w / np.maximum(w.sum(0, keepdims=True), 1e-300)
    offsets = cols - rate * rows
    expected = np.zeros_like(m.votes.votes)
    for probs in (by_row, by_col):
        pos = offsets.ravel() - m.votes.origin
        k = np.floor(pos).astype(int)
        np.add.at(expected, k, probs.ravel() * (1 - (pos - k)))
        np.add.at(expected, np.minimum(k + 1, len(expected) - 1), probs.ravel() * (pos - k))
    np.testing.assert_allclose(m.votes.votes, expected, rtol=1e-4, atol=1e-9)


def test_pca_asked_for_more_components_than_rows_gives_as_many_as_rows():
    """12 rows cannot span 64 components: the projection has 12 columns, and every row of A is
    still nearest its own copy in B (a 40-frame clip crashed the time map's comparison, which asks
    for 64)."""
    from videosync.sync.matching import pca_project

    rng = np.random.default_rng(8)
    f = rng.normal(size=(6, 100)).astype(np.float32)
    ok = np.ones(6, bool)
    pa, pb = pca_project(f, f, 64, valid_a=ok, valid_b=ok)
    assert pa.shape == pb.shape == (6, 12) and np.isfinite(pa).all()
    assert np.argmin(np.linalg.norm(pa[:, None] - pb[None], axis=2), axis=1).tolist() == list(range(6))

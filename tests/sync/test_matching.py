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
    m = match_frames(fa, fb, max_offset=max_offset, rate=rate, centre=centre, chunk_rows=chunk_rows)
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
    band = match_frames(fa, fb, max_offset=15, centre=10.0, chunk_rows=9)
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

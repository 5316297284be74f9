"""Frame matching between two per-frame feature sequences (SeSyn-Net section 3.4, eqs. 1, 2, 13).

For every row ``m`` of ``Fa`` (M, C) we look for the column ``n`` of ``Fb`` (N, C) with the
largest similarity ``S(m, n) = -||Fa_m - Fb_n||^2`` (eq. 1). The paper turns each row of ``S``
into a distribution with a row softmax (eq. 2) and takes its argmax (eq. 13). The argmax does not
depend on the softmax, but *how peaked* the row is tells the offset fit how much to trust it, so
we keep two per-row measures:

* ``peak``: the row softmax's largest probability. Raw squared distances would saturate the
  softmax (features with thousands of dimensions have distances in the hundreds), so the logits
  are ``S / (temperature * scale)`` where ``scale`` is the median squared distance between a
  fixed, evenly spaced sample of valid rows of ``Fa`` and ``Fb``. With the default
  ``temperature=0.1`` a frame at the median distance is ``e^-10`` times less likely than a perfect
  match, whatever the feature dimension or units.
* ``distinctiveness``: ``1 - d_best / d_second`` (a Lowe ratio test on Euclidean distances), where
  ``d_second`` is the best *other* local minimum of the row's distance profile lying more than
  ``exclusion`` columns away from the best. Using local minima matters: with smooth features the
  columns next to the best one are almost as close and are the same valley, not a rival match.
  1 means one unambiguous match, ~0 means two equally good candidates.

The softmax also casts **soft votes** for offsets. Every entry ``(m, n)`` of the row softmax adds
its probability to the offset ``n - rate * m`` (linearly split between the two nearest whole
offsets), and with ``symmetric_votes`` a second pass does the same for the column softmax (the
best frame of A for each frame of B). The resulting :class:`VoteProfile` is what the offset fit
picks its offset from. Why not count only each row's argmax, as eq. 13 does: in periodic motion
(walking, waving) a row's argmax flips between the true partner and the one a step later on small
differences, so the argmax votes split almost evenly, whereas the probabilities keep the
evidence of every row, the runner-up's included, and of both directions (the measurements are in
``docs/design/tunables.md``).

Memory stays bounded for long recordings: rows are processed in chunks, and for each chunk the
squared distances come from one matrix product (``||a||^2 + ||b||^2 - 2 a.b``), so only a
``rows x columns`` block exists at any time (its size is set by ``max_block_bytes``). With
``band`` only a band of columns around the expected position of each row is considered
(``|n - (m * rate + centre)| <= band``), which makes the cost linear in the length.
``pca_dims`` optionally projects both sequences onto their leading principal components first,
which speeds up very long inputs with wide features at the cost of approximate distances.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import scipy.linalg

from videosync.errors import CannotSynchronizeError
from videosync.tunables import (
    DEFAULT_BLOCK_BYTES,
    DEFAULT_EXCLUSION,
    MATCH_TEMPERATURE,
    MIN_BAND_CHUNK,
    SCALE_SAMPLE,
)

log = logging.getLogger(__name__)

@dataclass
class MatchResult:
    """Best column for every valid row that had at least one valid candidate column.

    All arrays have one entry per matched row, in increasing row order.

    Attributes:
        rows: row indices ``m`` into ``Fa``.
        cols: argmax column ``o_m`` into ``Fb`` (eq. 13).
        cols_refined: ``cols`` plus a sub-frame correction from a parabola through the squared
            distances at ``o_m - 1, o_m, o_m + 1`` (clipped to +-0.5; unchanged at band edges).
        d2_best: squared distance of the best column.
        peak: largest probability of the row softmax (eq. 2), see the module docstring.
        distinctiveness: ``1 - d_best / d_second`` in [0, 1], see the module docstring.
        n_candidates: number of valid columns the row was compared with.
        scale: median squared distance used to set the softmax temperature.
        temperature: the temperature used (logits are ``-d2 / (temperature * scale)``).
        n_rows, n_cols: shapes of the inputs.
        votes: soft votes per offset ``n - rate * m`` (see the module docstring).
    """

    rows: np.ndarray
    cols: np.ndarray
    cols_refined: np.ndarray
    d2_best: np.ndarray
    peak: np.ndarray
    distinctiveness: np.ndarray
    n_candidates: np.ndarray
    scale: float
    temperature: float
    n_rows: int
    n_cols: int
    votes: VoteProfile

    def __len__(self) -> int:
        return len(self.rows)


@dataclass
class VoteProfile:
    """Soft votes per offset ``d = n - rate * m`` (row index ``m`` of A, column ``n`` of B).

    Attributes:
        origin: the offset of ``votes[0]``; bin ``k`` is the whole offset ``origin + k``.
        votes: summed softmax probabilities (see the module docstring).
    """

    origin: int
    votes: np.ndarray

    @property
    def offsets(self) -> np.ndarray:
        """The whole offset of every bin."""
        return self.origin + np.arange(len(self.votes))

    def add(self, probs: np.ndarray, offsets: np.ndarray) -> None:
        """Add ``probs`` at fractional ``offsets`` (same shape), split between neighbour bins."""
        pos = offsets.ravel() - self.origin
        base = np.floor(pos)
        frac = pos - base
        k = base.astype(np.int64)
        w = probs.ravel().astype(np.float64)
        n = len(self.votes) + 1
        self.votes += np.bincount(k, w * (1.0 - frac), minlength=n)[:len(self.votes)]
        self.votes += np.bincount(k + 1, w * frac, minlength=n)[:len(self.votes)]

    def add_rows(self, probs: np.ndarray, starts: np.ndarray, step: float) -> None:
        """Add row ``r`` of ``probs`` (R, W) at the offsets ``starts[r] + step * k``, k < W.

        With ``step`` = +-1 (a pass whose columns advance one offset each, as rows of A against
        B's frames always do) every row covers consecutive bins with one fractional part, so it
        is two slice additions: no temporary as large as the block.
        """
        n_rows, width = probs.shape
        if abs(abs(step) - 1.0) > 1e-12:
            rows_per = max(1, 2**18 // max(width, 1))  # bounded temporaries
            cols = step * np.arange(width)
            for r in range(0, n_rows, rows_per):
                self.add(probs[r:r + rows_per], starts[r:r + rows_per, None] + cols[None, :])
            return
        if step < 0:  # walk the row backwards: ascending offsets
            probs, starts = probs[:, ::-1], starts - (width - 1)
        pos = starts - self.origin
        base = np.floor(pos)
        frac = pos - base
        for r, (b, f) in enumerate(zip(base.astype(np.int64), frac)):
            self.votes[b:b + width] += (1.0 - f) * probs[r]
            if f > 0:
                self.votes[b + 1:b + 1 + width] += f * probs[r]

    @classmethod
    def spanning(cls, n_rows: int, n_cols: int, rate: float) -> VoteProfile:
        """An empty profile covering every offset of an ``n_rows x n_cols`` matrix."""
        origin = int(np.floor(-rate * (n_rows - 1))) - 1
        return cls(origin, np.zeros(n_cols + 1 - origin))


def pca_project(
    fa: np.ndarray, fb: np.ndarray, dims: int, *, valid_a: np.ndarray, valid_b: np.ndarray,
    max_fit_rows: int = 10000,
) -> tuple[np.ndarray, np.ndarray]:
    """Project both sequences onto the ``dims`` leading principal components of their valid rows.

    Why: the matching cost is proportional to the feature width C; for learned features
    (C = 17 * 128) most of the variance of a recording lives in far fewer directions. Distances
    after projection are the original ones minus the discarded components, so they are exact
    when the discarded variance is zero and approximate otherwise. The components are fitted on
    at most ``max_fit_rows`` evenly spaced valid rows (deterministic), on both sequences together
    so that A and B share one basis.
    """
    rows_a, rows_b = np.flatnonzero(valid_a), np.flatnonzero(valid_b)
    n_fit = len(rows_a) + len(rows_b)
    pick = np.linspace(0, n_fit - 1, min(n_fit, max_fit_rows)).astype(np.int64)
    pick_a = rows_a[pick[pick < len(rows_a)]]
    pick_b = rows_b[pick[pick >= len(rows_a)] - len(rows_a)]
    chunks = [(fa, pick_a[k:k + 2048]) for k in range(0, len(pick_a), 2048)]
    chunks += [(fb, pick_b[k:k + 2048]) for k in range(0, len(pick_b), 2048)]
    total = np.zeros(fa.shape[1])
    for src, idx in chunks:
        total += src[idx].sum(axis=0, dtype=np.float64)
    mean = total / len(pick)
    mean32 = mean.astype(np.float32)
    if len(pick) < fa.shape[1]:
        # fewer rows than dimensions: the leading eigenvectors of the rows' Gram matrix, mapped
        # back (x^T u), span the same components; the C x C covariance's eigendecomposition
        # costs C^3 (10 s for sesyn's 2176 on a busy laptop), this 0.3 s for 1000 rows
        x = np.concatenate([src[idx] for src, idx in chunks]) - mean32
        k = min(dims, len(x))
        _, u = scipy.linalg.eigh((x @ x.T).astype(np.float64), subset_by_index=[len(x) - k, len(x) - 1])
        vecs = x.T.astype(np.float64) @ u[:, ::-1]
        vecs /= np.maximum(np.linalg.norm(vecs, axis=0), 1e-12)
    else:
        cov = np.zeros((fa.shape[1], fa.shape[1]))
        for src, idx in chunks:  # chunked so no full-size float64 copy of the inputs ever exists
            x = src[idx] - mean32
            cov += x.T @ x  # float32 product, float64 accumulation
        vecs = np.linalg.eigh(cov)[1][:, ::-1][:, :dims]  # eigh: ascending eigenvalues
    basis = np.ascontiguousarray(vecs, dtype=np.float32)

    def project(f: np.ndarray) -> np.ndarray:
        out = np.empty((len(f), basis.shape[1]), np.float32)  # fewer than dims when fewer rows were fitted
        for k in range(0, len(f), 4096):
            out[k:k + 4096] = (f[k:k + 4096] - mean32) @ basis
        return out

    return project(fa), project(fb)


def _sq_norms(x: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", x, x, dtype=np.float64).astype(np.float32)


def median_sq_distance(
    fa: np.ndarray, fb: np.ndarray, valid_a: np.ndarray, valid_b: np.ndarray
) -> float:
    """Median squared distance between evenly spaced valid rows of ``fa`` and of ``fb``.

    Falls back to the mean when more than half of the sampled pairs are identical; 0 only when
    the sampled features do not vary at all.
    """
    ra = np.flatnonzero(valid_a)
    rb = np.flatnonzero(valid_b)
    ra = ra[np.unique(np.linspace(0, len(ra) - 1, min(len(ra), SCALE_SAMPLE)).astype(np.int64))]
    rb = rb[np.unique(np.linspace(0, len(rb) - 1, min(len(rb), SCALE_SAMPLE)).astype(np.int64))]
    a, b = fa[ra].astype(np.float64), fb[rb].astype(np.float64)
    d2 = np.maximum((a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T, 0.0)
    med = float(np.median(d2))
    return med if med > 0 else float(d2.mean())  # mostly identical frames: fall back to the mean


def _row_band(rows: np.ndarray, rate: float, centre: float, band: float | None, n_cols: int
              ) -> tuple[np.ndarray, np.ndarray]:
    """Inclusive column range ``[lo, hi]`` each row may match (clipped to the matrix)."""
    if band is None:
        return np.zeros(len(rows), np.int64), np.full(len(rows), n_cols - 1, np.int64)
    c = rows * rate + centre
    lo = np.ceil(c - band - 1e-9).astype(np.int64)
    hi = np.floor(c + band + 1e-9).astype(np.int64)
    return np.clip(lo, 0, n_cols), np.clip(hi, -1, n_cols - 1)


def _chunk_rows(n_cols: int, band: float | None, rate: float, max_block_bytes: int) -> int:
    """Rows per chunk so that one float32 block ``rows x block_width`` fits ``max_block_bytes``.

    With a band, a chunk of R rows spans ``band_width + R * rate`` columns (the band drifts along
    the rows), so the block width grows with R, and all but ``band_width`` columns of each row
    are computed only to be masked: R is kept near the band's width (at least
    ``MIN_BAND_CHUNK``), which bounds that waste to about half of the block.
    """
    if band is None:
        return max(1, int(max_block_bytes // (4 * max(n_cols, 1))))
    width = min(n_cols, int(2 * band + 1))
    rows = max(1, int(max_block_bytes // (4 * max(width, 1))))
    rows = min(rows, max(width, MIN_BAND_CHUNK))
    while rows > 1 and 4 * rows * min(n_cols, width + rows * rate + 1) > max_block_bytes:
        rows //= 2
    return rows


def _distance_blocks(
    f_rows: np.ndarray, f_cols: np.ndarray, valid_rows: np.ndarray, rate: float, centre: float,
    band: float | None, chunk_rows: int,
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, int, np.ndarray | None]]:
    """Squared distances of the valid rows of ``f_rows`` to ``f_cols``, a chunk of rows at a
    time, each block only as wide as the chunk's bands: ``(rows, lo, hi, col0, d2)``; ``d2`` is
    None for a chunk whose bands hold no column."""
    n_cols = len(f_cols)
    norms_cols = _sq_norms(f_cols)
    rows_all = np.flatnonzero(valid_rows)
    lo_all, hi_all = _row_band(rows_all, rate, centre, band, n_cols)
    for start in range(0, len(rows_all), chunk_rows):
        rows = rows_all[start:start + chunk_rows]
        lo, hi = lo_all[start:start + chunk_rows], hi_all[start:start + chunk_rows]
        c0, c1 = int(lo.min()), int(hi.max()) + 1
        if c1 <= c0:
            yield rows, lo, hi, c0, None
            continue
        a = f_rows[rows]
        d2 = a @ f_cols[c0:c1].T
        d2 *= -2.0
        d2 += _sq_norms(a)[:, None]
        d2 += norms_cols[None, c0:c1]
        yield rows, lo, hi, c0, d2


def _mask_block(d2: np.ndarray, col0: int, lo: np.ndarray, hi: np.ndarray, valid_cols: np.ndarray
                ) -> np.ndarray:
    """Set the entries a row may not match (invalid column, outside its band) to +inf; return
    each row's number of candidates."""
    n_rows, width = d2.shape
    np.maximum(d2, 0.0, out=d2)
    vb_block = valid_cols[col0:col0 + width]
    if np.any(lo > col0) or np.any(hi < col0 + width - 1):  # a band cuts this block
        cols = col0 + np.arange(width)
        allowed = (vb_block[None, :] & (cols[None, :] >= lo[:, None])
                   & (cols[None, :] <= hi[:, None]))
        d2[~allowed] = np.inf
        return allowed.sum(axis=1)
    if not vb_block.all():
        d2[:, ~vb_block] = np.inf
    return np.full(n_rows, int(vb_block.sum()))


def _softmax_weights(d2: np.ndarray, d_best: np.ndarray, inv_t: float) -> np.ndarray:
    """``exp(-(d2 - d2_best) / (temperature * scale))``: the unnormalised row softmax, 1 at the
    best column, 0 where ``d2`` is +inf (rows without any candidate are all 0)."""
    with np.errstate(invalid="ignore"):
        z = d2 - d_best[:, None]
    z *= -inv_t
    np.exp(z, out=z)
    z[~np.isfinite(d_best)] = 0.0
    return z


def _add_votes(votes: VoteProfile, z: np.ndarray, rows: np.ndarray, col0: int,
               row_step: float, col_step: float) -> None:
    """Normalise the rows of ``z`` (in place) and add them to ``votes`` at the offsets
    ``row_step * row + col_step * column`` of their entries."""
    sums = z.sum(axis=1, keepdims=True)
    z /= np.where(sums > 0, sums, 1.0)
    votes.add_rows(z, row_step * rows.astype(np.float64) + col_step * col0, col_step)


def _process_block(
    d2: np.ndarray, col0: int, rows: np.ndarray, lo: np.ndarray, hi: np.ndarray,
    valid_b: np.ndarray, inv_t: float, exclusion: int, votes: VoteProfile, rate: float,
) -> dict[str, np.ndarray]:
    """Argmin, sub-frame refinement, softmax peak, soft votes and distinctiveness of one block."""
    n_rows, width = d2.shape
    n_cand = _mask_block(d2, col0, lo, hi, valid_b)
    keep = n_cand > 0
    best = np.argmin(d2, axis=1)
    ar = np.arange(n_rows)
    d_best = d2[ar, best]

    # Sub-frame refinement: vertex of the parabola through the three squared distances.
    left = np.where(best > 0, d2[ar, np.maximum(best - 1, 0)], np.inf)
    right = np.where(best < width - 1, d2[ar, np.minimum(best + 1, width - 1)], np.inf)
    with np.errstate(invalid="ignore"):  # rows without candidates: inf - inf
        denom = left - 2.0 * d_best + right
    ok = np.isfinite(left) & np.isfinite(right) & (denom > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        delta = np.where(ok, 0.5 * (left - right) / np.where(ok, denom, 1.0), 0.0)
    delta = np.clip(delta, -0.5, 0.5)

    # Softmax peak: 1 / sum_n exp(-(d2 - d2_best) / (temperature * scale)).
    z = _softmax_weights(d2, d_best, inv_t)
    peak = 1.0 / np.maximum(z.sum(axis=1), 1.0)
    _add_votes(votes, z, rows, col0, -rate, 1.0)
    del z

    # Distinctiveness: best other local minimum outside the best's neighbourhood.
    is_min = np.isfinite(d2)
    if width > 1:
        is_min[:, 1:] &= d2[:, 1:] <= d2[:, :-1]
        is_min[:, :-1] &= d2[:, :-1] <= d2[:, 1:]
    for k in range(-exclusion, exclusion + 1):
        c = best + k
        inside = (c >= 0) & (c < width)
        is_min[ar[inside], c[inside]] = False
    rival = np.where(is_min, d2, np.inf).min(axis=1)  # faster than min(where=) on sparse masks
    del is_min
    lone = ~np.isfinite(rival)  # a single valley: compare with the farthest candidate instead
    if lone.any():
        sub = d2[lone]
        rival[lone] = np.where(np.isfinite(sub), sub, -np.inf).max(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.sqrt(d_best) / np.sqrt(rival)
    distinct = np.clip(np.where(rival > 0, 1.0 - ratio, 0.0), 0.0, 1.0)

    return {
        "rows": rows[keep],
        "cols": (col0 + best)[keep],
        "cols_refined": (col0 + best + delta)[keep],
        "d2_best": d_best[keep],
        "peak": peak[keep],
        "distinctiveness": distinct[keep],
        "n_candidates": n_cand[keep],
    }


def _usable(fa: np.ndarray, fb: np.ndarray, valid_a: np.ndarray | None, valid_b: np.ndarray | None,
            pca_dims: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Both feature sequences as float32 (projected when ``pca_dims`` asks, invalid rows zeroed so
    the matrix products stay finite) and their validity masks (non-finite rows invalid)."""
    fa = np.ascontiguousarray(fa, dtype=np.float32)
    fb = np.ascontiguousarray(fb, dtype=np.float32)
    if fa.ndim != 2 or fb.ndim != 2 or fa.shape[1] != fb.shape[1]:
        raise ValueError(f"features must be (M, C) and (N, C), got {fa.shape} and {fb.shape}")
    va = np.ones(len(fa), bool) if valid_a is None else np.asarray(valid_a, bool).copy()
    vb = np.ones(len(fb), bool) if valid_b is None else np.asarray(valid_b, bool).copy()
    if va.shape != (len(fa),) or vb.shape != (len(fb),):
        raise ValueError("valid masks must have one entry per feature row")
    va &= np.isfinite(fa).all(axis=1)
    vb &= np.isfinite(fb).all(axis=1)
    if not va.any():
        raise CannotSynchronizeError("the first input has no usable frame to match", reason="no_shared_motion")
    if not vb.any():
        raise CannotSynchronizeError("the second input has no usable frame to match", reason="no_shared_motion")
    if pca_dims is not None and 0 < pca_dims < fa.shape[1]:
        fa, fb = pca_project(fa, fb, pca_dims, valid_a=va, valid_b=vb)
    if not va.all():
        fa = np.where(va[:, None], fa, 0.0).astype(np.float32)
    if not vb.all():
        fb = np.where(vb[:, None], fb, 0.0).astype(np.float32)
    return fa, fb, va, vb


@dataclass
class _Progress:
    """Rows done of both passes, reported to ``callback`` (if any) after each block."""

    total: int
    callback: Callable[[int, int], None] | None
    done: int = 0

    def add(self, rows: int) -> None:
        self.done += rows
        if self.callback is not None:
            self.callback(self.done, self.total)


def _column_votes(fa: np.ndarray, fb: np.ndarray, va: np.ndarray, vb: np.ndarray, rate: float, centre: float,
                  band: float | None, max_block_bytes: int, inv_t: float, votes: VoteProfile,
                  progress: _Progress) -> None:
    """Add the column softmax's soft votes (B's frames against A's) to ``votes``.

    The band ``|n - (m rate + centre)| <= w`` is, seen from ``n``, ``|m - (n - centre) / rate| <=
    w / rate``, so both passes see the same entries.
    """
    band_b = None if band is None else band / rate
    chunk_b = _chunk_rows(len(fa), band_b, 1.0 / rate, max_block_bytes)
    for rows, lo, hi, c0, d2 in _distance_blocks(fb, fa, vb, 1.0 / rate, -centre / rate, band_b, chunk_b):
        if d2 is not None:
            _mask_block(d2, c0, lo, hi, va)
            _add_votes(votes, _softmax_weights(d2, d2.min(axis=1), inv_t), rows, c0, 1.0, -rate)
        progress.add(len(rows))


_MATCH_KEYS = {"rows": np.int64, "cols": np.int64, "cols_refined": np.float64, "d2_best": np.float64,
               "peak": np.float64, "distinctiveness": np.float64, "n_candidates": np.int64}


def match_frames(
    fa: np.ndarray, fb: np.ndarray, *, valid_a: np.ndarray | None = None, valid_b: np.ndarray | None = None,
    band: float | None = None, rate: float = 1.0, centre: float = 0.0, temperature: float = MATCH_TEMPERATURE,
    exclusion: int = DEFAULT_EXCLUSION, max_block_bytes: int = DEFAULT_BLOCK_BYTES,
    chunk_rows: int | None = None, pca_dims: int | None = None, symmetric_votes: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> MatchResult:
    """Match every valid row of ``fa`` (M, C) to its most similar valid row of ``fb`` (N, C).

    Args:
        fa, fb: per-frame features; converted to float32.
        valid_a, valid_b: boolean masks of usable frames (e.g. enough joints detected); invalid
            rows are not matched and invalid columns are never chosen. Non-finite rows are
            always invalid.
        band: if given, row ``m`` only considers columns with ``|n - (m * rate + centre)| <=
            band`` (a band of width ``2 * band + 1``; not the user's ``--max-offset``, see
            :meth:`videosync.sync.bounds.OffsetBounds.evidence_band`).
        rate, centre: the expected line ``n = m * rate + centre`` the band is centred on.
        temperature: softmax temperature relative to the median squared distance.
        exclusion: half-width (columns) of the best match's own valley for ``distinctiveness``.
        max_block_bytes: upper bound on one float32 block of squared distances; sets the chunk
            size (peak memory is a small multiple of it). ``chunk_rows`` overrides it.
        pca_dims: if set and smaller than C, match in the leading-``pca_dims`` PCA space.
        symmetric_votes: also cast the column softmax's soft votes (a second pass over the
            matrix, B's frames against A's; see the module docstring).
        progress: optional callback ``(rows_done, rows_total)`` (rows of both passes).

    Raises:
        CannotSynchronizeError: no valid row or column, or features that do not vary at all.
    """
    if rate <= 0:
        raise ValueError("rate must be positive")
    fa, fb, va, vb = _usable(fa, fb, valid_a, valid_b, pca_dims)
    scale = median_sq_distance(fa, fb, va, vb)
    if not scale > 0:
        raise CannotSynchronizeError("the features do not change between frames (no motion?)",
                                     reason="no_shared_motion")
    inv_t = 1.0 / (temperature * scale)
    if chunk_rows is None:
        chunk_rows = _chunk_rows(len(fb), band, rate, max_block_bytes)
    votes = VoteProfile.spanning(len(fa), len(fb), rate)
    tick = _Progress(int(va.sum()) + (int(vb.sum()) if symmetric_votes else 0), progress)
    parts: list[dict[str, np.ndarray]] = []
    for rows, lo, hi, c0, d2 in _distance_blocks(fa, fb, va, rate, centre, band, chunk_rows):
        if d2 is not None:
            parts.append(_process_block(d2, c0, rows, lo, hi, vb, inv_t, exclusion, votes, rate))
        tick.add(len(rows))
    if symmetric_votes:
        _column_votes(fa, fb, va, vb, rate, centre, band, max_block_bytes, inv_t, votes, tick)
    merged = {k: (np.concatenate([p[k] for p in parts]) if parts else np.zeros(0)).astype(t)
              for k, t in _MATCH_KEYS.items()}
    log.debug("matched %d of %d rows against %d columns (scale %.4g)", len(merged["rows"]), len(fa), len(fb), scale)
    return MatchResult(**merged, scale=scale, temperature=float(temperature), n_rows=len(fa), n_cols=len(fb),
                       votes=votes)

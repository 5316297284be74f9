"""The three self-supervised losses of SeSyn-Net (paper section 3.3, eqs. 1-12).

For a pair of embedded sequences ``F^u`` (M frames) and ``F^v`` (N frames) of the same moment
seen by two cameras, every frame of u is matched softly into v and back into u; the losses ask
that it comes back to itself (identity, eq. 5), lands close to where it started (deviation, eq. 9)
and that neighbouring frames come back one frame apart (interval, eq. 11).

Similarity scale. Eq. 1 is ``S = -||F_m - F_n||^2`` over ``C = 17 * 128 = 2176`` dimensions. With
batch-normalised features of unit-order size, those distances are in the thousands, so the row
softmax (eqs. 2, 7) is a hard argmax: the soft match carries no gradient to any but the nearest
frame and the cross entropy is either ~0 or huge. The authors' code (github Yliqiang/SeSyn-Net,
``self_supervised_loss/Losses.py``) uses the raw distance anyway and lets the network shrink its
features. We follow TCC (Dwibedi et al. 2019, the method the paper's eq. 3 comes from), which
divides the squared distance by the number of channels and by a temperature of 0.1:
``S = -scale * ||F_m - F_n||^2`` with default ``scale = 1 / (0.1 * C)``. The logits then span
about [-20, 0] for unit-variance features (mean squared difference of independent features is 2),
whatever the width of the network. ``scale=1`` gives the paper's formula exactly.

Reductions. Eq. 5 sums the cross entropy over the M frames while eqs. 9 and 11 average; the
authors' code averages all three (``F.cross_entropy``), and the weights mu1 = 0.5, mu2 = 0.035
were tuned with that code, so the identity term is averaged by default
(``identity_reduction="sum"`` gives eq. 5 literally). Batches average the per-pair losses, each
pair weighing the same.

Padding. ``mask_u`` (B, M) and ``mask_v`` (B, N) mark real frames. Padded frames are never a
softmax candidate (their columns are excluded) and padded rows do not enter any sum or mean.
The frame index vector g (eq. 6) is the position in the padded sequence, 0-based (the losses only
see differences ``p - g`` and softmax rows sum to 1, so 1-based indices give the same values).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
from torch.nn import functional as F

from videosync.tunables import DEFAULT_MU1, DEFAULT_MU2, LOSS_TEMPERATURE


@dataclass(frozen=True)
class SeSynLoss:
    """Total loss (eq. 12) and its three parts, each a scalar tensor (averaged over the batch)."""

    total: torch.Tensor
    identity: torch.Tensor
    deviation: torch.Tensor
    interval: torch.Tensor

    def as_floats(self) -> dict[str, float]:
        """Detached python floats, for logging."""
        return {k: float(getattr(self, k).detach()) for k in ("total", "identity", "deviation", "interval")}


def default_scale(embed_dim: int) -> float:
    """The default similarity scale for ``embed_dim``-dimensional features (see module doc)."""
    return 1.0 / (LOSS_TEMPERATURE * embed_dim)


def neg_sq_distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``(B, M, N)`` of ``-||a_m - b_n||^2`` for ``a`` (B, M, C) and ``b`` (B, N, C).

    Expanded as |a|^2 + |b|^2 - 2ab so that no (B, M, N, C) tensor is built; rounding can make
    the expansion slightly negative, hence the clamp (as the authors' code does).
    """
    d2 = (a * a).sum(-1)[:, :, None] + (b * b).sum(-1)[:, None, :] - 2.0 * a @ b.transpose(1, 2)
    return -d2.clamp(min=0.0)


def _masked_softmax_logits(s: torch.Tensor, col_mask: torch.Tensor) -> torch.Tensor:
    """Set logits of padded columns to -inf so that softmax never picks them."""
    return s.masked_fill(~col_mask[:, None, :], float("-inf"))


def sesyn_loss(
    fu: torch.Tensor, fv: torch.Tensor, mask_u: torch.Tensor | None = None, mask_v: torch.Tensor | None = None, *,
    mu1: float = DEFAULT_MU1, mu2: float = DEFAULT_MU2, scale: float | None = None, tau: int = 1,
    identity_reduction: Literal["mean", "sum"] = "mean",
) -> SeSynLoss:
    """Self-identity, self-deviation and interval-consistency losses of a batch of pairs.

    Args:
        fu: ``(B, M, C)`` embeddings of view u (the view that is matched out and back).
        fv: ``(B, N, C)`` embeddings of view v.
        mask_u, mask_v: ``(B, M)`` / ``(B, N)`` bool, True for real frames (None: all real).
        mu1, mu2: weights of the deviation and interval terms (eq. 12).
        scale: multiplies the negative squared distances of eqs. 1 and 4; None means
            :func:`default_scale` of C, 1.0 is the paper's formula.
        tau: frame interval of eq. 10 (the paper uses 1, giving eq. 11).
        identity_reduction: "mean" over frames (authors' code, default) or "sum" (eq. 5).

    Raises:
        ValueError: on shape mismatches, or a pair with fewer than ``tau + 1`` real frames in u
            or no real frame in v (the losses are undefined there).
    """
    mask_u, mask_v, pairs = _checked_masks(fu, fv, mask_u, mask_v, tau, identity_reduction)
    c, m = fu.shape[2], fu.shape[1]
    s = default_scale(c) if scale is None else float(scale)

    # eqs. 1-3: soft nearest neighbour of every u frame in v
    s_uv = _masked_softmax_logits(s * neg_sq_distance(fu, fv), mask_v)
    f_vbar = torch.softmax(s_uv, dim=2) @ fv  # (B, M, C)
    # eq. 4: similarity of the reconstructed frames to every u frame (rows m', columns m)
    s_vu = _masked_softmax_logits(s * neg_sq_distance(f_vbar, fu), mask_u)
    log_x = torch.log_softmax(s_vu, dim=2)

    rows = mask_u.to(fu.dtype)
    n_rows = rows.sum(1)
    # eq. 5: cross entropy with the diagonal as target (padded rows have -inf there: drop them)
    diag = torch.diagonal(log_x, dim1=1, dim2=2)
    ce = torch.where(mask_u, -diag, torch.zeros_like(diag)).sum(1)
    identity = ce / n_rows if identity_reduction == "mean" else ce

    # eqs. 6-9: back-tracked index p = X g and its mean absolute deviation from g
    g = torch.arange(m, dtype=fu.dtype, device=fu.device)
    p = torch.exp(log_x) @ g  # (B, M)
    deviation = (torch.abs(p - g) * rows).sum(1) / n_rows

    # eqs. 10-11: consecutive back-tracked indices should be tau apart
    step = p[:, tau:] - p[:, :-tau] - float(tau)
    interval = (torch.abs(step) * pairs.to(fu.dtype)).sum(1) / pairs.sum(1).to(fu.dtype)

    identity, deviation, interval = identity.mean(), deviation.mean(), interval.mean()
    total = identity + mu1 * deviation + mu2 * interval
    return SeSynLoss(total=total, identity=identity, deviation=deviation, interval=interval)


def _checked_masks(fu: torch.Tensor, fv: torch.Tensor, mask_u: torch.Tensor | None, mask_v: torch.Tensor | None,
                   tau: int, identity_reduction: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Both masks (all frames real when None) and the intervals of u with both ends real, after
    checking the shapes and that every pair has enough real frames."""
    if fu.dim() != 3 or fv.dim() != 3 or fu.shape[0] != fv.shape[0] or fu.shape[2] != fv.shape[2]:
        raise ValueError(f"expected fu (B, M, C) and fv (B, N, C), got {tuple(fu.shape)} and {tuple(fv.shape)}")
    if identity_reduction not in ("mean", "sum"):
        raise ValueError(f"identity_reduction must be 'mean' or 'sum', got {identity_reduction!r}")
    if tau < 1:
        raise ValueError(f"tau must be >= 1, got {tau}")
    b, m, _ = fu.shape
    n = fv.shape[1]
    mask_u = torch.ones(b, m, dtype=torch.bool, device=fu.device) if mask_u is None else mask_u.to(fu.device, torch.bool)
    mask_v = torch.ones(b, n, dtype=torch.bool, device=fv.device) if mask_v is None else mask_v.to(fv.device, torch.bool)
    if mask_u.shape != (b, m) or mask_v.shape != (b, n):
        raise ValueError(f"masks must have shapes {(b, m)} and {(b, n)}, got {tuple(mask_u.shape)} and {tuple(mask_v.shape)}")
    pairs = mask_u[:, tau:] & mask_u[:, :-tau]  # (B, M - tau): both ends of an interval real
    if bool((pairs.sum(1) < 1).any()) or bool((mask_v.sum(1) < 1).any()):
        raise ValueError(f"every pair needs >= {tau + 1} real frames in u and >= 1 in v")
    return mask_u, mask_v, pairs


def correspondence_loss(
    fu: torch.Tensor,
    fv: torch.Tensor,
    target: torch.Tensor,
    mask_v: torch.Tensor | None = None,
    *,
    scale: float | None = None,
) -> torch.Tensor:
    """Cross-view frame classification: each frame of u must pick its true partner in v.

    Not one of the paper's losses. Training crops are cut from synchronized views with a shift the
    trainer chose itself, so the partner of every frame is known without any annotation; this
    term asks the row softmax of eq. 2 — exactly what inference takes the argmax of — to put its
    mass on that partner. The cycle losses (eqs. 5-11) only ask that matching u -> v -> u come
    back, which any invertible matching satisfies, including a wrong one.

    Args:
        fu, fv: ``(B, M, C)`` and ``(B, N, C)`` embeddings.
        target: ``(B, M)`` long, the partner column in v of every u frame, -1 where there is none
            (or the frame must not count).
        mask_v: ``(B, N)`` bool, columns that may be chosen.
        scale: as in :func:`sesyn_loss`.

    Returns the mean cross entropy over the frames that have a partner.
    """
    b, m, c = fu.shape
    n = fv.shape[1]
    mask_v = torch.ones(b, n, dtype=torch.bool, device=fv.device) if mask_v is None else mask_v.to(fv.device, torch.bool)
    s = default_scale(c) if scale is None else float(scale)
    logits = _masked_softmax_logits(s * neg_sq_distance(fu, fv), mask_v)
    has = target >= 0
    if not bool(has.any()):
        raise ValueError("no frame of u has a partner in v")
    log_p = torch.log_softmax(logits, dim=2)
    picked = torch.gather(log_p, 2, target.clamp(min=0)[..., None])[..., 0]
    # rows without a partner may have gathered a masked (-inf) column: drop them, do not multiply
    return -torch.where(has, picked, torch.zeros_like(picked)).sum() / has.sum()

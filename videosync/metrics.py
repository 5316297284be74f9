"""The paper's evaluation metrics (SeSyn-Net, section 4.2), exactly as defined there.

Kept apart from the evaluation runner so the definitions can be read and tested on their own:
these numbers go in the model card beside the paper's, so they must mean the same thing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Order of the columns in the paper's Table 1.
METRIC_NAMES = (
    "frm_err",
    "acc1",
    "acc5",
    "acc10",
    "abs_err",
    "rel_err",
    "racc10",
    "racc30",
    "racc50",
)
METRIC_LABELS = {
    "frm_err": "Frm.err",
    "acc1": "Acc@1",
    "acc5": "Acc@5",
    "acc10": "Acc@10",
    "abs_err": "Abs.err",
    "rel_err": "Rel.err",
    "racc10": "rAcc@10",
    "racc30": "rAcc@30",
    "racc50": "rAcc@50",
}
#: Metrics the paper reports in percent.
PERCENT_METRICS = {"acc1", "acc5", "acc10", "racc10", "racc30", "racc50"}


def sync_metrics(
    predicted_frames: Sequence[float], true_frames: Sequence[float], fps: float | Sequence[float]
) -> dict[str, float]:
    """Section 4.2 metrics over a set of pairs.

    - Frm.err: mean |P_i - R_i| in frames. Acc@k: share of pairs with |P_i - R_i| < k
      ("frame error less than 1, 5, and 10 frames"; strict, as written).
    - Abs.err: mean of Frm.err_i / fps_i, in seconds.
    - Rel.err: sum_i Frm.err_i / sum_i |R_i| (a ratio of sums, as the paper defines it).
    - rAcc@p: share of pairs with Frm.err_i / |R_i| < p %, pairs with R_i = 0 left out
      (the paper excludes them because 0 cannot be a denominator).
    Shares are fractions in [0, 1]; NaN where undefined (no pairs, or no pair with R_i != 0).
    """
    pred = np.asarray(predicted_frames, dtype=np.float64)
    true = np.asarray(true_frames, dtype=np.float64)
    if pred.shape != true.shape or pred.ndim != 1:
        raise ValueError("predicted and true offsets must be 1-D and of equal length")
    fps_arr = np.broadcast_to(np.asarray(fps, dtype=np.float64), pred.shape)
    if len(pred) == 0:
        return {name: float("nan") for name in METRIC_NAMES}
    err = np.abs(pred - true)
    out = {
        "frm_err": float(err.mean()),
        "acc1": float(np.mean(err < 1)),
        "acc5": float(np.mean(err < 5)),
        "acc10": float(np.mean(err < 10)),
        "abs_err": float(np.mean(err / fps_arr)),
    }
    denom = np.abs(true).sum()
    out["rel_err"] = float(err.sum() / denom) if denom > 0 else float("nan")
    nonzero = true != 0
    rel = err[nonzero] / np.abs(true[nonzero])
    for p in (10, 30, 50):
        out[f"racc{p}"] = float(np.mean(rel < p / 100)) if nonzero.any() else float("nan")
    return out

"""Evaluation of a synchronization method on pairs with known offsets (paper section 4.2).

Robustness settings follow the paper's Tables 5 and 6: ``drop_rate`` removes that share of frames
at random from both views (the survivors keep their source frame numbers, as real dropped frames
do) and ``noise_px`` adds Gaussian noise of that standard deviation, in pixels, to every joint.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from videosync.datasets import EvalPair
from videosync.errors import CannotSynchronizeError
from videosync.metrics import sync_metrics
from videosync.poses import PoseTrack, load_npz


@dataclass
class EvalResult:
    method: str
    metrics: dict[str, float]
    rows: list[dict[str, Any]] = field(default_factory=list)
    refused: int = 0
    settings: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "metrics": self.metrics,
            "refused": self.refused,
            "n_pairs": len(self.rows),
            "settings": self.settings,
            "pairs": self.rows,
        }


def perturb(track: PoseTrack, rng: np.random.Generator, drop_rate: float = 0.0, noise_px: float = 0.0) -> PoseTrack:
    """A copy of ``track`` with dropped frames and/or joint noise (Tables 5 and 6 of the paper)."""
    kp = track.keypoints.copy()
    if noise_px > 0:
        valid = kp[..., 2] > 0
        kp[..., :2] += rng.normal(0.0, noise_px, size=kp[..., :2].shape).astype(np.float32) * valid[..., None]
    out = track.with_keypoints(kp)
    if drop_rate > 0:
        keep = rng.random(len(track)) >= drop_rate
        keep[[0, -1]] = True  # the window's extent stays the same: length must not change with k
        out = out.select(keep)
    return out


def evaluate_method(
    method: Any,
    pairs: Sequence[EvalPair],
    *,
    drop_rate: float = 0.0,
    noise_px: float = 0.0,
    seed: int = 0,
    max_offset: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> EvalResult:
    """Run ``method.estimate`` on every pair and compute the section 4.2 metrics.

    A pair the method refuses (CannotSynchronizeError) counts as a prediction of 0 frames, so
    refusing never improves the metrics; refusals are also counted separately. ``max_offset``
    (frames) limits the search as ``align --max-offset`` does: what a user who knows roughly how
    far apart the recordings started would pass. The paper's metrics search every offset.
    """
    from videosync.sync.bounds import OffsetBounds

    bounds = OffsetBounds(max_offset)
    rng = np.random.default_rng(seed)
    rows, preds, trues, fps = [], [], [], []
    refused = 0
    for done, pair in enumerate(pairs, start=1):
        a = perturb(load_npz(pair.a), rng, drop_rate, noise_px)
        b = perturb(load_npz(pair.b), rng, drop_rate, noise_px)
        try:
            est = method.estimate(a, b, bounds=bounds)
            pred, conf, note = float(est.offset_frames), float(est.confidence), ""
        except CannotSynchronizeError as exc:
            pred, conf, note = 0.0, 0.0, str(exc)
            refused += 1
        rows.append({"id": pair.id, "true": pair.offset_frames, "pred": pred, "confidence": conf, "refused": note})
        preds.append(pred)
        trues.append(pair.offset_frames)
        fps.append(b.fps)
        if progress:
            progress(done, len(pairs))
    return EvalResult(
        method=getattr(method, "name", str(method)),
        metrics=sync_metrics(preds, trues, fps),
        rows=rows,
        refused=refused,
        settings={"drop_rate": drop_rate, "noise_px": noise_px, "seed": seed, "max_offset": max_offset},
    )


def frame_error(net: Any, pairs: Sequence[EvalPair]) -> float:
    """Validation Frm.err of an in-memory network (used during training)."""
    from videosync.sync.methods.sesyn import SesynMethod

    return evaluate_method(SesynMethod(net=net), pairs).metrics["frm_err"]

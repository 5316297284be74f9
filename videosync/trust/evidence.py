"""What a pair's answer rests on, as named numbers: the calibrator's input.

Every method leaves its traces on the :class:`~videosync.sync.methods.base.PairEstimate` (the
robust fit of the matches, the geometric searches, the parts compared for drift); this module
reads them, and the two tracks, into one flat ``{name: float}`` dict with a fixed list of names
(:data:`FEATURES`). The same function runs when the calibrator is fitted and when it is used,
so the two can never disagree on what a feature means. A feature a method does not have (a
method without frame matching has no soft votes) is NaN; the calibrator reads NaN as "typical".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from videosync.poses import PoseTrack
from videosync.tunables import MOVING_SIZES_PER_SECOND

#: The evidence names, one line of meaning each (the calibrator's features are a subset).
FEATURES: dict[str, str] = {
    "fit_agreement": "share of matched frames agreeing with the offset, above chance (0-1)",
    "fit_quality": "median distinctiveness of the agreeing matches (0-1)",
    "fit_rival_ratio": "support of the best offset a step away over the chosen one's (0: none, 1: equal)",
    "fit_log_inliers": "log10 of the number of agreeing matched frames",
    "fit_residual_std": "spread of the agreeing matches around the offset (frames of B)",
    "fit_rate_estimated": "1 when a frame-rate ratio other than the nominal one was fitted",
    "geo_conclusive": "1 when the two-view geometry decided the offset (both directions agree)",
    "geo_contrast": "depth of the geometric dip, 1 - min/median (0 when inconclusive)",
    "geo_relative_error": "median epipolar error at the minimum, share of the person's size",
    "geo_noise_relative": "epipolar error the keypoints' own jitter explains, share of the person's size",
    "geo_direction_gap": "disagreement of the two search directions (frames of B; 0 when one or none)",
    "geo_shift": "how far the geometry moved the matching's offset (frames of B)",
    "geo_rival_taken": "1 when the geometry took the matching's rival offset",
    "overlap_seconds": "seconds of A whose partner frames lie inside B at the answer",
    "log_overlap_seconds": "log10 of overlap_seconds",
    "min_fps": "the lower frame rate of the two inputs",
    "log_min_fps": "log10 of min_fps (a frame is long at 6 fps, short at 60)",
    "fps_assumed": "1 when a frame rate was not read from a video or given (assumed, or found from the motion)",
    "rate_unresolved": "1 when an assumed frame rate could not be found from the motion",
    "turned_upright": "1 when an input's poses were turned by quarter turns (camera on its side)",
    "jitter_relative": "the larger keypoint jitter of the two views, share of the person's size",
    "moving_joints": "joints that move in both views (of 17; few when only the arms move)",
    "valid_share": "the smaller share of frames with a detected person",
    "drift_flagged": "1 when parts of the recording found offsets that disagree",
    "part_gap": "largest disagreement between the parts' own offsets (frames of B; 0 when not tested)",
    "method_confidence": "the method's own confidence before calibration (0-1)",
}

def pair_evidence(estimate: Any, track_a: PoseTrack, track_b: PoseTrack) -> dict[str, float]:
    """The evidence dict (keys: :data:`FEATURES`) of ``estimate`` for the pair ``(track_a, track_b)``."""
    out = {name: math.nan for name in FEATURES}
    out.update(_fit_evidence(estimate))
    out.update(_geometry_evidence(estimate))
    out.update(_track_evidence(track_a, track_b))
    diagnostics = estimate.diagnostics or {}
    out["drift_flagged"] = float(bool(diagnostics.get("slides")) or _halves_slide(estimate))
    out["part_gap"] = _part_gap(diagnostics)
    out["method_confidence"] = float(estimate.confidence)
    fit = estimate.fit
    if fit is not None:
        seconds = fit.n_overlap / float(estimate.fps_a) if estimate.fps_a > 0 else math.nan
        out["overlap_seconds"] = seconds
        out["log_overlap_seconds"] = math.log10(max(seconds, 1e-3))
    return out


def _fit_evidence(estimate: Any) -> dict[str, float]:
    fit = estimate.fit
    if fit is None:
        return {}
    chance = float(fit.chance)
    agreement = 0.0 if chance >= 1 else float(np.clip((fit.inlier_ratio - chance) / (1 - chance), 0, 1))
    return {
        "fit_agreement": agreement,
        "fit_quality": float(fit.quality),
        "fit_rival_ratio": float(min(fit.runner_up_ratio, 2.0)),
        "fit_log_inliers": math.log10(max(fit.n_inliers, 1)),
        "fit_residual_std": float(fit.residual_std),
        "fit_rate_estimated": float(fit.rate_source == "estimated"),
    }


def _geometry_evidence(estimate: Any) -> dict[str, float]:
    d = estimate.diagnostics or {}
    forward, backward = d.get("refinement"), d.get("refinement_reverse")
    if forward is None or backward is None:
        return {}
    used = [r for r in (forward, backward) if r.accepted]
    conclusive = bool(used) and not d.get("refinement_rejected")
    rate = float(estimate.rate) if estimate.rate else 1.0
    gap = 0.0
    if forward.accepted and backward.accepted:
        gap = abs(forward.offset_frames - (-rate * backward.offset_frames))
    rival = d.get("refinement_rival")
    return {
        "geo_conclusive": float(conclusive),
        "geo_contrast": float(np.mean([r.contrast for r in used])) if conclusive else 0.0,
        "geo_relative_error": float(np.mean([r.relative_error for r in used])) if conclusive else math.nan,
        "geo_noise_relative": float(max(forward.noise_relative, backward.noise_relative)),
        "geo_direction_gap": float(gap),
        "geo_shift": abs(float(estimate.offset_frames) - float(forward.coarse_offset_frames)) if conclusive else 0.0,
        "geo_rival_taken": float(rival is not None),
    }


def _track_evidence(track_a: PoseTrack, track_b: PoseTrack) -> dict[str, float]:
    from videosync.poses.stats import relative_jitter

    jitters = [relative_jitter(t) for t in (track_a, track_b)]
    known = [j for j in jitters if math.isfinite(j)]
    return {
        "min_fps": float(min(track_a.fps, track_b.fps)),
        "log_min_fps": math.log10(min(track_a.fps, track_b.fps)),
        "fps_assumed": float(any(t.meta.get("fps_source") in ("assumed", "motion") for t in (track_a, track_b))),
        "rate_unresolved": float(any(bool(t.meta.get("fps_unresolved")) for t in (track_a, track_b))),
        "turned_upright": float(any(bool(t.meta.get("upright_turns")) for t in (track_a, track_b))),
        "jitter_relative": max(known) if known else math.nan,
        "moving_joints": float(min(_moving_joints(track_a), _moving_joints(track_b))),
        "valid_share": float(min(_valid_share(track_a), _valid_share(track_b))),
    }


def _moving_joints(track: PoseTrack) -> int:
    """How many joints move by more than MOVING_SIZES_PER_SECOND person-sizes per second."""
    from videosync.poses.stats import joint_speed, person_size

    dense = track.dense()
    size = person_size(track)
    if len(dense) < 3 or not (math.isfinite(size) and size > 0):
        return 0
    half_window = max(1, int(round(0.1 * track.fps)))
    speed = joint_speed(dense.keypoints, half_window) * track.fps / size  # sizes per second
    seen = dense.keypoints[..., 2] > 0
    moving = 0
    for j in range(speed.shape[1]):
        if seen[:, j].sum() >= 3 and np.percentile(speed[seen[:, j], j], 90) > MOVING_SIZES_PER_SECOND:
            moving += 1
    return moving


def _valid_share(track: PoseTrack) -> float:
    dense = track.dense()
    if len(dense) == 0:
        return 0.0
    return float(((dense.keypoints[..., 2] > 0).sum(axis=1) >= 5).mean())


def _halves_slide(estimate: Any) -> bool:
    return estimate.confidence == 0.0 and any("not constant" in n for n in estimate.notes)


def _part_gap(diagnostics: Mapping[str, Any]) -> float:
    gaps = []
    parts = diagnostics.get("matching_parts")
    if parts is not None and len(parts[0]) >= 2:
        gaps.append(float(np.ptp(parts[0])))
    halves = diagnostics.get("halves")
    if halves is not None:
        gaps.append(abs(float(halves[0][0]) - float(halves[0][1])))
    return max(gaps) if gaps else 0.0

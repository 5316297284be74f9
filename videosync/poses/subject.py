"""Main-subject tracking: which of the people detected in each frame is the one to synchronize.

Pose files and multi-person estimators list people in no stable order (OpenPose sorts by
confidence, so a bystander is sometimes first), and taking ``people[0]`` would splice two people
into one track and wreck the matching. Instead, detections are linked across frames into tracks,
and the subject is the track that is large and present the longest, chosen once for the whole
sequence.

Linking is frame to frame: a cost between each live track and each detection (mean keypoint
distance relative to body size, plus one minus box overlap), gated, solved by the Hungarian
method (:func:`scipy.optimize.linear_sum_assignment`). Tracks survive gaps of up to ``max_gap``
frames. A person split into two skeletons in one frame (OpenPose does this) matches the track
with whichever part overlaps its box more; the other part becomes a short track that never wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from videosync.poses.layouts import NUM_JOINTS

#: Default gate on the mean keypoint distance between a track and a detection one frame later,
#: as a fraction of the body's box diagonal; it widens by a quarter per extra frame of gap.
MAX_DIST = 0.3
#: Default number of missing frames a track survives.
MAX_GAP = 15

_REJECT = 1e6


@dataclass(frozen=True)
class SubjectChoice:
    """The chosen person's keypoints and why that person was chosen (for a track's ``meta``)."""

    keypoints: np.ndarray  # (T, 17, 3); zeros where the chosen track has no detection
    track_id: int  # id of the chosen track (ids number tracks in order of first appearance)
    rank: int  # its rank by score, 0 = main subject
    n_tracks: int
    scores: tuple[float, ...]  # every track's score, best first
    coverage: float  # fraction of frames in which the chosen track is present

    def meta(self) -> dict[str, Any]:
        return {
            "person": self.rank,
            "track_id": self.track_id,
            "n_tracks": self.n_tracks,
            "track_scores": [round(s, 1) for s in self.scores[:5]],
            "coverage": round(self.coverage, 4),
        }


def _boxes(kp: np.ndarray) -> np.ndarray:
    """``(n, 17, 3)`` -> ``(n, 4)`` x0, y0, x1, y1 over the valid joints (zeros if none)."""
    valid = kp[..., 2] > 0
    xy = kp[..., :2]
    lo = np.where(valid[..., None], xy, np.inf).min(axis=1)
    hi = np.where(valid[..., None], xy, -np.inf).max(axis=1)
    box = np.concatenate([lo, hi], axis=1)
    box[~valid.any(axis=1)] = 0.0
    return box


def _diag(box: np.ndarray) -> np.ndarray:
    return np.hypot(box[..., 2] - box[..., 0], box[..., 3] - box[..., 1])


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise box overlap ``(m, 4) x (n, 4) -> (m, n)``."""
    w = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    h = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    inter = w * h
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def _costs(ref: np.ndarray, ref_box: np.ndarray, det: np.ndarray, det_box: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean keypoint distance (in body diagonals; inf without a common joint) and total cost."""
    common = (ref[:, None, :, 2] > 0) & (det[None, :, :, 2] > 0)
    dist = np.linalg.norm(ref[:, None, :, :2] - det[None, :, :, :2], axis=-1)
    n_common = common.sum(axis=-1)
    scale = np.maximum(np.maximum(_diag(ref_box)[:, None], _diag(det_box)[None, :]), 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        kp = np.where(n_common > 0, (dist * common).sum(axis=-1) / n_common / scale, np.inf)
    return kp, kp + 1.0 - _iou(ref_box, det_box)


def link_tracks(
    frames: Sequence[np.ndarray],
    frame_index: np.ndarray | None = None,
    *,
    max_dist: float = MAX_DIST,
    max_gap: int = MAX_GAP,
) -> list[np.ndarray]:
    """Link per-frame detections into tracks.

    ``frames``: one ``(n_people, 17, 3)`` array per row; ``frame_index``: the source frame number
    of each row (gaps count as missing frames), default ``0..T-1``.
    Returns one int array per row giving each detection's track id (-1 for a detection without
    any valid joint). Track ids number the tracks in order of first appearance.
    """
    fi = np.arange(len(frames)) if frame_index is None else np.asarray(frame_index, dtype=np.int64)
    ref = np.zeros((0, NUM_JOINTS, 3))  # last known position of each joint of each live track
    seen = np.zeros((0, NUM_JOINTS), dtype=np.int64)  # frame each of those joints was last seen
    last = np.zeros(0, dtype=np.int64)  # frame each live track was last matched
    ids = np.zeros(0, dtype=np.int64)
    next_id = 0
    labels: list[np.ndarray] = []
    for t, det in enumerate(frames):
        f = int(fi[t])
        det = np.asarray(det, dtype=np.float64).reshape(-1, NUM_JOINTS, 3)
        lab = np.full(len(det), -1, dtype=np.int64)
        keep = np.flatnonzero((det[..., 2] > 0).any(axis=1))
        det = det[keep]
        live = f - last <= max_gap + 1
        ref, seen, last, ids = ref[live], seen[live], last[live], ids[live]
        matched_det = np.zeros(len(det), dtype=bool)
        if len(ids) and len(det):
            fresh = ref.copy()
            fresh[f - seen > max_gap + 1] = 0.0  # forget joints not seen for too long
            kp, cost = _costs(fresh, _boxes(fresh), det, _boxes(det))
            gate = max_dist * (1.0 + 0.25 * (f - last - 1))[:, None]
            cost = np.where(kp <= gate, cost, _REJECT)
            rows, cols = linear_sum_assignment(cost)
            ok = cost[rows, cols] < _REJECT
            rows, cols = rows[ok], cols[ok]
            v = det[cols, :, 2] > 0
            ref[rows] = np.where(v[..., None], det[cols], ref[rows])
            seen[rows] = np.where(v, f, seen[rows])
            last[rows] = f
            lab[keep[cols]] = ids[rows]
            matched_det[cols] = True
        new = np.flatnonzero(~matched_det)
        if len(new):
            new_ids = np.arange(next_id, next_id + len(new))
            next_id += len(new)
            ref = np.concatenate([ref, det[new]])
            seen = np.concatenate([seen, np.full((len(new), NUM_JOINTS), f, dtype=np.int64)])
            last = np.concatenate([last, np.full(len(new), f, dtype=np.int64)])
            ids = np.concatenate([ids, new_ids])
            lab[keep[new]] = new_ids
        labels.append(lab)
    return labels


def choose_subject(
    frames: Sequence[np.ndarray],
    frame_index: np.ndarray | None = None,
    *,
    person: int = 0,
    max_dist: float = MAX_DIST,
    max_gap: int = MAX_GAP,
) -> SubjectChoice:
    """Pick one person's keypoints for every frame, the same person throughout.

    Tracks are ranked by the sum over their frames of box diagonal (px) times mean joint score
    (missing joints count 0): large, complete, confidently detected and long-lasting wins, which
    is the filmed subject rather than a bystander or a fragment. ``person`` picks the track of
    that rank (0 = main subject). ValueError if there are fewer tracks than ``person + 1``.
    """
    if person < 0:
        raise ValueError(f"person must be >= 0, got {person}")
    labels = link_tracks(frames, frame_index, max_dist=max_dist, max_gap=max_gap)
    counts = np.array([len(lab) for lab in labels], dtype=np.int64)
    n_rows = len(labels)
    out = np.zeros((n_rows, NUM_JOINTS, 3), dtype=np.float32)
    if counts.sum() == 0:
        raise ValueError("no person detected in any frame")
    det = np.concatenate([np.asarray(f, dtype=np.float64).reshape(-1, NUM_JOINTS, 3) for f in frames])
    lab = np.concatenate(labels)
    row = np.repeat(np.arange(n_rows), counts)
    ok = lab >= 0
    det, lab, row = det[ok], lab[ok], row[ok]
    if len(lab) == 0:
        raise ValueError("no person detected in any frame")
    weight = _diag(_boxes(det)) * np.clip(det[..., 2], 0, None).mean(axis=1)
    score = np.bincount(lab, weights=weight)
    order = np.lexsort((np.arange(len(score)), -score))  # best first, ties by first appearance
    if person >= len(order):
        raise ValueError(f"person {person} requested but only {len(order)} people were tracked")
    chosen = int(order[person])
    mine = lab == chosen
    out[row[mine]] = det[mine]
    return SubjectChoice(
        keypoints=out,
        track_id=chosen,
        rank=person,
        n_tracks=len(order),
        scores=tuple(float(s) for s in score[order]),
        coverage=float(mine.sum()) / max(n_rows, 1),
    )

"""Main-subject tracking: which of the people detected in each frame is the one to synchronize.

Pose files and multi-person estimators list people in no stable order (OpenPose sorts by
confidence, so a bystander is sometimes first), and taking ``people[0]`` would splice two people
into one track and wreck the matching. Instead, detections are linked across frames into tracks,
and the subject is the track that is large and present the longest, chosen once for the whole
sequence.

Linking: each live track is represented by its last detection. The cost between a track and a
new detection is the mean distance of their common joints (in body-box diagonals; the smaller of
the detection as labelled and mirrored left/right, since estimators swap the labels of a person's
sides for a few frames) plus one minus the overlap (IoU) of their boxes; pairs whose distance exceeds a gate are impossible. Each frame
is one assignment problem solved by the Hungarian method
(:func:`scipy.optimize.linear_sum_assignment`), so two people crossing keep their identities as
long as the pair, taken together, fits better that way. A track survives ``max_gap`` missing
frames (the gate widens with the gap). A person split into two skeletons in one frame (OpenPose
does this) keeps the part that overlaps its box more; the other part becomes a short track
that never wins.

Speed: costs between detections of consecutive rows are computed for the whole file in a few
vectorised passes; the per-frame loop only solves the small assignment, and computes costs on
the fly just for tracks that are bridging a gap. 100k frames take a few seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from videosync.poses.layouts import COCO17_FLIP, NUM_JOINTS
from videosync.tunables import CANDIDATE_SHARE, MAX_SUBJECTS_TRIED, TRACK_GATE_GROWTH, TRACK_MAX_DIST, TRACK_MAX_GAP


_REJECT = 1e6  # cost of an impossible pair (finite: linear_sum_assignment refuses infeasible inf)
_CHUNK = 1 << 16  # pairs per vectorised pass, to bound memory on long crowded files


@dataclass(frozen=True)
class SubjectChoice:
    """The chosen person's keypoints and why that person was chosen (for a track's ``meta``)."""

    keypoints: np.ndarray  # (T, 17, 3); zeros where the chosen track has no detection
    track_id: int  # id of the chosen track (ids number tracks in order of first appearance)
    rank: int  # its rank by score, 0 = main subject
    n_tracks: int
    scores: tuple[float, ...]  # every track's score, best first
    coverage: float  # fraction of rows in which the chosen track is present

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


class _Detections:
    """All detections of a file, stacked, with what the costs need precomputed once."""

    def __init__(self, kp: np.ndarray) -> None:
        self.xy = kp[..., :2]
        self.valid = kp[..., 2] > 0
        self.box = _boxes(kp)
        self.diag = _diag(self.box)
        self.area = (self.box[:, 2] - self.box[:, 0]) * (self.box[:, 3] - self.box[:, 1])

    def costs(self, i: np.ndarray, j: np.ndarray, gap: np.ndarray, max_dist: float, max_gap: int) -> np.ndarray:
        """Cost of linking detection ``i`` to detection ``j`` seen ``gap`` frames later, pairwise."""
        out = np.empty(len(i))
        for a in range(0, len(i), _CHUNK):
            ii, jj, g = i[a : a + _CHUNK], j[a : a + _CHUNK], gap[a : a + _CHUNK]
            common = self.valid[ii] & self.valid[jj]
            n_common = common.sum(axis=1)
            scale = np.maximum(np.maximum(self.diag[ii], self.diag[jj]), 1.0)
            dist = np.linalg.norm(self.xy[ii] - self.xy[jj], axis=-1)
            kp = (dist * common).sum(axis=1) / (np.maximum(n_common, 1) * scale)
            # the same person with left and right labels swapped (estimators do this for a few
            # frames, notably on fast arms) must stay the same track: compare mirrored too
            flip = list(COCO17_FLIP)
            common_f = self.valid[ii] & self.valid[jj][:, flip]
            dist_f = np.linalg.norm(self.xy[ii] - self.xy[jj][:, flip], axis=-1)
            kp_f = (dist_f * common_f).sum(axis=1) / (np.maximum(common_f.sum(axis=1), 1) * scale)
            mirrored = (common_f.sum(axis=1) >= n_common) & (kp_f < kp)
            kp = np.where(mirrored, kp_f, kp)
            n_common = np.where(mirrored, common_f.sum(axis=1), n_common)
            bi, bj = self.box[ii], self.box[jj]
            iw = np.minimum(bi[:, 2], bj[:, 2]) - np.maximum(bi[:, 0], bj[:, 0])
            ih = np.minimum(bi[:, 3], bj[:, 3]) - np.maximum(bi[:, 1], bj[:, 1])
            inter = np.clip(iw, 0, None) * np.clip(ih, 0, None)
            iou = inter / np.maximum(self.area[ii] + self.area[jj] - inter, 1e-9)
            ok = (n_common > 0) & (g <= max_gap + 1) & (kp <= max_dist * (1.0 + TRACK_GATE_GROWTH * (g - 1)))
            out[a : a + _CHUNK] = np.where(ok, kp + 1.0 - iou, _REJECT)
        return out


def link_tracks(
    frames: Sequence[np.ndarray],
    frame_index: np.ndarray | None = None,
    *,
    max_dist: float = TRACK_MAX_DIST,
    max_gap: int = TRACK_MAX_GAP,
) -> list[np.ndarray]:
    """Link per-frame detections into tracks.

    ``frames``: one ``(n_people, 17, 3)`` array per row; ``frame_index``: the source frame number
    of each row (gaps count as missing frames), default ``0..T-1``.
    Returns one int array per row giving each detection's track id (-1 for a detection without
    any valid joint). Track ids number the tracks in order of first appearance.
    """
    det, counts = _stack(frames)
    labels = _link(det, counts, _frame_numbers(frame_index, len(counts)), max_dist, max_gap)
    return np.split(labels, np.cumsum(counts)[:-1])


def _stack(frames: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    arrays = [np.asarray(f, dtype=np.float64).reshape(-1, NUM_JOINTS, 3) for f in frames]
    counts = np.array([len(a) for a in arrays], dtype=np.int64)
    det = np.concatenate(arrays) if arrays else np.zeros((0, NUM_JOINTS, 3))
    return det, counts


def _frame_numbers(frame_index: np.ndarray | None, n: int) -> np.ndarray:
    if frame_index is None:
        return np.arange(n, dtype=np.int64)
    fi = np.asarray(frame_index, dtype=np.int64).reshape(-1)
    if len(fi) != n:
        raise ValueError(f"{len(fi)} frame numbers for {n} frames")
    return fi


@dataclass(frozen=True)
class _Waiting:
    """Live tracks that missed the previous row: their ids, the index of their last detection and
    the frame of it."""

    ids: np.ndarray
    dets: np.ndarray
    frames: np.ndarray

    @classmethod
    def none(cls) -> _Waiting:
        return cls(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))

    def at(self, frame: int, lim: int) -> _Waiting:
        """Those still alive at ``frame`` (missing for at most ``lim`` frames)."""
        if not len(self.ids) or frame - int(self.frames.min()) <= lim:
            return self
        keep = frame - self.frames <= lim
        return _Waiting(self.ids[keep], self.dets[keep], self.frames[keep])


def _consecutive_costs(d: _Detections, row: np.ndarray, n_rows: int, fi: np.ndarray, max_dist: float,
                       max_gap: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Costs between every detection of row t-1 and every detection of row t, all rows at once:
    ``(bounds, starts, cost)``, row t's detections being ``bounds[t]:bounds[t + 1]`` and its
    costs ``cost[starts[t]:starts[t + 1]]`` (previous row's detections x this row's)."""
    bounds = np.searchsorted(row, np.arange(n_rows + 1))
    cnt = np.diff(bounds)
    n_prev = np.concatenate([[0], cnt[:-1]])
    starts = np.concatenate([[0], np.cumsum(n_prev * cnt)])
    pair_row = np.repeat(np.arange(len(cnt)), n_prev * cnt)
    k = np.arange(starts[-1]) - starts[pair_row]
    i = bounds[pair_row - 1] + k // cnt[pair_row]
    j = bounds[pair_row] + k % cnt[pair_row]
    return bounds, starts, d.costs(i, j, fi[pair_row] - fi[pair_row - 1], max_dist, max_gap)


def _link(det: np.ndarray, counts: np.ndarray, fi: np.ndarray, max_dist: float, max_gap: int) -> np.ndarray:
    """Track id of every detection in the stacked ``det`` (``counts[t]`` of them in row ``t``)."""
    labels = np.full(len(det), -1, dtype=np.int64)
    where = np.flatnonzero((det[..., 2] > 0).any(axis=1))  # detections with a joint, in row order
    d = _Detections(det[where])
    row = np.repeat(np.arange(len(counts)), counts)[where]
    bounds, starts, cost = _consecutive_costs(d, row, len(counts), fi, max_dist, max_gap)
    lab = np.full(len(where), -1, dtype=np.int64)
    waiting, next_id = _Waiting.none(), 0
    b, st, fnum = bounds.tolist(), starts.tolist(), fi.tolist()
    for t in range(len(counts)):
        s, e, f = b[t], b[t + 1], fnum[t]
        ps, pe = (b[t - 1], b[t]) if t else (0, 0)
        waiting = waiting.at(f, max_gap + 1)
        n, m_prev = e - s, pe - ps
        if n == 0:
            if m_prev:
                waiting = _Waiting(np.concatenate([waiting.ids, lab[ps:pe]]),
                                   np.concatenate([waiting.dets, np.arange(ps, pe)]),
                                   np.concatenate([waiting.frames, np.full(m_prev, fnum[t - 1])]))
            continue
        if m_prev and not len(waiting.ids) and n * m_prev == 1:  # the common case, kept cheap
            if cost[st[t]] < _REJECT:
                lab[s] = lab[ps]
            else:
                waiting = _Waiting(lab[ps : ps + 1].copy(), np.array([ps]), np.array([fnum[t - 1]]))
                lab[s] = next_id
                next_id += 1
            continue
        c = cost[st[t] : st[t + 1]].reshape(m_prev, n)
        waiting, next_id = _assign_row(d, lab, c, (ps, pe), (s, e), f, fnum[t - 1] if t else f, waiting, next_id,
                                       max_dist, max_gap)
    labels[where] = lab
    return labels


def _assign_row(d: _Detections, lab: np.ndarray, c: np.ndarray, prev: tuple[int, int], cur: tuple[int, int],
                f: int, f_prev: int, waiting: _Waiting, next_id: int, max_dist: float, max_gap: int
                ) -> tuple[_Waiting, int]:
    """Label row ``cur``'s detections (``lab[s:e]``) by an optimal assignment to the previous row's
    tracks (costs ``c``) and the waiting ones; new tracks for the rest. Returns the tracks that
    wait now, and the next free id."""
    (ps, pe), (s, e) = prev, cur
    n, m_prev = e - s, pe - ps
    if len(waiting.dets):  # tracks bridging a gap compete too: their costs are computed now
        c_old = d.costs(np.repeat(waiting.dets, n), np.tile(np.arange(s, e), len(waiting.dets)),
                        f - np.repeat(waiting.frames, n), max_dist, max_gap)
        c = np.concatenate([c, c_old.reshape(-1, n)])
    rows, cols = linear_sum_assignment(c) if len(c) else (np.zeros(0, np.intp), np.zeros(0, np.intp))
    good = c[rows, cols] < _REJECT
    rows, cols = rows[good], cols[good]
    from_prev = rows < m_prev
    lab[s + cols[from_prev]] = lab[ps + rows[from_prev]]
    lab[s + cols[~from_prev]] = waiting.ids[rows[~from_prev] - m_prev]
    if len(cols) < n:
        new = np.ones(n, dtype=bool)
        new[cols] = False
        lab[s:e][new] = np.arange(next_id, next_id + int(new.sum()))
        next_id += int(new.sum())
    if len(rows) < len(c):  # unmatched tracks wait, until too old, among those that missed a row
        missed = np.ones(len(c), dtype=bool)
        missed[rows] = False
        return _Waiting(np.concatenate([lab[ps:pe], waiting.ids])[missed],
                        np.concatenate([np.arange(ps, pe), waiting.dets])[missed],
                        np.concatenate([np.full(m_prev, f_prev), waiting.frames])[missed]), next_id
    return _Waiting.none() if len(waiting.ids) else waiting, next_id


@dataclass
class RankedTracks:
    """Every tracked person of a recording, ranked (see :func:`rank_tracks`).

    Why a separate step: the linking is the costly part, and ``align`` may need several people of
    one recording (:func:`candidate_ranks`); each :meth:`choose` only selects.
    """

    det: np.ndarray  # (N, 17, 3) detections that belong to a track
    lab: np.ndarray  # (N,) their track ids
    row: np.ndarray  # (N,) their rows
    n_rows: int
    score: np.ndarray  # per track id
    order: np.ndarray  # track ids, best first

    def choose(self, person: int = 0) -> SubjectChoice:
        """The keypoints of the track of rank ``person`` (0 = main subject). ValueError if
        there are fewer tracks than ``person + 1``."""
        if person < 0:
            raise ValueError(f"person must be >= 0, got {person}")
        if person >= len(self.order):
            raise ValueError(f"person {person} requested but only {len(self.order)} people were tracked")
        chosen = int(self.order[person])
        mine = self.lab == chosen
        out = np.zeros((self.n_rows, NUM_JOINTS, 3), dtype=np.float32)
        out[self.row[mine]] = self.det[mine]
        return SubjectChoice(
            keypoints=out,
            track_id=chosen,
            rank=person,
            n_tracks=len(self.order),
            scores=tuple(float(s) for s in self.score[self.order]),
            coverage=float(mine.sum()) / max(self.n_rows, 1),
        )


def rank_tracks(
    frames: Sequence[np.ndarray],
    frame_index: np.ndarray | None = None,
    *,
    max_dist: float = TRACK_MAX_DIST,
    max_gap: int = TRACK_MAX_GAP,
) -> RankedTracks:
    """Link the detections into tracks and rank them.

    Tracks are ranked by the sum over their frames of box diagonal (px) times mean joint score
    (missing joints count 0): large, complete, confidently detected and long-lasting wins, which
    is the filmed subject rather than a bystander or a fragment. ValueError if nobody is detected.
    """
    det, counts = _stack(frames)
    n_rows = len(counts)
    lab = _link(det, counts, _frame_numbers(frame_index, n_rows), max_dist, max_gap)
    row = np.repeat(np.arange(n_rows), counts)
    ok = lab >= 0
    det, lab, row = det[ok], lab[ok], row[ok]
    if len(lab) == 0:
        raise ValueError("no person detected in any frame")
    weight = _diag(_boxes(det)) * np.clip(det[..., 2], 0, None).mean(axis=1)
    score = np.bincount(lab, weights=weight)
    order = np.lexsort((np.arange(len(score)), -score))  # best first, ties by first appearance
    return RankedTracks(det, lab, row, n_rows, score, order)


def choose_subject(
    frames: Sequence[np.ndarray],
    frame_index: np.ndarray | None = None,
    *,
    person: int = 0,
    max_dist: float = TRACK_MAX_DIST,
    max_gap: int = TRACK_MAX_GAP,
) -> SubjectChoice:
    """Pick one person's keypoints for every frame, the same person throughout: the track of
    rank ``person`` (0 = main subject) of :func:`rank_tracks`. ValueError if there are fewer
    tracks than ``person + 1``."""
    if person < 0:
        raise ValueError(f"person must be >= 0, got {person}")
    return rank_tracks(frames, frame_index, max_dist=max_dist, max_gap=max_gap).choose(person)




def candidate_ranks(track_scores: Sequence[float]) -> list[int]:
    """Ranks (0 = main subject) of the people who could be the subject, from a track's
    ``meta["track_scores"]`` (best first): the main subject and anyone who scores at least
    ``CANDIDATE_SHARE`` of it, at most ``MAX_SUBJECTS_TRIED``.

    Why more than one: in a single view, "largest and present longest" is a good guess, but a
    second performer nearer to one camera wins there while the others see the subject; only the
    other cameras can tell which person they share.
    """
    scores = [float(s) for s in track_scores]
    if not scores or not scores[0] > 0:
        return [0]
    return [r for r, s in enumerate(scores[:MAX_SUBJECTS_TRIED]) if s >= CANDIDATE_SHARE * scores[0]]

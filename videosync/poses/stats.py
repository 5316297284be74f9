"""Statistics of one person's keypoints over time: how much they jitter, how big the person is,
how fast each joint moves, and positions smoothed along a local line.

They describe a pose track, whatever uses them: the geometric refinement
(:mod:`videosync.sync.refine`) weights joints by their speed and judges its errors against the
person's size and jitter; SeSyn chooses its network variant by the jitter
(:mod:`videosync.sync.methods.sesyn`).
"""

from __future__ import annotations

import numpy as np

from videosync.poses.track import PoseTrack
from videosync.tunables import KEYPOINT_MIN_SCORE


def keypoint_jitter(track: PoseTrack, min_score: float = KEYPOINT_MIN_SCORE) -> float:
    """Robust per-coordinate standard deviation (px) of the frame-to-frame jitter of the keypoints.

    From second differences ``x[t-1] - 2 x[t] + x[t+1]`` of joints seen in three consecutive
    frames: independent noise of deviation ``s`` gives them deviation ``sqrt(6) s``, while smooth
    motion hardly contributes (its acceleration over one frame). The median absolute value makes
    the estimate ignore swaps and glitches. NaN when fewer than 10 triples are seen.
    """
    return keypoints_jitter_px(track.dense().keypoints, min_score)


def keypoints_jitter_px(keypoints: np.ndarray, min_score: float) -> float:
    """:func:`keypoint_jitter` of a dense track's ``(T, J, 3)`` keypoints (in their units)."""
    kp = np.asarray(keypoints, dtype=np.float64)
    seen = kp[..., 2] > min_score
    ok = seen[:-2] & seen[1:-1] & seen[2:]
    second = (kp[:-2, :, :2] - 2.0 * kp[1:-1, :, :2] + kp[2:, :, :2])[ok]
    if len(second) < 10:
        return float("nan")
    return 1.4826 * float(np.median(np.abs(second))) / np.sqrt(6.0)


def image_jitter(track: PoseTrack, min_score: float = KEYPOINT_MIN_SCORE) -> float:
    """:func:`keypoint_jitter` with x measured in widths and y in heights of the image.

    That is the jitter the embedding network sees (its input is ``PoseTrack.normalized``), and the
    unit its training augmentation draws jitter in (``tunables.JITTER_FLOOR``); a small person with
    precise keypoints jitters little in it, unlike in :func:`relative_jitter`.
    """
    kp = track.dense().keypoints.astype(np.float64)
    scaled = kp / np.array([track.width, track.height, 1.0])
    return keypoints_jitter_px(scaled, min_score)


def relative_jitter(track: PoseTrack, min_score: float = KEYPOINT_MIN_SCORE) -> float:
    """:func:`keypoint_jitter` as a share of the person's size (NaN when either is unknown)."""
    return share_of_size(keypoint_jitter(track, min_score), person_size(track, min_score))


def share_of_size(value: float, size: float) -> float:
    """``value`` (px) as a share of a person's ``size`` (px); NaN when the size is unknown."""
    return value / size if np.isfinite(size) and size > 0 else float("nan")


def person_size(track: PoseTrack, min_score: float = KEYPOINT_MIN_SCORE) -> float:
    """Median over frames of the larger side of the joints' bounding box (px).

    The larger side, not the height, so that a camera mounted sideways measures the same person.
    """
    return keypoints_size_px(track.keypoints, min_score)


def keypoints_size_px(keypoints: np.ndarray, min_score: float) -> float:
    """:func:`person_size` of ``(T, J, 3)`` keypoints (empty rows, as a dense track has, do not count)."""
    kp = keypoints
    seen = kp[..., 2] > min_score
    enough = seen.sum(axis=1) >= 2
    if not enough.any():
        return float("nan")
    xy = np.where(seen[..., None], kp[..., :2], np.nan)[enough]
    extent = np.nanmax(xy, axis=1) - np.nanmin(xy, axis=1)
    return float(np.median(extent.max(axis=1)))


def _local_lines(keypoints: np.ndarray, half_window: int, min_score: float, min_seen: int
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Least-squares line through each joint's positions over the frames ``t - half_window ..
    t + half_window`` where it is seen: ``(T, J, 2)`` value at ``t``, ``(T, J, 2)`` slope (px per
    frame), and ``(T, J)`` whether the joint is seen at ``t`` and in at least ``min_seen`` frames
    of the window (elsewhere both are 0)."""
    kp = np.asarray(keypoints, dtype=np.float64)
    n, h = len(kp), max(1, int(half_window))
    seen = (kp[..., 2] > min_score).astype(np.float64)
    xy = np.where(seen[..., None] > 0, kp[..., :2], 0.0)
    pad = lambda a: np.concatenate([np.zeros((h,) + a.shape[1:]), a, np.zeros((h,) + a.shape[1:])])  # noqa: E731
    # window sums of 1, u, u^2, y, u*y over the seen frames, u = frame - t in -h..h
    m_win = np.lib.stride_tricks.sliding_window_view(pad(seen), 2 * h + 1, axis=0)  # (T, J, 2h+1)
    y_win = np.lib.stride_tricks.sliding_window_view(pad(xy), 2 * h + 1, axis=0)  # (T, J, 2, 2h+1)
    u = np.arange(-h, h + 1, dtype=np.float64)
    s0, s1, s2 = m_win.sum(-1), (m_win * u).sum(-1), (m_win * u**2).sum(-1)
    sy = y_win.sum(-1)
    suy = (y_win * u).sum(-1)
    den = s0 * s2 - s1**2
    ok = (seen > 0) & (s0 >= min_seen) & (den > 0)
    safe = np.where(ok, den, 1.0)[..., None]
    slope = np.where(ok[..., None], (s0[..., None] * suy - s1[..., None] * sy) / safe, 0.0)
    value = np.where(ok[..., None], (s2[..., None] * sy - s1[..., None] * suy) / safe, 0.0)
    return value[:n], slope[:n], ok[:n]


def joint_speed(keypoints: np.ndarray, half_window: int, min_score: float = KEYPOINT_MIN_SCORE) -> np.ndarray:
    """``(T, J)`` image speed (px per frame) of each joint: the least-squares slope of its position
    over the frames ``t - half_window .. t + half_window`` where it is seen. 0 where the joint is
    unseen at ``t`` or seen in fewer than two frames of the window.

    ``keypoints`` are ``(T, J, 3)`` rows evenly spaced in time (a dense track).
    """
    _, slope, _ = _local_lines(keypoints, half_window, min_score, 2)
    return np.linalg.norm(slope, axis=-1)


def smooth_positions(keypoints: np.ndarray, half_window: int, min_score: float = KEYPOINT_MIN_SCORE) -> np.ndarray:
    """``keypoints`` (T, J, 3) with each seen joint's position replaced by the value at ``t`` of a
    least-squares line through its positions over ``t +- half_window`` frames (kept as it is
    where it is seen in fewer than 3 of them); scores unchanged.

    Why (the refinement smooths noisy views): see ``tunables.SMOOTH_SECONDS``. A line, not a
    plain average, so that a window cut by the track's ends or by missed detections does not
    pull the position towards the frames it has.
    """
    value, _, ok = _local_lines(keypoints, half_window, min_score, 3)
    out = np.array(keypoints, dtype=np.float64, copy=True)
    out[..., :2] = np.where(ok[..., None], value, out[..., :2])
    return out

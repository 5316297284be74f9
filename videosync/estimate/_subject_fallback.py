"""STAND-IN for ``videosync.poses.subject.select_subject`` until that module lands on main.

Only :func:`videosync.estimate.subject.pick_subject` imports this, and only when the real tracker
is missing. It is deliberately minimal: greedy frame-to-frame association by box centre, and
"most prominent" = largest sum of box heights over the frames a person is seen (big and present
for long). Delete it once ``videosync/poses/subject.py`` exists.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from videosync.poses.layouts import NUM_JOINTS

#: A detection joins a track if its box centre moved less than this many box heights.
MAX_JUMP = 0.75
#: Frames a track may go unseen and still be continued.
MAX_GAP = 30


def _box(person: np.ndarray) -> tuple[np.ndarray, float] | None:
    ok = person[:, 2] > 0
    if ok.sum() < 2:
        return None
    xy = person[ok, :2]
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    return (lo + hi) / 2, float(max(hi[1] - lo[1], hi[0] - lo[0], 1.0))


def select_subject(per_frame_people: Sequence[np.ndarray], person: int = 0) -> np.ndarray:
    """``(T, 17, 3)`` keypoints of the ``person``-th most prominent person; zero rows where absent.

    Raises IndexError when fewer than ``person + 1`` people were seen.
    """
    tracks: list[dict] = []  # {"rows": {t: kp}, "centre", "size", "last", "weight"}
    for t, people in enumerate(per_frame_people):
        people = np.asarray(people, dtype=np.float32).reshape(-1, NUM_JOINTS, 3)
        boxes = [_box(p) for p in people]
        order = sorted(range(len(people)), key=lambda i: -(boxes[i][1] if boxes[i] else 0))
        taken: set[int] = set()
        for i in order:
            if boxes[i] is None:
                continue
            centre, size = boxes[i]
            best, best_cost = None, MAX_JUMP
            for k, tr in enumerate(tracks):
                if k in taken or t - tr["last"] > MAX_GAP:
                    continue
                cost = float(np.linalg.norm(centre - tr["centre"])) / max(size, tr["size"])
                if cost < best_cost:
                    best, best_cost = k, cost
            if best is None:
                tracks.append({"rows": {}, "weight": 0.0})
                best = len(tracks) - 1
            tr = tracks[best]
            tr.update(centre=centre, size=size, last=t)
            tr["rows"][t] = people[i]
            tr["weight"] += size
            taken.add(best)
    ranked = sorted(tracks, key=lambda tr: -tr["weight"])
    if person >= len(ranked):
        raise IndexError(f"person {person} requested but only {len(ranked)} found")
    out = np.zeros((len(per_frame_people), NUM_JOINTS, 3), dtype=np.float32)
    for t, kp in ranked[person]["rows"].items():
        out[t] = kp
    return out

"""Hard conditions on the synthetic short preset: low frame rates, a tilted camera, head-and-shoulders.

``bench_conditions.py`` makes such conditions from the real Pose2Sim demo videos, but those clips
last 1.7 s; this script makes them from the synthetic evaluation pairs (4 s windows of real
motion capture at 30 fps, both views equally long, true offsets uniform in [-30, 30]), 312 pairs
per split, so each figure rests on many pairs. Conditions (applied to the pose files, the
windows stay equally long, so nothing reveals the offset):

* ``clean``: the pairs as they are (the control);
* ``15fps`` / ``10fps``: every 2nd / 3rd frame of both views kept, renumbered, at 15 / 10 fps; the
  true offset becomes k / 2 or k / 3 frames of the new rate;
* ``roll30`` / ``roll60``: B's joints turned 30 / 60 degrees in the image plane about the image
  centre (a camera tilted on its mount; quarter turns are undone by ``align``, these are not);
* ``head-shoulders``: hips, knees and ankles removed from both views (a webcam framing).

Errors are in frames of the condition's own rate; ``err ms`` is the mean error in milliseconds,
comparable across rates. Matching only (no geometric refinement), as ``bench_model.py``.

The table is also written to this script's section of ``docs/results.md`` (one per split).

Run: ``python benchmarks/bench_synthetic_conditions.py [--data data/synth-short] [--split test]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._results import write_section  # noqa: E402
from videosync.datasets import find_pairs  # noqa: E402
from videosync.errors import CannotSynchronizeError  # noqa: E402
from videosync.poses import PoseTrack  # noqa: E402
from videosync.poses.npz import load_npz  # noqa: E402
from videosync.sync.methods import make_method  # noqa: E402

LOWER_BODY = [11, 12, 13, 14, 15, 16]


def every(track: PoseTrack, step: int) -> PoseTrack:
    """Every ``step``-th frame, renumbered, at ``fps / step``."""
    kept = track.select(np.arange(len(track)) % step == 0)
    out = kept.with_keypoints(kept.keypoints, np.arange(len(kept)))
    out.fps = track.fps / step
    return out


def rolled(track: PoseTrack, degrees: float) -> PoseTrack:
    a = np.deg2rad(degrees)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    kp = track.keypoints.astype(np.float64).copy()
    centre = np.array([track.width / 2.0, track.height / 2.0])
    kp[..., :2] = (kp[..., :2] - centre) @ rot.T + centre
    return track.with_keypoints(kp.astype(np.float32))


def without(track: PoseTrack, joints: list[int]) -> PoseTrack:
    kp = track.keypoints.copy()
    kp[:, joints, :] = 0.0
    return track.with_keypoints(kp)


#: name -> (transform of A, transform of B, frames of the source per frame of the condition)
CONDITIONS = {
    "clean": (lambda t: t, lambda t: t, 1),
    "15fps": (lambda t: every(t, 2), lambda t: every(t, 2), 2),
    "10fps": (lambda t: every(t, 3), lambda t: every(t, 3), 3),
    "roll30": (lambda t: t, lambda t: rolled(t, 30.0), 1),
    "roll60": (lambda t: t, lambda t: rolled(t, 60.0), 1),
    "head-shoulders": (lambda t: without(t, LOWER_BODY), lambda t: without(t, LOWER_BODY), 1),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/synth-short")
    parser.add_argument("--split", default="test")
    parser.add_argument("--conditions", default=",".join(CONDITIONS))
    parser.add_argument("--methods", default="sesyn,ssm")
    args = parser.parse_args()
    pairs = find_pairs(args.data, args.split)
    print(f"{len(pairs)} pairs ({args.split} split of {args.data}); matching only\n")
    table = ["| condition | method | Frm.err | err ms | Acc@1 % | refused | trusted (conf >= 0.2) | trusted > 1 frame off | time (s) |",
             "|---|---|---|---|---|---|---|---|---|"]
    print("\n".join(table))
    for cname in args.conditions.split(","):
        fa, fb, step = CONDITIONS[cname]
        for mname in args.methods.split(","):
            method = make_method(mname)
            errors, refused, trusted, trusted_wrong = [], 0, 0, 0
            t0 = time.perf_counter()
            for pair in pairs:
                a, b = fa(load_npz(pair.a)), fb(load_npz(pair.b))
                true = pair.offset_frames / step
                try:
                    est = method.estimate(a, b)
                    pred, conf = est.offset_frames, est.confidence
                except CannotSynchronizeError:
                    pred, conf = 0.0, 0.0
                    refused += 1
                err = abs(pred - true)
                errors.append(err)
                trusted += conf >= 0.2
                trusted_wrong += conf >= 0.2 and err > 1.0
            e = np.asarray(errors)
            ms = 1000.0 * e.mean() / (load_npz(pairs[0].b).fps / step)
            table.append(f"| {cname} | {mname} | {e.mean():.2f} | {ms:.0f} | {100 * np.mean(e <= 1):.1f} | {refused} | "
                         f"{trusted} | {trusted_wrong} | {time.perf_counter() - t0:.0f} |")
            print(table[-1], flush=True)
    write_section(f"bench_synthetic_conditions-{args.split}",
                  f"Hard conditions on the synthetic {args.split} split (matching only)",
                  f"{len(pairs)} pairs of `{args.data}`; conditions made from the pose files (equal windows "
                  "kept): both views at 15 or 10 fps (every 2nd / 3rd frame), B's camera tilted 30 or 60 "
                  "degrees in the image plane (roll30, roll60), hips and legs removed from both views "
                  "(head-shoulders). Errors in frames of the condition's own rate and in milliseconds; a "
                  "refused pair counts as a prediction of 0; *trusted*: confidence >= 0.2 (`align`'s default "
                  "threshold).\n\n" + "\n".join(table))


if __name__ == "__main__":
    main()

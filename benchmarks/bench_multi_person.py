"""Two performers: the Pose2Sim multi-person demo videos (the balancing participant plus a CGI
woman composited into all four views, 60 fps, 100 frames), ``videosync.align`` end to end.

For every camera pair, and for all four cameras at once, align runs twice: with ``person=0``
(each view's own main subject, what align did before it looked for the person the cameras
share) and with the default (``person=None``: other plausible people are tried, see
``videosync/subjects.py``). Printed per run: the offset(s) in frames, the confidence, which
person of each view was used, and whether that person is the participant or the woman (found
by comparing the view's tracks with the single-person demo video of the same camera, whose
only moving person is the participant: multi-person frame i = single-person frame i - 1).
The participant's true offset is 0; the woman's is assumed 0 (the renders share their frames),
not verified. Poses come from MediaPipe and are cached, so a second run is fast.

The table is also written to this script's section of ``docs/results.md``.

Run: ``python benchmarks/bench_multi_person.py``.
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import videosync  # noqa: E402
from benchmarks._paths import POSE2SIM_DEMO  # noqa: E402
from benchmarks._results import write_section  # noqa: E402
from videosync.errors import CannotSynchronizeError  # noqa: E402
from videosync.estimate import estimate_poses  # noqa: E402

DEMO = POSE2SIM_DEMO
CAMERAS = ("cam01", "cam02", "cam03", "cam04")
TORSO = [5, 6, 11, 12]


def who(camera: str) -> dict[int, str]:
    """Person rank -> 'participant' or 'woman' in this camera's multi-person video."""
    single = estimate_poses(DEMO / "single-person" / "videos" / f"{camera}.mp4", backend="mediapipe")
    ref = {int(f): k for f, k in zip(single.frame_index, single.keypoints)}
    distances = {}
    for rank in (0, 1):
        track = estimate_poses(DEMO / "multi-person" / "videos" / f"{camera}.mp4", backend="mediapipe", person=rank)
        d = []
        for f, k in zip(track.frame_index, track.keypoints):
            if int(f) - 1 in ref:
                a, b = k[TORSO], ref[int(f) - 1][TORSO]
                ok = (a[:, 2] > 0) & (b[:, 2] > 0)
                if ok.any():
                    d.append(np.linalg.norm(a[ok, :2] - b[ok, :2], axis=1).mean())
        distances[rank] = float(np.median(d))
    participant = min(distances, key=distances.get)
    return {rank: "participant" if rank == participant else "woman" for rank in distances}


def run(cameras: tuple[str, ...], person: int | None, names: dict[str, dict[int, str]]) -> str:
    paths = [str(DEMO / "multi-person" / "videos" / f"{c}.mp4") for c in cameras]
    t0 = time.perf_counter()
    try:
        result = videosync.align(paths, person=person, pose_backend="mediapipe")
    except CannotSynchronizeError as exc:
        return f"refused ({str(exc).split('cannot synchronize: ')[-1][:70]}) [{time.perf_counter() - t0:.1f} s]"
    # align names every input whose person is not its main subject in a warning
    rank = {p: 0 for p in paths}
    for w in result.warnings:
        m = re.match(r"(.+?): \d+ people could be the subject; synchronized on person (\d+)", w)
        if m:
            rank[m.group(1)] = int(m.group(2))
    used = [names[c][rank[p]] for c, p in zip(cameras, paths)]
    offsets = ", ".join(f"{e.offset_frames:+.2f}" for e in result.inputs[1:])
    conf = ", ".join(f"{e.confidence:.2f}" for e in result.inputs[1:])
    return f"{offsets} (confidence {conf}) on {'/'.join(used)} [{time.perf_counter() - t0:.1f} s]"


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()  # --help, and no stray arguments
    names = {c: who(c) for c in CAMERAS}
    subjects = "main subject (person 0) per view: " + ", ".join(f"{c} {names[c][0]}" for c in CAMERAS)
    print(subjects)
    table = ["| cameras | person 0 in every view | default (the person the views share) |", "|---|---|---|"]
    print("\n".join(table))
    for cams in [*itertools.combinations(CAMERAS, 2), CAMERAS]:
        table.append(f"| {'-'.join(cams)} | {run(cams, 0, names)} | {run(cams, None, names)} |")
        print(table[-1], flush=True)
    write_section("bench_multi_person", "Two performers (Pose2Sim multi-person demo videos)",
                  "The balancing participant plus a CGI woman composited into all four views (60 fps, "
                  "100 frames), `videosync.align` end to end with MediaPipe poses. The participant's true "
                  "offset is 0; the woman's is assumed 0 (the renders share their frames), not verified. "
                  "Each cell: offsets of the later cameras against the first (frames), their confidence, "
                  "the person used in each view, and the wall time (poses cached after the first run). "
                  f"The {subjects}.\n\n" + "\n".join(table))


if __name__ == "__main__":
    main()

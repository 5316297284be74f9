"""End to end from video: pose-estimation speed, align wall time (first and cached run), and
offset errors on the real Pose2Sim demo videos (4 cameras, 60 fps, true offset 0).

1. Speed: estimate poses on every demo video with each available backend (MediaPipe always;
   MMPose HRNet only if installed *and* its weights are available locally) and print frames/s.
2. Wall time of ``videosync.align`` on two demo videos with an empty pose cache, then again with
   the cache filled by the first run.
3. Accuracy: for every camera pair and k in {-20, -7, 0, 5, 20} (``--ks`` to change), the pose
   tracks estimated from the videos are cut to EQUAL-LENGTH windows such that the true offset is k
   (cutting a track's leading frames is exactly what cutting the video does, since frames are
   decoded individually; equal lengths keep the clip length from revealing k). Each method's
   error is printed, with the share of pairs within 1 frame.

The figures are also written to this script's section of ``docs/results.md``.

Run: ``python benchmarks/bench_video_align.py [--methods sesyn,ssm,speed-xcorr] [--ks ...]``.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._paths import POSE2SIM_DEMO  # noqa: E402
from benchmarks._results import markdown_table, write_section  # noqa: E402
from benchmarks.bench_pose2sim_offsets import equal_windows, method_from_name  # noqa: E402

from videosync.errors import CannotSynchronizeError  # noqa: E402

VIDEOS = POSE2SIM_DEMO / "single-person" / "videos"
CAMERAS = ("cam01", "cam02", "cam03", "cam04")


#: Lines of the results section, gathered as the script prints its figures.
SPEED: list[str] = []
TIMING: list[str] = []


def estimate_all(backend: str, cache_dir: str) -> dict:
    from videosync.estimate import estimate_poses

    os.environ["VIDEOSYNC_CACHE_DIR"] = cache_dir
    tracks, rates = {}, []
    for cam in CAMERAS:
        t0 = time.perf_counter()
        tracks[cam] = estimate_poses(VIDEOS / f"{cam}.mp4", backend=backend, cache=True)
        dt = time.perf_counter() - t0
        rates.append(tracks[cam].meta.get("frames_decoded", len(tracks[cam])) / dt)
        print(f"  {backend:9s} {cam}: {len(tracks[cam])} frames with a pose, {rates[-1]:.1f} frames/s")
    print(f"  {backend:9s} mean: {np.mean(rates):.1f} frames/s")
    SPEED.append(f"{backend}: {np.mean(rates):.1f} frames/s (mean of the {len(CAMERAS)} demo videos, "
                 f"{', '.join(f'{r:.1f}' for r in rates)})")
    return tracks


def hrnet_speed_with_random_weights(video: Path) -> None:
    """Frames/s of the MMPose backend when its weights cannot be had here (no internet).

    The speed of a network does not depend on the values of its weights, so HRNet built from the
    real config with random weights runs exactly the computation the real one would (MediaPipe
    boxes, one batched HRNet pass per box, the config's flip test). Its keypoints are meaningless
    and are not used: speed only.
    """
    from videosync.estimate.mmpose_backend import MMPoseBackend, mmpose_available
    from videosync.video.probe import probe_video
    from videosync.video.reader import VideoReader

    if not mmpose_available():
        print("  mmpose: not measured (not installed; make install-mmpose)")
        SPEED.append("mmpose: not measured (not installed)")
        return
    backend = MMPoseBackend(random_weights=True)
    t0 = time.perf_counter()
    with VideoReader(video) as reader:
        n = sum(1 for _ in backend.estimate(iter(reader), probe_video(video)))
    dt = time.perf_counter() - t0
    print(f"  mmpose    {video.stem}: {n} frames, {n / dt:.1f} frames/s on {backend.device} "
          f"(flip test {'on' if backend.flip_test else 'off'}; RANDOM weights: speed only, the "
          "official weights are not available offline)")
    SPEED.append(f"mmpose HRNet-w32: {n / dt:.1f} frames/s on {backend.device}, {video.stem} (flip test "
                 f"{'on' if backend.flip_test else 'off'}; random weights: the speed of a network does not "
                 "depend on its weights, and the official ones cannot be downloaded offline)")


def align_timing(cache_dir: str) -> None:
    import videosync

    os.environ["VIDEOSYNC_CACHE_DIR"] = cache_dir
    pair = [str(VIDEOS / "cam01.mp4"), str(VIDEOS / "cam02.mp4")]
    for label in ("first run (empty cache)", "second run (cached poses)"):
        t0 = time.perf_counter()
        result = videosync.align(pair, method="sesyn", min_confidence=0)
        line = (f"align cam01 cam02, {label}: {time.perf_counter() - t0:.1f} s, "
                f"offset {result.inputs[1].offset_frames:+.2f} frames, confidence {result.inputs[1].confidence:.2f}")
        print("  " + line)
        TIMING.append(line)


def accuracy(tracks: dict, methods: list[str], ks: list[int]) -> tuple[list[list[object]], list[str]]:
    """Print and return one row per method and the pairs more than 1 frame off."""
    rows, misses = [], []
    for name in methods:
        method = method_from_name(name)
        errors, refused, worst = [], 0, []
        for (ca, cb), k in itertools.product(itertools.combinations(CAMERAS, 2), ks):
            a, b = equal_windows(tracks[ca], tracks[cb], k)
            try:
                est = method.estimate(a, b)
            except CannotSynchronizeError:
                refused += 1
                worst.append((ca, cb, k, "refused"))
                continue
            err = abs(est.offset_frames - k)
            errors.append(err)
            if err > 1:
                worst.append((ca, cb, k, f"{est.offset_frames:+.1f}"))
        errors = np.array(errors)
        n = len(errors) + refused
        mean = errors.mean() if len(errors) else float("nan")
        print(f"  {name:12s} pairs {n}  within 1 frame {np.sum(errors <= 1)}/{n}  "
              f"mean |err| {mean:.2f}  refused {refused}")
        rows.append([name, f"{np.sum(errors <= 1)}/{n}", f"{mean:.2f}", refused])
        for item in worst:
            print(f"      off by > 1 frame: {item[0]}-{item[1]} k={item[2]:+d}: {item[3]}")
            misses.append(f"{name}: {item[0]}-{item[1]} k={item[2]:+d}: {item[3]}")
    return rows, misses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", default="sesyn+geometry,sesyn,ssm+geometry,ssm,speed-xcorr",
                        help="comma-separated; NAME+geometry adds the two-view-geometry refinement")
    parser.add_argument("--ks", default="-20,-7,0,5,20")
    parser.add_argument("--backend", default="mediapipe")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        print("pose estimation speed:")
        tracks = estimate_all(args.backend, cache)
        try:
            from videosync.estimate.registry import resolve_backend_name

            if resolve_backend_name("auto") == "mmpose":
                estimate_all("mmpose", cache)
            else:
                hrnet_speed_with_random_weights(VIDEOS / "cam01.mp4")
        except Exception as exc:  # noqa: BLE001 - report, do not hide
            print(f"  mmpose: not measured ({type(exc).__name__}: {exc})")
    with tempfile.TemporaryDirectory() as cache:
        print("align wall time:")
        align_timing(cache)
    print(f"accuracy on video poses ({args.backend}), equal-length windows, k in {args.ks}:")
    rows, misses = accuracy(tracks, args.methods.split(","), [int(k) for k in args.ks.split(",")])
    write_section("bench_video_align", "End to end from video (Pose2Sim demo videos)",
                  "Pose-estimation speed on the four 1088x1920 demo videos (60 fps, 100 frames):\n\n"
                  + "\n".join(f"- {line}" for line in SPEED)
                  + "\n\n`videosync.align` wall time (pose estimation of 2 x 100 frames included on the first "
                  "run):\n\n" + "\n".join(f"- {line}" for line in TIMING)
                  + f"\n\nAccuracy on {args.backend} poses of every camera pair, equal-length windows with true "
                  f"offset k in {{{args.ks}}} (mean over the pairs answered):\n\n"
                  + markdown_table(["method", "within 1 frame", "mean abs. error", "refused"], rows)
                  + "\n\nPairs more than 1 frame off (or refused):\n\n"
                  + ("\n".join(f"- {m}" for m in misses) or "- none"))


if __name__ == "__main__":
    main()

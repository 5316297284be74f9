"""Offset errors on the real Pose2Sim demo recordings (4 cameras, true offset 0), k in -20..20.

For every camera pair (a, b) and every k, both cameras are cut to EQUAL-LENGTH windows so that frame
i of a shows the same instant as frame i + k of b: a keeps original frames [max(0, k), ...) and b
keeps [max(0, -k), ...), both of length N - |k|. Cutting only one camera (the simplest reading of
"cut k leading frames") would make the clip lengths differ by |k| and hand the answer to any method
that looks at lengths; equal windows keep the benchmark leak-free.

Prints, per method, the mean absolute error per k (over the 6 pairs) and a summary (mean |err|,
share within 1 frame, share refused). Run: ``python benchmarks/bench_pose2sim_offsets.py [--methods
simple,ssm,speed-xcorr,sesyn] [--max-offset N] [--json out.json]``. Both tables are also written to
this script's section of ``docs/results.md`` (one section per ``--max-offset``).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._paths import POSE2SIM_DEMO  # noqa: E402
from benchmarks._results import markdown_table, write_section  # noqa: E402
from videosync.errors import CannotSynchronizeError  # noqa: E402
from videosync.poses import PoseTrack, load_poses  # noqa: E402
from videosync.sync.bounds import OffsetBounds  # noqa: E402
from videosync.sync.methods import make_method  # noqa: E402

DEMO = POSE2SIM_DEMO / "single-person"
JSON_DIR = DEMO / "pose-json-index-is-video-frame-minus-1"
CAMERAS = ("cam01", "cam02", "cam03", "cam04")


def equal_windows(a: PoseTrack, b: PoseTrack, k: int) -> tuple[PoseTrack, PoseTrack]:
    """Equal-length windows of two synchronized tracks such that the true offset is ``k``."""
    n = min(int(a.frame_index[-1]), int(b.frame_index[-1])) + 1
    length = n - abs(k)
    sa, sb = max(0, k), max(0, -k)
    wa = a.frames_between(sa, sa + length)
    wb = b.frames_between(sb, sb + length)
    return (
        wa.with_keypoints(wa.keypoints, wa.frame_index - sa),
        wb.with_keypoints(wb.keypoints, wb.frame_index - sb),
    )


def method_from_name(name: str, model: str | None = None):
    """``"sesyn"`` or ``"sesyn+geometry"`` (with the two-view-geometry refinement), etc."""
    base = name.removesuffix("+geometry")
    return make_method(base, model=model, refine=name.endswith("+geometry"))


def run(methods: list[str], ks: range, model: str | None, max_offset: int | None = None) -> dict:
    tracks = {cam: load_poses(JSON_DIR / f"{cam}_json") for cam in CAMERAS}
    results: dict = {}
    for name in methods:
        method = method_from_name(name, model)
        rows = []
        t0 = time.perf_counter()
        for (ca, cb), k in itertools.product(itertools.combinations(CAMERAS, 2), ks):
            a, b = equal_windows(tracks[ca], tracks[cb], k)
            try:
                est = method.estimate(a, b, bounds=OffsetBounds(max_offset))
                rows.append(dict(pair=f"{ca}-{cb}", k=k, pred=float(est.offset_frames), conf=float(est.confidence)))
            except CannotSynchronizeError as exc:
                rows.append(dict(pair=f"{ca}-{cb}", k=k, pred=None, conf=0.0, refused=str(exc)))
        results[name] = dict(rows=rows, seconds=time.perf_counter() - t0)
    return results


def summary_rows(results: dict) -> list[tuple]:
    """Per method: name, pairs, mean and median |error| over the answered pairs, % within 1 frame
    over all pairs, refused, mean confidence, seconds."""
    rows = []
    for name, res in results.items():
        done = [r for r in res["rows"] if r["pred"] is not None]
        errs = np.array([abs(r["pred"] - r["k"]) for r in done]) if done else np.array([np.nan])
        within = np.sum(errs <= 1) / len(res["rows"]) * 100 if done else 0.0
        rows.append((name, len(res["rows"]), np.mean(errs), np.median(errs), within,
                     len(res["rows"]) - len(done), np.mean([r["conf"] for r in res["rows"]]), res["seconds"]))
    return rows


def per_k_errors(results: dict, ks: range) -> dict[str, list[float | None]]:
    """Per method, the mean |error| over the camera pairs answered at each k (None: all refused)."""
    table = {}
    for name, res in results.items():
        table[name] = []
        for k in ks:
            errs = [abs(r["pred"] - r["k"]) for r in res["rows"] if r["k"] == k and r["pred"] is not None]
            table[name].append(float(np.mean(errs)) if errs else None)
    return table


def summarise(results: dict, ks: range) -> str:
    lines = ["mean |error| (frames) over the 6 camera pairs, per k:",
             "method        " + " ".join(f"{k:>5d}" for k in ks)]
    for name, errs in per_k_errors(results, ks).items():
        lines.append(f"{name:<13s} " + " ".join("    -" if e is None else f"{e:5.1f}" for e in errs))
    lines.append("")
    lines.append("(mean and median over the pairs answered; 'within 1 frame' over all pairs, a refusal counts as a miss)")
    lines.append("method        pairs  mean|err|  median|err|  within 1 frame  refused  mean conf  time (s)")
    for name, n, mean, median, within, refused, conf, seconds in summary_rows(results):
        lines.append(f"{name:<13s} {n:5d}  {mean:9.2f}  {median:11.2f}  {within:13.1f}%  {refused:7d}  "
                     f"{conf:9.2f}  {seconds:8.1f}")
    return "\n".join(lines)


def write_results(results: dict, ks: range, max_offset: int | None) -> None:
    """Both tables into this script's section of docs/results.md."""
    search = "every offset searched" if max_offset is None else f"search within +-{max_offset} frames"
    summary = [[name, n, f"{mean:.2f}", f"{median:.2f}", f"{within:.1f} %", refused, f"{conf:.2f}", f"{seconds:.0f}"]
               for name, n, mean, median, within, refused, conf, seconds in summary_rows(results)]
    per_k = [[name, *("-" if e is None else f"{e:.1f}" for e in errs)]
             for name, errs in per_k_errors(results, ks).items()]
    body = (f"OpenPose JSON of the 4 demo cameras (60 fps, true offset 0), every camera pair cut to "
            f"equal-length windows with true offset k in {ks.start}..{ks.stop - 1}; {search}. Mean and "
            "median over the pairs answered; *within 1 frame* over all pairs (a refusal counts as a miss).\n\n"
            + markdown_table(["method", "pairs", "mean abs. error", "median abs. error", "within 1 frame",
                              "refused", "mean confidence", "time (s)"], summary)
            + "\n\nMean absolute error (frames) over the 6 camera pairs, per k:\n\n"
            + markdown_table(["method", *[f"{k:+d}" for k in ks]], per_k))
    name = "bench_pose2sim_offsets" + ("" if max_offset is None else f"-max-offset-{max_offset}")
    write_section(name, f"Real recordings: Pose2Sim demo OpenPose JSON ({search})", body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", default="simple,ssm,speed-xcorr,sesyn,sesyn+geometry",
                        help="comma-separated; NAME+geometry adds the two-view-geometry refinement")
    parser.add_argument("--kmax", type=int, default=20)
    parser.add_argument("--model", default=None)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--max-offset", type=int, default=None,
                        help="search only offsets within +-N frames, as align --max-offset (default: all)")
    args = parser.parse_args()
    ks = range(-args.kmax, args.kmax + 1)
    results = run(args.methods.split(","), ks, args.model, args.max_offset)
    print(summarise(results, ks))
    write_results(results, ks, args.max_offset)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()

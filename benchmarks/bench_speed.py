"""Speed of synchronization (issue 22): every figure a ratio of two runs made in this same call.

Cases, each in a fresh child process (``--child CASE``) so that its peak memory (the kernel's
``ru_maxrss`` of that process, imports included) and its time are its own:

* ``long-before`` / ``long-after``: two pose tracks of ``--frames`` frames (the demo's OpenPose
  poses of cam01 and cam02 played back and forth with turn points drawn at random,
  :func:`benchmarks.speed_media.long_tracks`; B starts ``--offset`` frames later, so the true
  offset is ``-offset``) through ``sesyn`` with the geometric refinement, the default method.
  Before: every frame of A matched with every frame of B and the refinement fitted on every
  frame (the path before issue 22: ``LONG_PAIR_CELLS`` and ``REFINE_MAX_FRAMES`` lifted);
  after: the defaults (coarse to fine, :mod:`videosync.sync.coarse`).
* ``poses-serial`` / ``poses-parallel``: MediaPipe poses of the demo's four camera videos
  (100 frames of 1080x1920 each, no cache), one video after the other in one process, and
  :func:`videosync.estimate.estimate_poses_many` (worker processes, one per core).

* ``--videos``: instead, ``align`` with its defaults (cold pose cache) on video pairs made from
  the demo (:func:`benchmarks.speed_media.build_pair`: portrait 1080p, ping-pong looped with
  irregular turn points, B cut by 37 frames, x264 CRF 20, GOP 1 s), each against the bundled
  ffmpeg decoding both files in full, run just before it: 1 minute at 30 fps (x264 preset
  medium) and at 60 fps (ultrafast: medium takes most of an hour on this shared machine), and a
  1- and a 10-minute pair made by stream copy (:func:`benchmarks.speed_media.repeated_pair`:
  encoding a 10-minute pair takes about an hour here), so that the two are built alike. What ``align`` analysed is its own progress messages. Its own section.

Usage: python benchmarks/bench_speed.py [--frames 20000] [--offset 5000] [--skip-before]
       python benchmarks/bench_speed.py --videos [--pairs 30fps-1min,60fps-1min,...] [--before 30fps-1min]
(``--before``: those pairs also aligned with the former stopping rule, which also asked the 90 %
error bar to lie within the frame-exact search.)
Prints the figures and writes them to its section of docs/results.md; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._results import markdown_table, write_section  # noqa: E402

CAMERAS = ("cam01", "cam02", "cam03", "cam04")


def _long(frames: int, offset: int, before: bool) -> dict:
    from benchmarks.speed_media import long_tracks
    from videosync.sync.methods import make_method

    if before:  # the whole-matrix path and a refinement on every frame, as before issue 22
        import videosync.sync.coarse as coarse
        import videosync.sync.refine as refine

        coarse.LONG_PAIR_CELLS = float("inf")
        refine.REFINE_MAX_FRAMES = 10**9
    a, b = long_tracks(frames, offset)
    method = make_method("sesyn", refine=True)
    start = _clock()
    est = method.estimate(a, b)
    timed = _since(start)
    return {**timed, "offset": est.offset_frames, "true": -offset, "confidence": est.confidence, **_verdict(est, a, b)}


def _verdict(est, a, b) -> dict:
    """What ``align`` would tell of the estimate (shipped calibrator): confidence, error bar, candidates."""
    from videosync.sync.bounds import UNBOUNDED
    from videosync.trust.assess import assess
    from videosync.trust.calibrator import calibration_for

    verdict = assess(est, a, b, UNBOUNDED, calibration_for(est.method)[0])
    return {"calibrated": verdict.confidence, "uncertainty": verdict.uncertainty_frames,
            "candidates": [round(c.offset_frames, 1) for c in verdict.candidates]}


def _poses(parallel: bool) -> dict:
    from benchmarks._paths import POSE2SIM_DEMO
    from videosync.estimate import estimate_poses, estimate_poses_many

    videos = [POSE2SIM_DEMO / "single-person" / "videos" / f"{cam}.mp4" for cam in CAMERAS]
    options = {"backend": "mediapipe", "cache": False}
    start = _clock()
    if parallel:
        tracks = estimate_poses_many([(v, options) for v in videos])
    else:
        tracks = [estimate_poses(v, **options) for v in videos]
    return {**_since(start), "frames": sum(int(t.meta["frames_decoded"]) for t in tracks)}


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(start: tuple[float, float]) -> dict:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # pose workers, when there are any
    return {"wall": time.perf_counter() - start[0],
            "cpu": time.process_time() - start[1] + children.ru_utime + children.ru_stime,
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
            "worker_peak_mib": children.ru_maxrss / 1024.0}


#: the video pairs of ``--videos``: (fps, minutes, x264 preset) made by build_pair, or the number
#: of 1-minute copies of speed_media.repeated_pair
PAIRS = {"30fps-1min": (30, 1, "medium"), "60fps-1min": (60, 1, "ultrafast"), "1min-repeated": 1, "10min-repeated": 10}


def _pair(name: str) -> tuple[tuple[Path, Path], int]:
    """The pair's two videos and the true offset of B (frames)."""
    from benchmarks.speed_media import CUT_FRAMES, build_pair, repeated_pair

    def say(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    if isinstance(PAIRS[name], int):
        return repeated_pair(PAIRS[name], say=say), -30
    fps, minutes, preset = PAIRS[name]
    return build_pair(fps, minutes, 0, preset, say=say), -CUT_FRAMES


def _decode(name: str) -> dict:
    """The bundled ffmpeg decoding both videos in full, one after the other (its own threads)."""
    from benchmarks.speed_media import ffmpeg_exe

    start = _clock()
    for video in _pair(name)[0]:
        subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(video), "-map", "0:v:0", "-f", "null", "-"], check=True)
    return _since(start)


#: What the "before" rows of ``--before`` ran: the stopping rule until issue 22's session 8, which
#: also asked every 90 % error bar to lie within the frame-exact search (REFINE_SEARCH_SECONDS).
FORMER_RULE = "the error bar within the frame-exact search"


def _align_before(name: str) -> dict:
    """``_align`` with the former stopping rule (:data:`FORMER_RULE`)."""
    import videosync.sync.adaptive as adaptive
    from videosync.tunables import REFINE_SEARCH_SECONDS

    rule = adaptive.trusted

    def former(result, threshold):
        for entry in result.inputs[1:]:
            if entry.confidence >= threshold and entry.uncertainty_seconds > REFINE_SEARCH_SECONDS:
                return False, f"not yet sure of {Path(entry.path).name} (± {entry.uncertainty_seconds:.2f} s)"
        return rule(result, threshold)

    adaptive.trusted = former
    return _align(name)


def _align(name: str) -> dict:
    """``align`` with its defaults on the pair, and what it said it analysed."""
    from videosync.api import align

    videos, true = _pair(name)
    said: list[str] = []
    start = _clock()
    result = align([str(v) for v in videos], on_message=said.append, min_confidence=0.0)
    entry = result.inputs[1]
    return {**_since(start), "offset": entry.offset_frames, "true": true, "confidence": entry.confidence,
            "said": [m for m in said if not m.startswith("sesyn")]}


def child(case: str, frames: int, offset: int) -> None:
    cases = {"long-before": lambda: _long(frames, offset, True), "long-after": lambda: _long(frames, offset, False),
             "poses-serial": lambda: _poses(False), "poses-parallel": lambda: _poses(True)}
    kind, _, pair = case.partition(":")
    out = {"decode": _decode, "align": _align, "align-before": _align_before}[kind](pair) if pair else cases[case]()
    print(json.dumps(out))


def run(case: str, args: argparse.Namespace) -> dict:
    """One case in a fresh process; its figures and the machine's load around it."""
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as cache:  # no pose cache shared with anything else
        env = {**os.environ, "VIDEOSYNC_CACHE_DIR": cache}
        proc = subprocess.run([sys.executable, __file__, "--child", case, "--frames", str(args.frames),
                               "--offset", str(args.offset)], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"{case} failed:\n{proc.stderr[-3000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["load"] = (load + os.getloadavg()[0]) / 2
    print(case, json.dumps(out), flush=True)
    return out


def _long_rows(before: dict | None, after: dict) -> list[list[str]]:
    def row(name: str, r: dict) -> list[str]:
        return [name, f"{r['wall']:.1f} s", f"{r['cpu']:.1f} s", f"{r['peak_mib']:.0f} MiB",
                f"{r['offset']:.2f} (true {r['true']})", f"{r['confidence']:.2f} / {r['calibrated']:.2f}",
                f"{r['uncertainty']:.1f}", ", ".join(f"{c:g}" for c in r["candidates"]), f"{r['load']:.1f}"]

    rows = [row("before: whole matching, refinement on every frame", before)] if before else []
    rows.append(row("after: coarse to fine (default)", after))
    if before:
        rows.append(["before / after", f"**{before['wall'] / after['wall']:.1f}x**",
                     f"**{before['cpu'] / after['cpu']:.1f}x**", f"{before['peak_mib'] / after['peak_mib']:.1f}x",
                     "", "", "", "", ""])
    return rows


def _pose_rows(serial: dict, parallel: dict) -> list[list[str]]:
    def row(name: str, r: dict) -> list[str]:
        return [name, f"{r['wall']:.1f} s", f"{r['frames'] / r['wall']:.1f}", f"{r['cpu']:.1f} s", f"{r['load']:.1f}"]

    return [row("one video after the other, one process", serial),
            row(f"estimate_poses_many ({os.cpu_count()} cores)", parallel),
            ["one process / parallel", f"**{serial['wall'] / parallel['wall']:.2f}x**", "",
             f"{serial['cpu'] / parallel['cpu']:.2f}x", ""]]


def _verdicts(after: dict, serial: dict, parallel: dict) -> str:
    """The targets read off this run's figures, in words."""
    right = abs(after["offset"] - after["true"]) <= 1.0
    memory = "under" if after["peak_mib"] < 1024 else "OVER"
    speed = "under 30 s" if after["wall"] < 30.0 else f"30 s NOT met at load {after['load']:.1f}"
    return (f"Long pair, after: {'within' if right else 'NOT within'} 1 frame; {memory} 1 GB; {speed} "
            f"({after['cpu']:.1f} s of CPU). Poses: the parallel run used {parallel['cpu'] - serial['cpu']:+.1f} s "
            "of CPU against the single process (the workers' start-up); its wall time can only be shorter where "
            "a second core is free for this process, which a load above the number of cores leaves no room for.")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=20000)
    ap.add_argument("--offset", type=int, default=5000)
    ap.add_argument("--skip-before", action="store_true", help="measure only the default path of the long pair")
    ap.add_argument("--videos", action="store_true", help="align on video pairs against ffmpeg decoding them")
    ap.add_argument("--pairs", default=",".join(PAIRS), help="which video pairs (comma-separated)")
    ap.add_argument("--align-only", default="", help="pairs whose ffmpeg decode is not run (comma-separated)")
    ap.add_argument("--before", default="", help="pairs also aligned with the former stopping rule "
                                                  f"({FORMER_RULE}), in the same run (comma-separated)")
    ap.add_argument("--keep", type=Path, help="JSON lines of runs: those there are read, not run again; new ones "
                                              "are added (a long session measured in parts)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.frames, args.offset)
        return
    if args.videos:
        videos_main(args)
        return
    after = run("long-after", args)
    before = None if args.skip_before else run("long-before", args)
    serial, parallel = run("poses-serial", args), run("poses-parallel", args)
    body = (f"Two {args.frames:,}-frame pose tracks (the demo's OpenPose poses of cam01 and cam02 played "
            f"back and forth at 30 fps with random turn points; B starts {args.offset:,} frames later), "
            "`sesyn` with the geometric refinement (the default), each run in a fresh process; peak "
            "memory is that process's peak resident set, imports and tracks included. Target: < 30 s, "
            "< 1 GB, within 1 frame.\n\n"
            + markdown_table(["long pair", "wall", "CPU (all threads)", "peak memory", "offset",
                              "confidence (own / calibrated)", "error bar (frames)", "candidates", "load"],
                             _long_rows(before, after))
            + "\n\nPoses of the Pose2Sim demo's four camera videos (100 frames of 1080x1920 each, MediaPipe, "
              "no cache), the start of the worker processes included:\n\n"
            + markdown_table(["poses of 4 videos", "wall", "frames/s", "CPU (all processes)", "load"],
                             _pose_rows(serial, parallel))
            + "\n\n" + _verdicts(after, serial, parallel)
            + "\n\nLoad: the machine's 1-minute load average around each run (2 cores); wall times measured at "
              "different loads are not comparable, the ratios of runs made one after the other are the figures "
              "to read.")
    write_section("bench_speed", "Speed: long pairs coarse to fine, poses of several videos in parallel", body)


def _video_rows(runs: dict[str, tuple[dict, dict]]) -> list[list[str]]:
    rows = []
    for name, (dec, run) in runs.items():
        if dec is None:
            rows.append([name, "-", f"{run['wall']:.1f} s ({run['cpu']:.1f} s CPU)", "-", "-",
                         f"{run['offset']:+.2f} (true {run['true']})", f"{run['confidence']:.2f}", f"- / {run['load']:.1f}"])
            continue
        rows.append([name, f"{dec['wall']:.1f} s", f"{run['wall']:.1f} s ({run['cpu']:.1f} s CPU)",
                     f"**{run['wall'] / dec['wall']:.2f}**", f"{run['cpu'] / dec['cpu']:.2f}",
                     f"{run['offset']:+.2f} (true {run['true']})", f"{run['confidence']:.2f}",
                     f"{dec['load']:.1f} / {run['load']:.1f}"])
    return rows


def _video_verdicts(runs: dict[str, tuple[dict, dict]]) -> str:
    """The Done-when lines of issue 22 read off this run's figures, in words."""
    lines = []
    for name in ("30fps-1min", "60fps-1min"):
        if name in runs:
            dec, run = runs[name]
            ratio, right = run["wall"] / dec["wall"], abs(run["offset"] - run["true"]) <= 1.0
            lines.append(f"{name}: align / full decode {ratio:.2f} ({'<=' if ratio <= 1.0 else 'NOT <='} 1.0), "
                         f"{'within' if right else 'NOT within'} 1 frame.")
    if "10min-repeated" in runs and "1min-repeated" in runs:
        long, short = runs["10min-repeated"][1], runs["1min-repeated"][1]
        ratio, cpu = long["wall"] / short["wall"], long["cpu"] / short["cpu"]
        lines.append(f"10-minute pair / 1-minute pair (same construction): wall {ratio:.2f}, CPU {cpu:.2f} "
                     f"({'<=' if max(ratio, cpu) <= 2.0 else 'NOT <='} 2), the 10-minute pair "
                     f"{'within' if abs(long['offset'] - long['true']) <= 1.0 else 'NOT within'} 1 frame.")
    return " ".join(lines)


def _before_after(runs: dict[str, tuple[dict, dict]]) -> str:
    """Before / after the stopping rule, where both ran in this invocation."""
    lines = []
    for name, (_, before) in runs.items():
        if ", before" in name:
            after = runs[name.split(",")[0]][1]
            lines.append(f" {name.split(',')[0]}: former rule / this one: wall {before['wall'] / after['wall']:.2f}, "
                         f"CPU {before['cpu'] / after['cpu']:.2f}.")
    return "".join(lines)


def _kept_run(case: str, args: argparse.Namespace) -> dict:
    """``run(case)``, or its figures from ``--keep`` when an earlier invocation measured it."""
    kept = {}
    if args.keep is not None and args.keep.exists():
        kept = {r["case"]: r for r in map(json.loads, args.keep.read_text().splitlines()) if r}
    if case in kept:
        return kept[case]
    out = run(case, args)
    if args.keep is not None:
        with args.keep.open("a") as f:
            f.write(json.dumps({"case": case, **out}) + "\n")
    return out


def videos_main(args: argparse.Namespace) -> None:
    """``--videos``: each pair's full ffmpeg decode, then align with its defaults, one after the other."""
    names = [n for n in args.pairs.split(",") if n]
    for name in names:
        _pair(name)  # built (once) before anything is timed
    skip = set(args.align_only.split(","))
    runs = {}
    for name in names:
        decoded = None if name in skip else _kept_run(f"decode:{name}", args)
        if name in args.before.split(","):
            runs[f"{name}, before ({FORMER_RULE})"] = (decoded, _kept_run(f"align-before:{name}", args))
        runs[name] = (decoded, _kept_run(f"align:{name}", args))
    said = "\n".join(f"- {name}: " + "; ".join(run["said"]) for name, (_, run) in runs.items())
    body = ("Video pairs made from the Pose2Sim demo (`benchmarks/speed_media.py`: portrait 1080x1920, the demo "
            "played back and forth with irregular turn points, B cut by 37 frames so the true offset is -37, x264 "
            "CRF 20, one keyframe a second; x264 preset medium for 30fps-1min, ultrafast for 60fps-1min). The *repeated* pairs: the 30fps-1min A and the same 1-minute sequence of camera 2 repeated 1 or 10 times by stream copy, B without its first second (true offset -30), to compare a 10-minute pair with a 1-minute pair built the same way. `align` with its defaults "
            "(the coarse pass of `videosync/sync/adaptive.py`), cold pose cache, each in a fresh process, right "
            "after the bundled ffmpeg decoded both files in full (`ffmpeg -i X -f null -`, one after the other).\n\n"
            + markdown_table(["pair", "ffmpeg decode (both)", "align", "align / decode (wall)", "align / decode (CPU)",
                              "offset", "confidence", "load (decode / align)"], _video_rows(runs))
            + "\n\n" + _video_verdicts(runs) + _before_after(runs)
            + "\n\nWhat align analysed (its progress messages):\n\n" + said
            + "\n\nLoad: the machine's 1-minute load average around each run (2 cores); the ratios of runs made one "
              "after the other are the figures to read.")
    write_section("bench_speed_videos", "Speed: align on videos against decoding them", body)


if __name__ == "__main__":
    main()

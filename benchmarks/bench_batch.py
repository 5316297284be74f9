"""Sessions per hour: ``videosync batch`` against a shell loop of ``videosync align``.

20 sessions (``--sessions``) of 2 videos each, cut from the real Pose2Sim demo (4 cameras, 60 fps,
100 frames, true offset 0): session j takes camera pair j mod 6 and a distinct d in +-1..+-10, and
``videosync.trim`` writes copies that would be synchronized if the offset were d, so the copies'
true offset is -d (frame i of the first copy is frame i - d of the second). Every d is different,
so no two of the 40 videos have the same content and none can reuse another's cached poses.

Both runs start with an empty pose cache (``VIDEOSYNC_CACHE_DIR`` pointed at a new folder) and go
through the command line, process start-up included:

1. a sequential shell loop: ``for s in sessions; do videosync align s/*.mp4 --json; done``;
2. ``videosync batch SESSIONS -o OUT`` (the default local Dask cluster: one worker per core).

Prints and writes (docs/results.md, section bench_batch) the wall time, sessions per hour, the
speed-up, and how many offsets are within 1 frame of the truth, per round (``--rounds``: the two
runs alternate, so a change in the load of a shared machine affects both). Run:
``nice -n 10 python benchmarks/bench_batch.py [--sessions 20] [--rounds 2] [--work DIR]``.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from _results import markdown_table, write_section  # noqa: E402

# ../shared beside the checkout, or beside its parent (a git worktree)
SHARED = next((p for p in (REPO.parent / "shared", REPO.parent.parent / "shared") if p.exists()), REPO.parent / "shared")
VIDEOS = SHARED / "data" / "pose2sim-demo" / "single-person" / "videos"
PAIRS = list(itertools.combinations(("cam01", "cam02", "cam03", "cam04"), 2))
VIDEOSYNC = str(Path(sys.executable).with_name("videosync"))


def shifts(n: int) -> list[int]:
    """n distinct d: 1, -1, 2, -2, ..."""
    return [(k // 2 + 1) * (1 if k % 2 == 0 else -1) for k in range(n)]


def make_sessions(root: Path, n: int) -> dict[str, float]:
    """The sessions under ``root``; returns each one's true offset of its second video."""
    from videosync.api import trim

    truth = {}
    for j, d in enumerate(shifts(n)):
        a, b = PAIRS[j % len(PAIRS)]
        name = f"s{j + 1:02d}"
        trim([VIDEOS / f"{a}.mp4", VIDEOS / f"{b}.mp4"], root / name, offsets_frames=[0, d], common_end=True, audio=False)
        truth[name] = -d
    return truth


def timed(cmd: list[str], cache: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(REPO), "VIDEOSYNC_CACHE_DIR": str(cache)}
    began = time.perf_counter()
    subprocess.run(cmd, env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - began


def loop_offsets(out: Path) -> dict[str, float | None]:
    got = {}
    for path in sorted(out.glob("*.json")):
        try:
            got[path.stem] = json.loads(path.read_text())["inputs"][1]["offset_frames"]
        except (ValueError, KeyError, IndexError):
            got[path.stem] = None  # refused: align printed an error, no document
    return got


def batch_offsets(out: Path) -> dict[str, float | None]:
    rows: dict[str, list[dict]] = {}
    for row in csv.DictReader((out / "results.csv").open()):
        rows.setdefault(row["session"], []).append(row)
    return {s: float(r[1]["offset_frames"]) if r[0]["status"] == "ok" else None for s, r in rows.items()}


def within(got: dict[str, float | None], truth: dict[str, float]) -> int:
    return sum(1 for s, k in truth.items() if got.get(s) is not None and abs(got[s] - k) <= 1.0)


def run_round(root: Path, truth: dict[str, float], work: Path) -> dict[str, float]:
    """One shell loop, then one batch, each from an empty pose cache; seconds and offsets within 1 frame."""
    loop_out = work / "loop"
    loop_out.mkdir(parents=True)
    script = "; ".join(f"{shlex.quote(VIDEOSYNC)} align {shlex.quote(str(root / s))}/*.mp4 --json > "
                       f"{shlex.quote(str(loop_out / s))}.json" for s in truth)
    loop_seconds = timed(["bash", "-c", script], work / "cache-loop")
    print(f"  shell loop of align: {loop_seconds:.0f} s", flush=True)
    batch_seconds = timed([VIDEOSYNC, "batch", str(root), "-o", str(work / "batch")], work / "cache-batch")
    print(f"  batch: {batch_seconds:.0f} s", flush=True)
    return {"loop": loop_seconds, "batch": batch_seconds, "loop_ok": within(loop_offsets(loop_out), truth),
            "batch_ok": within(batch_offsets(work / "batch"), truth), "load": os.getloadavg()[0]}


def report(rounds: list[dict[str, float]], n: int, load_before: float) -> str:
    header = ["round", "loop s", "loop sessions/hour", "batch s", "batch sessions/hour", "speed-up",
              "offsets within 1 frame (loop, batch)", "load average after"]
    rows = [[i + 1, f"{r['loop']:.0f}", f"{n * 3600 / r['loop']:.0f}", f"{r['batch']:.0f}",
             f"{n * 3600 / r['batch']:.0f}", f"{r['loop'] / r['batch']:.2f}",
             f"{r['loop_ok']:.0f}/{n}, {r['batch_ok']:.0f}/{n}", f"{r['load']:.1f}"] for i, r in enumerate(rounds)]
    loop, batch = sum(r["loop"] for r in rounds), sum(r["batch"] for r in rounds)
    if len(rounds) > 1:
        rows.append(["all", f"{loop:.0f}", f"{n * len(rounds) * 3600 / loop:.0f}", f"{batch:.0f}",
                     f"{n * len(rounds) * 3600 / batch:.0f}", f"{loop / batch:.2f}", "", ""])
    return (f"{n} sessions of 2 demo videos (1080x1920, 60 fps, 90-99 frames; every video distinct), "
            "an empty pose cache for each run, MediaPipe poses, start-up of every process included; each "
            "round runs the shell loop of `videosync align`, then `videosync batch` (local Dask cluster).\n\n"
            + markdown_table(header, rows)
            + f"\n\nThe machine was shared with other jobs while this ran (1-minute load average {load_before:.1f} "
            "at the start, and after each round as listed): the figures are what these runs saw, not those of "
            "an idle machine, and the speed-up depends on how much of the second core the other jobs left.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=1, help="loop-then-batch rounds, interleaved")
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one, removed); "
                                                  "its sessions are reused when it has them")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/results.md alone")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench_batch_"))
    root, known = work / "sessions", work / "truth.json"
    if known.is_file() and len(json.loads(known.read_text())) == args.sessions:
        truth = json.loads(known.read_text())
    else:
        print(f"making {args.sessions} sessions in {root} ...", flush=True)
        shutil.rmtree(root, ignore_errors=True)
        truth = make_sessions(root, args.sessions)
        known.write_text(json.dumps(truth))
    load_before = os.getloadavg()[0]
    rounds = []
    for r in range(args.rounds):
        print(f"round {r + 1}:", flush=True)
        rounds.append(run_round(root, truth, work / f"round-{r + 1}-{time.strftime('%H%M%S')}"))
    body = report(rounds, len(truth), load_before)
    print(body)
    if not args.no_write:
        print(f"written: {write_section('bench_batch', 'Batch: sessions per hour', body)}")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""How long the command line takes to answer when it does no work: ``videosync --help``,
``videosync align --help`` and a mistyped command, each in a fresh process, against a Python that
does nothing (``python -c pass``) measured in the same run.

The target (issue 17): ``videosync --help`` and a typo under 0.5 s, which needs the heavy
libraries (torch, OpenCV, MediaPipe, SciPy, matplotlib) to be imported only by the commands that
use them. The commands run through the installed entry point's code (``videosync.cli.main:cli``)
with this checkout first on the path.

Usage: python benchmarks/bench_cli_startup.py [--runs 11]
Prints figures; asserts nothing about timing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._results import markdown_table, write_section  # noqa: E402

CLI = "from videosync.cli.main import cli; cli(prog_name='videosync')"
CASES = [
    ("python -c pass", ["-c", "pass"], 0),
    ("videosync --help", ["-c", CLI, "--help"], 0),
    ("videosync align --help", ["-c", CLI, "align", "--help"], 0),
    ("videosync algin (a typo)", ["-c", CLI, "algin"], 2),
]


def time_run(args: list[str], expected_status: int) -> float:
    """Wall-clock seconds of one fresh ``python args`` process."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, *args], capture_output=True, env=env, cwd=REPO)
    seconds = time.perf_counter() - start
    if proc.returncode != expected_status:
        raise SystemExit(f"{args}: exit status {proc.returncode}\n{proc.stderr.decode()}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="fresh processes per case (the median is reported)")
    args = parser.parse_args()
    for _, argv, status in CASES:  # one warm-up each: file-system caches, .pyc files
        time_run(argv, status)
    times: dict[str, list[float]] = {label: [] for label, _, _ in CASES}
    for _ in range(args.runs):  # rounds of every case, so a busy spell of the machine hits all alike
        for label, argv, status in CASES:
            times[label].append(time_run(argv, status))
    medians = {label: statistics.median(values) for label, values in times.items()}
    base = medians["python -c pass"]
    rows = []
    for label, seconds in medians.items():
        ratio = seconds / base
        print(f"{label:28s} median {seconds:6.3f} s  ({ratio:5.1f} x python -c pass)")
        rows.append([f"`{label}`", f"{seconds:.3f}", f"{ratio:.1f}"])
    body = (f"Median wall-clock time of {args.runs} fresh processes each (after one warm-up; the cases "
            "interleaved). "
            "Target: `videosync --help` and a typo under 0.5 s.\n\n"
            + markdown_table(["command", "median (s)", "x `python -c pass`"], rows))
    write_section("bench_cli_startup", "CLI start-up time", body)


if __name__ == "__main__":
    main()

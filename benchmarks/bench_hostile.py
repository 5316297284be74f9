"""The hostile cases of issue 23, end to end: each builds a faulty or malicious input or situation
in a fresh folder and runs the command line on it in a process of its own, as a user would.

A case passes when (``tests/hardening/cases.py: judge``): the exit status is the documented one;
there is no traceback; an error is one line, the last, naming the file at fault; no advice to load
a file unsafely is shown; every file that was there is byte-identical unless the case lets the
command write it; nothing else appears; no temporary file is left. The table of cases lives in
``tests/hardening/cases.py`` (the tests run the same cases, in-process where they can).

Usage: python benchmarks/bench_hostile.py [--only TEXT] [--no-write]
Prints pass/fail per case; exits 1 if any case fails.
"""

from __future__ import annotations

import argparse
import collections
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._results import markdown_table, write_section  # noqa: E402
from tests.hardening.cases import CASES, run_case  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="Run only the cases whose name contains this text.")
    parser.add_argument("--no-write", action="store_true", help="Do not write docs/results.md.")
    args = parser.parse_args()
    cases = [c for c in CASES if args.only in c.id]
    rows, counts, started = [], collections.Counter(), time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="videosync-hostile-") as tmp:
        for i, case in enumerate(cases):
            folder = Path(tmp) / f"{i:03d}"
            t0 = time.perf_counter()
            outcome, failures = run_case(case, folder)
            shutil.rmtree(folder, ignore_errors=True)
            verdict = "pass" if not failures else "FAIL"
            counts[(case.group, verdict)] += 1
            said = next((line for line in reversed(outcome.stderr.splitlines()) if line.strip()), "")
            print(f"{verdict}  {time.perf_counter() - t0:5.1f} s  exit {outcome.code:3d}  {case.id}"
                  + (f"\n      {'; '.join(failures)}" if failures else ""), flush=True)
            rows.append([case.group, case.name.replace("|", "\\|"), outcome.code, verdict,
                         "; ".join(failures).replace("|", "\\|") or _cell(said)])
    passed = sum(n for (_, v), n in counts.items() if v == "pass")
    minutes = (time.perf_counter() - started) / 60
    print(f"\n{passed} of {len(cases)} hostile cases pass ({minutes:.1f} min)")
    if not args.no_write and not args.only:
        groups = sorted({g for g, _ in counts})
        summary = markdown_table(["class", "cases", "pass"],
                                 [[g, counts[(g, "pass")] + counts[(g, "FAIL")], counts[(g, "pass")]] for g in groups])
        body = (f"{passed} of {len(cases)} hostile cases pass ({minutes:.1f} min). Each ran the command line in a "
                "fresh process on a faulty or malicious input or situation built for it (issue 23); a pass "
                "means the documented exit status, no traceback, an error of one line naming the file, no "
                "advice to load a file unsafely, inputs byte-identical, nothing new but the allowed outputs "
                "and no temporary file left. A full disk is a file-size limit (RLIMIT_FSIZE); a read-only "
                "target a path under /sys, which refuses even root.\n\n"
                + summary + "\n\n" + markdown_table(["class", "case", "exit", "result", "last line / failures"], rows))
        write_section("bench_hostile", "Hostile inputs end to end (issue 23)", body)
    return 0 if passed == len(cases) else 1


def _cell(line: str, limit: int = 110) -> str:
    text = line.replace("|", "\\|").replace("`", "'")
    return f"`{text[:limit]}{'...' if len(text) > limit else ''}`" if text else ""


if __name__ == "__main__":
    raise SystemExit(main())

"""Does the confidence tell the truth? The calibration benchmark, on cases the engine was not tuned on.

Cases: :mod:`videosync.synth.cases` (what varies, how often, the three splits ``tune``/``calib``/
``report`` kept apart by performer, the settings only ``report`` draws) rendered with the truth
of :mod:`videosync.synth.scenarios` (sliding offsets included); on the ``report`` split also the
real Pose2Sim demo pairs (``benchmarks/calibration/real.py``). Every case runs through
``videosync.align`` as users run it, forced to answer (``min_confidence=0``), and through a
simple baseline (speed-xcorr, no refinement): one JSON line per case and method in
``data/calibration/<split>.jsonl`` (format: ``benchmarks/calibration/runner.py``), cached by
case and code fingerprint, so a rerun after an engine change recomputes and a killed run
resumes.

Figures (:mod:`videosync.reliability`): the reliability diagram (PNG), the expected calibration
error (10 equal-width bins of [0, 1]), the 90 % interval's coverage (when results carry
``uncertainty_frames``), and at ``align``'s default ``--min-confidence`` the share of pairs
answered, the share of answered pairs more than a frame off, and the share of the pairs whose
forced guess is within a frame that are answered; overall, by condition, for the real pairs
apart, and for the baseline beside the engine. The confidence is taken as the result gives it:
once a calibrator ships, the same command measures it. A calibrator is fitted on the ``calib``
split's records: ``videosync.reliability.load_calibration_set("data/calibration/calib.jsonl")``.

Run: ``python benchmarks/bench_calibration.py [--split report|calib|tune] [--limit N]
[--workers 2] [--redo] [--report-only]``.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._paths import shared_root  # noqa: E402
from benchmarks._results import RESULTS, markdown_table, write_section  # noqa: E402
from benchmarks.calibration.real import DEMO, SOURCES, real_cases  # noqa: E402
from benchmarks.calibration.runner import BASELINES, ENGINE, Job, code_fingerprint, pending, run_jobs  # noqa: E402

from videosync.reliability import (  # noqa: E402
    N_BINS,
    Outcome,
    breakdown,
    default_threshold,
    outcome,
    plot_reliability,
    read_records,
    summary,
)
from videosync.synth.cases import SPLITS, catalogue, draw_split, split_clips  # noqa: E402

#: Synthetic cases per split. ``tune`` and ``report``: 300 each, sized so that they run in about
#: half an hour on the shared 2-core machine. ``calib``: 1800, since the calibrator is fitted on
#: it, and a few hundred pairs leave it noisy: fitted on its first 300, 600, 1200 and 1800 cases
#: and scored on ``tune``, ECE 0.083, 0.056, 0.072 and 0.046 (mean of three fits each;
#: docs/design/trust.md, session 10). 1800 cases take 35 min with 2 workers.
CASES_PER_SPLIT = {"tune": 300, "calib": 1800, "report": 300}
ROLE_NAMES = {"engine": "engine (sesyn + geometry)"}


def jobs_for(split: str, n: int, limit: int | None, seed: int, clips, split_of, sources: tuple[str, ...]
             ) -> list[Job]:
    specs = draw_split(clips, split_of, split, n if limit is None else min(n, limit), seed)
    jobs = [Job(s.id, split, "synthetic", s.digest(), spec=s.to_json()) for s in specs]
    if split == "report" and DEMO.is_dir() and sources:
        reals = real_cases(sources)
        for case in reals[: limit if limit is not None else len(reals)]:
            digest = hashlib.sha1(case.a.keypoints.tobytes() + case.b.keypoints.tobytes()
                                  + repr((case.b.fps, case.b.width, case.truth.to_json())).encode()).hexdigest()[:12]
            jobs.append(Job(case.id, split, "real", digest, real=case))
    return jobs


def run(args: argparse.Namespace, path: Path, fingerprint: str, roles: dict) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn, TimeRemainingColumn

    t0 = time.perf_counter()
    clips = catalogue(shared_root() / "data" / "mocap")
    split_of = split_clips(clips, args.seed)
    jobs = jobs_for(args.split, args.cases, args.limit, args.seed, clips, split_of,
                    tuple(s for s in args.real.split(",") if s))
    todo = pending(jobs, path, fingerprint, roles, args.redo)
    print(f"{len(jobs)} cases in {args.split} ({len(jobs) - len(todo)} cached); catalogue and real poses "
          f"{time.perf_counter() - t0:.0f} s", file=sys.stderr)
    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TimeRemainingColumn(), transient=False) as bar:
        task = bar.add_task(f"align {args.split}", total=len(todo))
        t1 = time.perf_counter()
        run_jobs(todo, path, roles, fingerprint, {c.clip_id: c for c in clips}, args.workers,
                 on_done=lambda n: bar.advance(task, n))
    if todo:
        wall = time.perf_counter() - t1
        print(f"{len(todo)} cases in {wall:.0f} s with {args.workers} workers: {wall / len(todo):.2f} s per case",
              file=sys.stderr)


# ---------------------------------------------------------------------------------- report
def pct(x: float) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.0f} %"


def row(s: dict) -> list[str]:
    t = s["threshold"]
    return [str(s["pairs"]), str(s["refused_at_0"]), pct(s["right"]), f"{s['mean_confidence']:.2f}",
            f"{s['ece']:.3f}", f"{s['ece_if_calibrated']:.3f}", "not available" if s["coverage"] is None else pct(s["coverage"]),
            f"{pct(t.answered_share)} ({t.answered})", f"{pct(t.wrong_among_answered)} ({t.wrong_answered})",
            f"{pct(t.right_answered_share)} ({t.right_answered}/{t.right})", f"{s['median_wall_s']:.2f}"]


HEADER = ["pairs", "refused at 0", "forced guess right", "mean confidence", "ECE", "ECE if calibrated (chance)",
          "90 % interval coverage", "answered", "wrong among answered", "right answered", "median time (s)"]


def groups_of(o: Outcome) -> list[str]:
    """A synthetic pair's conditions (``none``: a plain pair), plus one-off motion and middle
    overlaps (the conditions name repeated motion and short and long overlaps); a real pair's
    source with its condition (``plain``: the cut alone)."""
    tags = o.tags
    if "source" in tags:  # real
        others = [c for c in tags.get("conditions", []) if c != tags["source"]]
        return [f"{tags['source']}, {', '.join(others) or 'plain'}"]
    extra = ([] if tags.get("repeated") else ["one-off"]) + (["overlap 5-20 s"] if 5.0 <= tags.get("overlap_s", 0) < 20.0 else [])
    return (tags.get("conditions") or ["none"]) + extra


def condition_table(engine: list[Outcome], baseline: list[Outcome], threshold: float) -> str:
    base = breakdown(baseline, groups_of)
    rows = []
    for name, outs in breakdown(engine, groups_of).items():
        s, b = summary(outs, threshold), summary(base.get(name, []), threshold)
        t, bt = s["threshold"], b["threshold"]
        rows.append([name, s["pairs"], pct(s["right"]), f"{s['mean_confidence']:.2f}", f"{s['ece']:.3f}",
                     pct(t.answered_share), f"{pct(t.wrong_among_answered)} ({t.wrong_answered})",
                     pct(t.right_answered_share), pct(b["right"]), pct(bt.answered_share),
                     f"{pct(bt.wrong_among_answered)} ({bt.wrong_answered})"])
    return markdown_table(["condition", "pairs", "right", "mean conf.", "ECE", "answered", "wrong among answered",
                           "right answered", "baseline right", "baseline answered", "baseline wrong among answered"],
                          rows)


def worst(engine: list[Outcome], threshold: float, n: int = 12) -> str:
    wrong = sorted((o for o in engine if o.confidence >= threshold and not o.right), key=lambda o: -o.confidence)
    sizes = [sum(lo < o.error <= hi for o in wrong) for lo, hi in ((1, 2), (2, 5), (5, math.inf))]
    rows = [[o.case, f"{o.confidence:.2f}", f"{o.error:.1f}", o.tags.get("motion", ""),
             ", ".join(o.tags.get("conditions", []))] for o in wrong[:n]]
    table = markdown_table(["case", "confidence", "error (frames)", "motion", "conditions"], rows) if rows else "none"
    return (f"{len(wrong)} answered pairs are wrong: {sizes[0]} by 1-2 frames, {sizes[1]} by 2-5, {sizes[2]} by "
            f"more than 5 (a step or a wave away, or no match at all). The most confident:\n\n{table}")


def report(args: argparse.Namespace, path: Path, fingerprint: str, figure: Path) -> str:
    threshold = default_threshold()
    records = read_records(path, fingerprint)
    parts = {(kind, role): [outcome(r) for r in records if r["kind"] == kind and r["role"] == role]
             for kind in ("synthetic", "real") for role in ("engine", "baseline")}
    names = {"engine": ROLE_NAMES["engine"], "baseline": f"baseline ({args.baseline})"}
    rows = [[kind, names[role], *row(summary(v, threshold))] for (kind, role), v in parts.items() if v]
    pictures = {f"{kind} pairs, {names[role]}": v for (kind, role), v in parts.items() if v}
    plot_reliability(pictures, figure, title=f"{args.split} split: share within 1 frame against confidence")
    crashes = sum(1 for r in records if r.get("crash"))
    engine_time = [o.wall_s for o in parts[("synthetic", "engine")]]
    text = [
        f"Split `{args.split}`: {len(parts[('synthetic', 'engine')])} synthetic pairs "
        f"(`videosync/synth/cases.py`, seed {args.seed}) and {len(parts[('real', 'engine')])} real pairs (Pose2Sim "
        f"demo, `benchmarks/calibration/real.py`); code fingerprint `{fingerprint}`. A pair is **right** when "
        f"its answer is within 1 frame of the truth everywhere in the overlap (frames of B; refused at threshold "
        f"0 = not right, confidence 0). ECE over {N_BINS} equal-width confidence bins of [0, 1]; beside it the ECE "
        f"a perfectly calibrated confidence would show on the same pairs by chance (each right with probability its "
        f"confidence). Answered = "
        f"confidence >= {threshold:g} (`align`'s default `--min-confidence`); right answered = answered among "
        f"the pairs whose forced guess is right. Engine mean time per pair "
        f"{sum(engine_time) / max(1, len(engine_time)):.2f} s (one process of 2 on the shared machine). "
        f"Exceptions other than a refusal: {crashes}.",
        markdown_table(["kind", "method", *HEADER], rows),
        f"![reliability diagram, {args.split} split]({figure.relative_to(args.doc.parent).as_posix()})"
        if figure.is_relative_to(args.doc.parent) else f"Reliability diagram: `{figure}`.",
        "**By condition** (synthetic pairs; a pair counts under each of its conditions):",
        condition_table(parts[("synthetic", "engine")], parts[("synthetic", "baseline")], threshold),
    ]
    if parts[("real", "engine")]:
        text += ["**Real pairs by source and condition:**",
                 condition_table(parts[("real", "engine")], parts[("real", "baseline")], threshold)]
    text += [f"**Most confident wrong answers** (engine, confidence >= {threshold:g}, more than a frame off):",
             worst(parts[("synthetic", "engine")] + parts[("real", "engine")], threshold)]
    return "\n\n".join(text)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=SPLITS, default="report")
    parser.add_argument("--cases", type=int, default=None,
                        help="synthetic cases in the split (default: CASES_PER_SPLIT's for the split)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N synthetic (and N real) cases")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--baseline", choices=sorted(BASELINES), default="speed-xcorr")
    parser.add_argument("--real", default=",".join(SOURCES), help="real pair sources (report split), comma-separated")
    parser.add_argument("--redo", action="store_true", help="recompute cached cases")
    parser.add_argument("--report-only", action="store_true", help="report what is cached, run nothing")
    parser.add_argument("--out", type=Path, default=REPO / "data" / "calibration")
    parser.add_argument("--doc", type=Path, default=RESULTS, help="results document to write the section into")
    parser.add_argument("--figures", type=Path, default=RESULTS.parent / "figures")
    args = parser.parse_args(argv)
    args.cases = args.cases or CASES_PER_SPLIT[args.split]
    roles = {"engine": ENGINE, "baseline": BASELINES[args.baseline]}
    fingerprint = code_fingerprint()
    path = args.out / f"{args.split}.jsonl"
    if not args.report_only:
        run(args, path, fingerprint, roles)
    body = report(args, path, fingerprint, args.figures / f"calibration_{args.split}.png")
    print(body)
    write_section(f"bench_calibration_{args.split}", f"Calibration of the confidence: {args.split} split", body,
                  path=args.doc)


if __name__ == "__main__":
    main()

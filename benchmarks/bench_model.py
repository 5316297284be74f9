"""The model card's tables: every method on the synthetic test splits, robustness, ablation.

Prints markdown tables (paper Table 1 layout: rows = methods, columns = the section 4.2 metrics)
and writes all numbers to ``--json``:

1. short and long presets, test split: sesyn (``--model``) beside simple, ssm, speed-xcorr;
2. robustness on the short preset (paper Tables 5 and 6): 10 % dropped frames, 9 px joint noise;
3. loss ablation (paper Table 2), if ``--ablation NAME=CHECKPOINT ...`` are given;
4. with ``--max-offset N``: the short preset again (clean, dropped frames, noise) with every
   method told the range of the offsets, as ``align --max-offset N`` / ``eval --max-offset N``.

With ``--geometry`` every method (sesyn and the baselines alike) is followed by the two-view
geometry refinement, as ``align`` runs it (``videosync eval --refine``).

Each part writes its own section of ``docs/results.md`` (``bench_model-short``,
``bench_model-robust``, ...; ``-geometry`` appended with ``--geometry``), so running a part again
replaces only its figures.

Run: ``python benchmarks/bench_model.py --model models/sesyn.pt --short data/synth-short
--long data/synth-long [--ablation identity=runs/a/best.pt ...] --json out.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._results import write_section  # noqa: E402
from videosync.datasets import find_pairs  # noqa: E402
from videosync.evaluate import evaluate_method  # noqa: E402
from videosync.metrics import METRIC_LABELS, METRIC_NAMES, PERCENT_METRICS  # noqa: E402
from videosync.sync.methods import get_method  # noqa: E402

BASELINES = ("simple", "ssm", "speed-xcorr")


def fmt(name: str, value: float) -> str:
    if name in PERCENT_METRICS:
        return f"{100 * value:.1f}"
    return f"{value:.4f}" if name == "abs_err" else f"{value:.2f}"


def table(title: str, rows: list[tuple[str, dict, int, float]]) -> str:
    head = "| method | " + " | ".join(METRIC_LABELS[n] + (" %" if n in PERCENT_METRICS else "") for n in METRIC_NAMES) + " | refused | time (s) |"
    lines = [f"**{title}**", "", head, "|" + "---|" * (len(METRIC_NAMES) + 3)]
    for name, metrics, refused, seconds in rows:
        lines.append(f"| {name} | " + " | ".join(fmt(n, metrics[n]) for n in METRIC_NAMES) + f" | {refused} | {seconds:.0f} |")
    return "\n".join(lines)


def run(methods: dict, data: str, split: str = "test", **perturb) -> list[tuple[str, dict, int, float]]:
    pairs = find_pairs(data, split=split)
    rows = []
    for name, method in methods.items():
        t0 = time.perf_counter()
        res = evaluate_method(method, pairs, **perturb)
        rows.append((name, res.metrics, res.refused, time.perf_counter() - t0))
    return rows


def report(key: str, title: str, rows: list, geometry: bool, note: str) -> None:
    """Print a part's table and write it to its own section of docs/results.md."""
    text = table(title, rows)
    print(text, "\n", flush=True)
    suffix = "-geometry" if geometry else ""
    how = ("Every method followed by the two-view-geometry refinement, as `align` runs it"
           if geometry else "Matching only (the paper's inference, no geometric refinement)")
    write_section(f"bench_model-{key}{suffix}", f"Synthetic {title}, {'with the geometry' if geometry else 'matching only'}",
                  f"{how}; {note} A refused pair counts as a prediction of 0.\n\n" + text.split("\n", 2)[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(REPO / "models" / "sesyn.pt"), help="default: the shipped model")
    parser.add_argument("--short", default="data/synth-short")
    parser.add_argument("--long", default="data/synth-long")
    parser.add_argument("--ablation", nargs="*", default=[], help="NAME=CHECKPOINT")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: short,long,robust,ablation")
    parser.add_argument("--geometry", action="store_true",
                        help="every method followed by the geometric refinement (align's default; eval --refine)")
    parser.add_argument("--max-offset", type=int, default=None,
                        help="also run the short preset with the search limited to +-N frames")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    methods = {"sesyn": get_method("sesyn", model=args.model), **{b: get_method(b) for b in BASELINES}}
    if args.geometry:  # what align runs: every method followed by the two-view-geometry refinement
        from videosync.sync.methods.refined import RefinedMethod

        methods = {f"{name}+geometry": RefinedMethod(m) for name, m in methods.items()}
    out: dict = {}
    pairs_info = {}
    where = Path(args.model).resolve()
    model = f"model `{where.relative_to(REPO) if where.is_relative_to(REPO) else args.model}`; "
    for preset in ("short", "long"):
        if preset in skip:
            continue
        data = getattr(args, preset)
        pairs_info[preset] = len(find_pairs(data, split="test"))
        rows = run(methods, data)
        out[preset] = rows
        report(preset, f"{preset} preset, test split ({pairs_info[preset]} pairs)", rows, args.geometry,
               model + f"data `{data}`; every offset searched, as in the paper.")
    if "robust" not in skip:
        for key, label, kw in (("drops", "10% dropped frames", {"drop_rate": 0.1}),
                               ("noise", "9 px joint noise", {"noise_px": 9.0})):
            rows = run(methods, args.short, **kw)
            out[label] = rows
            report(f"robust-{key}", f"short preset, test split, {label}", rows, args.geometry,
                   model + f"data `{args.short}` (paper Tables 5 and 6).")
    if args.ablation and "ablation" not in skip:
        abl = {name: get_method("sesyn", model=path) for name, path in (a.split("=", 1) for a in args.ablation)}
        rows = run(abl, args.short)
        out["ablation"] = rows
        report("ablation", "loss ablation, short preset, test split", rows, False,
               f"checkpoints {', '.join(f'`{a}`' for a in args.ablation)}; data `{args.short}` (paper Table 2).")
    if args.max_offset is not None:
        for key, label, kw in (("", "", {}), ("-drops", ", 10% dropped frames", {"drop_rate": 0.1}),
                               ("-noise", ", 9 px joint noise", {"noise_px": 9.0})):
            rows = run(methods, args.short, max_offset=args.max_offset, **kw)
            out[f"max offset {args.max_offset}{label}"] = rows
            report(f"max-offset-{args.max_offset}{key}",
                   f"short preset, test split, search within +-{args.max_offset} frames{label}", rows,
                   args.geometry, model + f"data `{args.short}`; every method told the range, as "
                   f"`align --max-offset {args.max_offset}`.")
    if args.json:
        args.json.write_text(json.dumps({k: [dict(method=r[0], metrics=r[1], refused=r[2], seconds=r[3]) for r in v] for k, v in out.items()}, indent=1))


if __name__ == "__main__":
    main()

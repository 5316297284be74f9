"""``videosync eval``: the paper's metrics for one or more methods on pairs with known offsets."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from videosync.cli.progress import progress_bar
from videosync.datasets import find_pairs
from videosync.errors import PoseFileError
from videosync.evaluate import EvalResult, evaluate_method
from videosync.fileio import atomic_path
from videosync.metrics import METRIC_LABELS, METRIC_NAMES, PERCENT_METRICS

METHODS = ("sesyn", "simple", "ssm", "speed-xcorr")


@click.command("eval")
@click.option("--data", "data_dir", required=True, type=click.Path(file_okay=False), help="Folder with manifest.json (from `videosync synth`).")
@click.option("--method", "methods", multiple=True, type=click.Choice(METHODS), help="Repeat for several; default: all.")
@click.option("--model", type=click.Path(dir_okay=False), help="SeSyn-Net checkpoint (default: the shipped model).")
@click.option("--split", default="test", show_default=True)
@click.option("--drop-rate", type=click.FloatRange(0, 0.9), default=0.0, show_default=True, help="Share of frames dropped at random in both views.")
@click.option("--noise", "noise_px", type=click.FloatRange(min=0), default=0.0, show_default=True, help="Gaussian joint noise, in pixels.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--refine/--no-refine", default=False, show_default=True, help="Also run the two-view-geometry refinement after each method.")
@click.option("--max-offset", type=click.IntRange(min=1), default=None, help="Search only offsets up to this many frames, as align --max-offset does (default: all, as the paper).")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), help="Write all results to this JSON file.")
def eval_command(data_dir, methods, model, split, drop_rate, noise_px, seed, refine, max_offset, json_out) -> None:
    """Frm.err, Acc@1/5/10, Abs.err, Rel.err and rAcc@10/30/50 (paper Table 1 layout)."""
    from videosync.sync.methods import make_method

    pairs = find_pairs(data_dir, split=split)
    if not pairs:
        raise PoseFileError(f"no evaluation pairs in split {split!r}", data_dir)
    results: list[EvalResult] = []
    for name in methods or METHODS:
        method = make_method(name, model=model, refine=refine)
        with progress_bar(f"eval {method.name}", total=len(pairs)) as update:
            results.append(evaluate_method(method, pairs, drop_rate=drop_rate, noise_px=noise_px, seed=seed,
                                           max_offset=max_offset, progress=update))
    Console(width=max(Console().width, 150)).print(render_metrics(results, title=f"{data_dir} ({split}, {len(pairs)} pairs, drop {drop_rate:g}, noise {noise_px:g} px)"))
    if json_out:
        with atomic_path(Path(json_out)) as tmp:
            tmp.write_text(json.dumps([r.to_json() for r in results], indent=1))


def render_metrics(results: list[EvalResult], title: str = "") -> Table:
    table = Table(title=title)
    table.add_column("method")
    for name in METRIC_NAMES:
        table.add_column(METRIC_LABELS[name] + (" %" if name in PERCENT_METRICS else ""), justify="right")
    table.add_column("refused", justify="right")
    for r in results:
        cells = [format_metric(name, r.metrics[name]) for name in METRIC_NAMES]
        table.add_row(r.method, *cells, str(r.refused))
    return table


def format_metric(name: str, value: float) -> str:
    if name in PERCENT_METRICS:
        return f"{100 * value:.2f}"
    return f"{value:.4f}" if name == "abs_err" else f"{value:.2f}"

"""``videosync eval``: the paper's metrics for one or more methods on pairs with known offsets."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from videosync.cli.command import command
from videosync.cli.options import (
    FiniteRange,
    check_outputs,
    emit_json,
    json_options,
    method_option,
    model_option,
    overwrite_option,
)
from videosync.registry import METHODS

if TYPE_CHECKING:
    from rich.table import Table

    from videosync.evaluate import EvalResult


@command("eval", short_help="The paper's accuracy metrics on pose pairs with known offsets.")
@click.option("--poses", "poses_dir", type=click.Path(file_okay=False),
              help="Folder of pose pairs with known offsets: a manifest.json as `videosync synth` writes.  [required]")
@click.option("--data", "data_dir", type=click.Path(file_okay=False), hidden=True, help="Old name of --poses.")
@method_option("methods", multiple=True, default=None, lead="Method to evaluate; repeat for several (default: all).")
@model_option
@click.option("--split", metavar="SPLIT", default="test", show_default=True,
              help="Which pairs of the manifest: train, validation or test.")
@click.option("--drop-rate", metavar="SHARE", type=FiniteRange(0, 0.9), default=0.0, show_default=True, help="Share of frames dropped at random in both views.")
@click.option("--noise", "noise_px", metavar="PIXELS", type=FiniteRange(min=0), default=0.0, show_default=True, help="Gaussian joint noise, in pixels.")
@click.option("--seed", metavar="N", type=int, default=0, show_default=True, help="Seed of the dropped frames and the noise.")
@click.option("--refine/--no-refine", default=False, show_default=True, help="Also run the two-view-geometry refinement after each method.")
@click.option("--max-offset", metavar="FRAMES", type=click.IntRange(min=1), default=None, help="Search only offsets up to this many frames, as align --max-offset does (default: all, as the paper).")
@json_options
@overwrite_option
def eval_command(poses_dir: str | None, data_dir: str | None, methods: tuple[str, ...], model: str | None,
                 split: str, drop_rate: float, noise_px: float, seed: int, refine: bool, max_offset: int | None,
                 as_json: bool, json_out: Path | None, overwrite: bool) -> None:
    """Frm.err, Acc@1/5/10, Abs.err, Rel.err and rAcc@10/30/50 of each method on the pairs of a
    synthetic dataset (the layout of Table 1 of the SeSyn-Net paper).

    \b
    Examples:
      videosync eval --poses data/synth
      videosync eval --poses data/synth --method sesyn --method ssm --noise 2 --drop-rate 0.1
      videosync eval --poses data/synth --split validation --json-out eval.json
    """
    from videosync.datasets import MANIFEST, find_pairs
    from videosync.errors import PoseFileError

    data = poses_dir or data_dir
    if data is None:
        raise click.UsageError("Missing option '--poses'.")
    check_outputs(json_out, inputs=[Path(data) / MANIFEST, model], overwrite=overwrite)
    pairs = find_pairs(data, split=split)
    check_outputs(json_out, inputs=[f for p in pairs for f in (p.a, p.b)], overwrite=True)  # nor a pose file
    if not pairs:
        raise PoseFileError(f"no evaluation pairs in split {split!r}", data)
    results = [_evaluate(name, pairs, model=model, refine=refine, drop_rate=drop_rate, noise_px=noise_px,
                         seed=seed, max_offset=max_offset) for name in methods or METHODS.pose_names()]
    emit_json([r.to_json() for r in results], as_json, json_out)
    if not as_json:
        from videosync.cli.output import stdout_console

        title = f"{data} ({split}, {len(pairs)} pairs, drop {drop_rate:g}, noise {noise_px:g} px)"
        stdout_console(min_width=150).print(render_metrics(results, title=title))


def _evaluate(name: str, pairs, *, model: str | None, refine: bool, **options) -> EvalResult:
    from videosync.cli.progress import progress_bar
    from videosync.evaluate import evaluate_method
    from videosync.sync.methods import make_method

    method = make_method(name, model=model, refine=refine)
    with progress_bar(f"eval {method.name}", total=len(pairs)) as update:
        return evaluate_method(method, pairs, progress=update, **options)


def render_metrics(results: list[EvalResult], title: str = "") -> Table:
    from rich.table import Table

    from videosync.metrics import METRIC_LABELS, METRIC_NAMES, PERCENT_METRICS

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
    from videosync.metrics import PERCENT_METRICS

    if name in PERCENT_METRICS:
        return f"{100 * value:.2f}"
    return f"{value:.4f}" if name == "abs_err" else f"{value:.2f}"

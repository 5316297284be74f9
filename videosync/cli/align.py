"""``videosync align``: offsets of every input relative to the first, as a table or JSON."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from videosync.cli import output
from videosync.cli.command import command
from videosync.cli.options import (
    check_outputs,
    emit_json,
    fps_type,
    full_option,
    json_options,
    overwrite_option,
    parse_size,
    sync_options,
)

if TYPE_CHECKING:
    from rich.table import Table

    from videosync.result import AlignmentResult


@command("align", short_help="Offsets of every input relative to the first (table or JSON).")
@click.argument("inputs", nargs=-1, required=True)
@click.option("--poses", "poses_flag", is_flag=True, hidden=True,
              help="Accepted and ignored: the kind of each input is detected.")
@sync_options
@full_option
@click.option("--time-map", is_flag=True, help="Answer an offset that steps (dropped frames) or drifts along the "
              "recording segment by segment (segments and drift_ppm in the JSON) instead of refusing it.")
@click.option("--fps", metavar="FPS", type=fps_type, help="Frame rate of pose files that carry none.")
@click.option("--size", "size", metavar="WxH", help="Image size of OpenPose JSON without a video beside it, e.g. 1920x1080.")
@click.option(
    "--layout",
    type=click.Choice(["coco17", "body25", "body25b", "coco18", "halpe26"]),
    help="Force the keypoint layout of OpenPose JSON (default: detected from the data).",
)
@json_options
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also draw the alignment to this PNG: matched poses at a few instants, the frame "
                   "similarity and the fitted offset.")
@overwrite_option
def align_command(inputs: tuple[str, ...], poses_flag: bool, fps: float | None, size: str | None,
                  layout: str | None, as_json: bool, json_out: Path | None, plot_path: Path | None,
                  overwrite: bool, **sync) -> None:  # sync: the options of sync_options
    """Estimate the offset of every INPUT relative to the first one.

    INPUTS are two or more videos, pose files (.npz) or OpenPose JSON folders, in any mix. An
    offset of k frames for input B means frame i of the first input shows the same instant as
    frame i + k of B. An offset less certain than --min-confidence is refused (exit code 4)
    rather than guessed.

    \b
    Examples:
      videosync align cam01.mp4 cam03.mp4
      videosync align cam01.mp4 cam02.mp4 cam03.mp4 --json > offsets.json
      videosync align cam01_json/ cam03_json/ --size 1920x1080 --fps 60
      videosync align a.npz b.npz --method ssm --max-offset 90 --plot align.png
    """
    if len(inputs) < 2:
        raise click.UsageError("align needs at least two inputs")
    check_outputs(plot_path, json_out, inputs=[*inputs, sync.get("model")], overwrite=overwrite)
    result = run_align(list(inputs), fps=fps, size=parse_size(size), layout=layout, **sync)
    for w in result.warnings:
        output.warning(w)
    if plot_path:
        from videosync.plot import plot_alignment

        output.info(f"plot: {plot_alignment(result, plot_path)}")
    emit_json(result.to_json(), as_json, json_out)
    if not as_json:
        output.stdout_console(max(len(e.path) for e in result.inputs)).print(render_table(result))


def run_align(inputs: list[str], **options) -> AlignmentResult:
    """videosync.align with the progress of pose estimation and its messages on stderr."""
    from videosync.api import align
    from videosync.cli.progress import frames_progress, native_noise_filtered

    with native_noise_filtered(), frames_progress() as progress:
        return align(
            inputs,
            on_message=output.info,
            on_progress=lambda label, done, total: progress(f"poses {label}", done, total),
            **options,
        )


def render_table(result: AlignmentResult) -> Table:
    from rich.table import Table

    table = Table(title=f"Offsets relative to {result.reference} (method: {result.method})")
    table.add_column("input", overflow="fold")
    table.add_column("offset (frames)", justify="right")
    table.add_column("offset (s)", justify="right")
    table.add_column("fps", justify="right")
    table.add_column("confidence", justify="right")
    fused = any(result.fusion(i) for i in range(len(result.inputs)))
    if fused:  # the two witnesses beside the answer
        table.add_column("sound (frames)", justify="right")
        table.add_column("poses (frames)", justify="right")
    for index, entry in enumerate(result.inputs):
        table.add_row(
            entry.path,
            f"{entry.offset_frames:+.2f} ± {_width(entry.uncertainty_frames, 2)}",
            f"{entry.offset_seconds:+.4f} ± {_width(entry.uncertainty_seconds, 4)}",
            f"{entry.fps:g}",
            f"{entry.confidence:.2f}",
            *(_witnesses(result.fusion(index), index) if fused else ()),
        )
        for seg in entry.segments if len(entry.segments) > 1 else ():  # a time map that steps
            table.add_row(f"  frames {seg.first_frame}-{seg.last_frame}",
                          f"{seg.offset_frames:+.2f} ± {_width(seg.uncertainty_frames, 2)}",
                          f"{seg.offset_frames / entry.fps:+.4f}", "", "")
    table.caption = ("offset k: frame i of the reference = frame i + k of the input; ± holds the truth 9 times "
                     "in 10; confidence: the probability of being within 1 frame")
    if fused:
        from videosync.sync.methods.fused import allowance_text

        table.caption += f"; sound and poses may differ by the {allowance_text()}"
    return table


def _witnesses(fusion: dict | None, index: int) -> tuple[str, str]:
    """The sound's and the poses' offset for one input's row ("-": that witness gave none)."""
    if fusion is None:
        return ("", "") if index == 0 else ("-", "-")
    return tuple("-" if fusion.get(key) is None else f"{fusion[key]:+.2f}" for key in ("sound_frames", "pose_frames"))


def _width(value: float, digits: int) -> str:
    return f"{value:.{digits}f}" if value < 10 ** 4 else "?"

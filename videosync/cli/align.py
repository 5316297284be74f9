"""``videosync align``: offsets of every input relative to the first, as a table or JSON."""

from __future__ import annotations

import json

import click
from rich.console import Console
from rich.table import Table

from videosync.api import DEFAULT_MIN_CONFIDENCE, align
from videosync.cli.options import parse_size, person_option
from videosync.cli.progress import frames_progress, native_noise_filtered, stdout_console
from videosync.result import AlignmentResult

METHODS = ("sesyn", "simple", "ssm", "speed-xcorr")


@click.command("align")
@click.argument("inputs", nargs=-1, required=True)
@click.option("--poses", "poses_only", is_flag=True, help="Inputs are pose files (.npz) or OpenPose JSON folders.")
@click.option("--method", type=click.Choice(METHODS), default="sesyn", show_default=True)
@click.option("--model", type=click.Path(dir_okay=False), help="SeSyn-Net checkpoint (default: the shipped model).")
@click.option("--max-offset", type=click.IntRange(min=1), help="Largest offset to consider, in frames (with --duration it also limits how much of the other videos is analysed).")
@click.option("--start", type=click.FloatRange(min=0), help="Analyse from this time (seconds) of the first input.")
@click.option("--duration", type=click.FloatRange(min=0, min_open=True), help="Analyse only this many seconds of the first input (the others: plus --max-offset on each side).")
@click.option("--refine/--no-refine", default=True, show_default=True, help="Refine the offset to the frame by two-view geometry (kept only when conclusive).")
@click.option(
    "--min-confidence",
    type=click.FloatRange(0, 1),
    default=DEFAULT_MIN_CONFIDENCE,
    show_default=True,
    help="Refuse offsets less certain than this (0 reports every guess).",
)
@click.option("--fps", type=click.FloatRange(min=0, min_open=True), help="Frame rate of pose files that carry none.")
@click.option("--size", "size", metavar="WxH", help="Image size of OpenPose JSON without a video beside it.")
@click.option(
    "--layout",
    type=click.Choice(["coco17", "body25", "body25b", "coco18", "halpe26"]),
    help="Force the keypoint layout of OpenPose JSON (default: detected from the data).",
)
@person_option
@click.option(
    "--pose-backend",
    type=click.Choice(["auto", "mediapipe", "mmpose"]),
    default="auto",
    show_default=True,
    help="Pose estimator for video inputs (auto: MMPose HRNet if installed with its weights, else MediaPipe).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False), help="Write a picture of the alignment (PNG).")
def align_command(
    inputs: tuple[str, ...],
    poses_only: bool,
    method: str,
    model: str | None,
    max_offset: int | None,
    start: float | None,
    duration: float | None,
    refine: bool,
    min_confidence: float,
    fps: float | None,
    size: str | None,
    layout: str | None,
    person: int | None,
    pose_backend: str,
    as_json: bool,
    plot_path: str | None,
) -> None:
    """Estimate the offset of every INPUT relative to the first one.

    INPUTS are videos, pose files (.npz) or OpenPose JSON folders, at least two. An offset of k
    frames for input B means frame i of the first input shows the same instant as frame i + k of B.
    """
    if len(inputs) < 2:
        raise click.UsageError("align needs at least two inputs")
    if poses_only:
        from videosync.video.probe import is_video_path

        videos = [p for p in inputs if is_video_path(p)]
        if videos:
            raise click.UsageError(f"--poses given but {videos[0]} is a video")
    err = Console(stderr=True)
    with native_noise_filtered(), frames_progress() as progress:
        result = align(
            list(inputs),
            method=method,
            model=model,
            max_offset_frames=max_offset,
            min_confidence=min_confidence,
            fps=fps,
            size=parse_size(size),
            layout=layout,
            person=person,
            pose_backend=pose_backend,
            refine=refine,
            start=start,
            duration=duration,
            on_message=lambda msg: err.log(msg) if not as_json else None,
            on_progress=lambda label, done, total: progress(f"poses {label}", done, total),
        )
    for w in result.warnings:
        err.print(f"[yellow]warning:[/] {w}", highlight=False)
    if plot_path:
        from videosync.plot import plot_alignment
        from videosync.sync.methods import make_method

        plot_method = make_method(method, model=model)
        err.print(f"plot: {plot_alignment(result, result.tracks, plot_method, plot_path)}")
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2))
    else:
        stdout_console(max(len(e.path) for e in result.inputs)).print(render_table(result))


def render_table(result: AlignmentResult) -> Table:
    table = Table(title=f"Offsets relative to {result.reference} (method: {result.method})")
    table.add_column("input", overflow="fold")
    table.add_column("offset (frames)", justify="right")
    table.add_column("offset (s)", justify="right")
    table.add_column("fps", justify="right")
    table.add_column("confidence", justify="right")
    for entry in result.inputs:
        table.add_row(
            entry.path,
            f"{entry.offset_frames:+.2f}",
            f"{entry.offset_seconds:+.4f}",
            f"{entry.fps:g}",
            f"{entry.confidence:.2f}",
        )
    table.caption = "offset k: frame i of the reference = frame i + k of the input"
    return table

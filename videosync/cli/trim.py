"""``videosync trim``: frame-accurate synchronized copies of videos."""

from __future__ import annotations

import click
from rich.table import Table

from videosync.api import DEFAULT_MIN_CONFIDENCE, align, trim
from videosync.cli.align import METHODS
from videosync.cli.options import person_option
from videosync.cli.progress import frames_progress, native_noise_filtered, progress_bar, stderr, stdout_console


def _offsets(text: str | None) -> list[float] | None:
    if text is None:
        return None
    try:
        return [float(v) for v in text.split(",")]
    except ValueError:
        raise click.BadParameter(f"expected comma-separated numbers of frames, e.g. 0,5,-3; got {text!r}", param_hint="--offsets") from None


@click.command("trim")
@click.argument("videos", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder for the synchronized copies.")
@click.option("--offsets", help="Known offsets in frames, one per video (the first 0), e.g. 0,5,-3; default: estimate them.")
@click.option("--common-end", is_flag=True, help="Also end every copy at the same instant.")
@click.option("--overwrite", is_flag=True, help="Replace existing outputs.")
@click.option("--fps", type=click.FloatRange(min=0, min_open=True), help="Resample every copy to this frame rate (needed when the inputs' rates differ).")
@click.option("--no-audio", is_flag=True, help="Leave audio out.")
@click.option("--method", type=click.Choice(METHODS), default="sesyn", show_default=True)
@click.option("--model", type=click.Path(dir_okay=False), help="SeSyn-Net checkpoint.")
@click.option("--max-offset", type=click.IntRange(min=1), help="Largest offset to consider, in frames (with --duration it also limits how much of the other videos is analysed).")
@click.option("--start", type=click.FloatRange(min=0), help="Estimate the offsets from this time (seconds) of the first video.")
@click.option("--duration", type=click.FloatRange(min=0, min_open=True), help="Estimate the offsets from only this many seconds of the first video.")
@click.option("--refine/--no-refine", default=True, show_default=True, help="Refine the estimated offsets by two-view geometry.")
@click.option("--min-confidence", type=click.FloatRange(0, 1), default=DEFAULT_MIN_CONFIDENCE, show_default=True)
@click.option("--pose-backend", type=click.Choice(["auto", "mediapipe", "mmpose"]), default="auto", show_default=True)
@person_option
def trim_command(videos, out_dir, offsets, common_end, overwrite, fps, no_audio, method, model, max_offset, start, duration, refine, min_confidence, pose_backend, person) -> None:
    """Write copies of VIDEOS that all start (and with --common-end end) at the same instant."""
    if len(videos) < 2:
        raise click.UsageError("trim needs at least two videos")
    offsets_frames, alignment = _offsets(offsets), None
    if offsets_frames is None:
        with native_noise_filtered(), frames_progress() as progress:
            alignment = align(
                list(videos),
                method=method,
                model=model,
                max_offset_frames=max_offset,
                min_confidence=min_confidence,
                pose_backend=pose_backend,
                person=person,
                refine=refine,
                start=start,
                duration=duration,
                on_progress=lambda label, done, total: progress(f"poses {label}", done, total),
            )
        offsets_frames = [entry.offset_frames for entry in alignment.inputs]
    with progress_bar("writing", total=None) as update:
        result, _ = trim(
            list(videos),
            out_dir,
            offsets_frames=offsets_frames,
            common_end=common_end,
            overwrite=overwrite,
            fps=fps,
            audio=not no_audio,
            progress=lambda done, total: update(done, total),
        )
    if alignment is not None:
        for w in alignment.warnings:
            stderr.print(f"[yellow]warning:[/] {w}", highlight=False)
    for note in result.notes:
        stderr.print(f"[yellow]note:[/] {note}", highlight=False)
    table = Table(title=f"Synchronized copies in {out_dir}")
    for col in ("input", "output", "first frame", "frames", "fps", "audio"):
        table.add_column(col, justify="right" if col in ("first frame", "frames", "fps") else "left")
    for v in result.videos:
        table.add_row(str(v.input), str(v.output), str(v.first_frame), str(v.n_frames), f"{v.fps:g}", "kept" if v.audio_kept else "none")
    stdout_console(max(len(str(v.input)) + len(str(v.output)) for v in result.videos)).print(table)

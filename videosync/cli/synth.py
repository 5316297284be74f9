"""``videosync synth``: render mocap clips into a synthetic multi-view pose dataset."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from videosync.errors import VideosyncError
from videosync.synth.dataset import PRESETS, build_dataset


class _ConsoleWarnings(logging.Handler):
    """Library warnings (skipped files) as one line each on stderr."""

    def __init__(self, console: Console) -> None:
        super().__init__(logging.WARNING)
        self.console = console

    def emit(self, record: logging.LogRecord) -> None:
        self.console.print(f"Warning: {record.getMessage()}", style="yellow", markup=False, highlight=False, soft_wrap=True)


@click.command("synth")
@click.option("--mocap", "mocap", required=True, type=click.Path(path_type=Path),
              help="Folder of .bvh / .amc+.asf files (searched recursively), or one motion file.")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="New (or empty) folder to write the dataset into.")
@click.option("--preset", type=click.Choice(sorted(PRESETS)), default="short", show_default=True,
              help="short: 120-frame evaluation windows; long: 480-frame windows (30 fps, offsets in [-30, 30]).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of every random choice.")
@click.option("--views", type=click.IntRange(min=2), default=4, show_default=True,
              help="Synchronized camera views rendered per recording.")
@click.option("--pairs-per-recording", type=click.IntRange(min=0), default=6, show_default=True,
              help="Evaluation pairs cut from each validation/test recording.")
@click.option("--recordings-per-clip", type=click.IntRange(min=1), default=1, show_default=True,
              help="Independent renderings (cameras, body proportions, noise) of each clip.")
def synth(mocap: Path, out: Path, preset: str, seed: int, views: int, pairs_per_recording: int,
          recordings_per_clip: int) -> None:
    """Render real motion capture into multi-view 2D poses with detector-like noise.

    Writes OUT/manifest.json, OUT/recordings/* (training: synchronized views) and OUT/pairs/*
    (validation/test: two equal-length windows with a known offset).
    """
    err = Console(stderr=True)
    handler = _ConsoleWarnings(err)
    logger = logging.getLogger("videosync")
    logger.addHandler(handler)
    try:
        with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                      TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                      console=err, transient=True, disable=not err.is_terminal) as bar:
            task = bar.add_task("synth", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            manifest = build_dataset(mocap, out, preset=preset, seed=seed, views=views,
                                     pairs_per_recording=pairs_per_recording,
                                     recordings_per_clip=recordings_per_clip, progress=progress)
    except VideosyncError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(exc.exit_code)
    finally:
        logger.removeHandler(handler)
    counts = manifest["counts"]
    summary = ", ".join(f"{s}: {c['recordings']} recordings / {c['pairs']} pairs" for s, c in counts.items())
    err.print(f"Wrote {out} ({summary}; {len(manifest['skipped'])} file(s) skipped)", markup=False, highlight=False, soft_wrap=True)

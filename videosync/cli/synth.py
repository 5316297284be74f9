"""``videosync synth``: render mocap clips into a synthetic multi-view pose dataset."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from videosync.cli import output
from videosync.cli.command import command
from videosync.cli.options import LazyChoice, LibraryDefault, overwrite_option
from videosync.errors import OutputError, VideosyncError
from videosync.fileio import temporary_folder_beside


@command("synth", short_help="Render motion capture into a synthetic multi-view pose dataset.")
@click.option("--mocap", "mocap", required=True, type=click.Path(path_type=Path),
              help="Folder of .bvh / .amc+.asf files (searched recursively), or one motion file.")
@click.option("-o", "--out", "out", required=True, type=click.Path(path_type=Path),
              help="New (or empty) folder to write the dataset into.")
@click.option("--preset", type=LazyChoice(lambda: sorted(LibraryDefault("videosync.synth.dataset:PRESETS")())),
              default="short", show_default=True,
              help="short: 120-frame evaluation windows; long: 480-frame windows (30 fps, offsets in [-30, 30]).")
@click.option("--seed", metavar="N", type=int, default=0, show_default=True, help="Seed of every random choice.")
@click.option("--views", metavar="N", type=click.IntRange(min=2), default=4, show_default=True,
              help="Synchronized camera views rendered per recording.")
@click.option("--pairs-per-recording", metavar="N", type=click.IntRange(min=0), default=6, show_default=True,
              help="Evaluation pairs cut from each validation/test recording.")
@click.option("--recordings-per-clip", metavar="N", type=click.IntRange(min=1), default=1, show_default=True,
              help="Independent renderings (cameras, body proportions, noise) of each clip.")
@overwrite_option
def synth(mocap: Path, out: Path, overwrite: bool, **settings: Any) -> None:
    """Render real motion capture into multi-view 2D poses with detector-like noise.

    Writes OUT/manifest.json, OUT/recordings/* (training: synchronized views) and OUT/pairs/*
    (validation/test: two equal-length windows with a known offset). With --overwrite, a dataset
    already in OUT is replaced once the new one is complete.

    \b
    Examples:
      videosync synth --mocap data/mocap -o data/synth
      videosync synth --mocap data/mocap -o data/synth-long --preset long --views 2 --seed 1
    """
    from videosync.cli.progress import progress_bar
    from videosync.fileio import check_folder_output
    from videosync.synth.dataset import build_dataset

    check_folder_output(out, inputs=[mocap])
    with progress_bar("synth") as update:
        def build(folder: Path) -> dict[str, Any]:
            return build_dataset(mocap, folder, progress=lambda done, total: update(done, total), **settings)

        manifest = _replacing(out, build) if overwrite and _is_full(out) else build(out)
    counts = manifest["counts"]
    summary = ", ".join(f"{s}: {c['recordings']} recordings / {c['pairs']} pairs" for s, c in counts.items())
    output.info(f"Wrote {out} ({summary}; {len(manifest['skipped'])} file(s) skipped)")


def _is_full(folder: Path) -> bool:
    return folder.is_dir() and any(folder.iterdir())


def _replacing(out: Path, build: Callable[[Path], dict[str, Any]]) -> dict[str, Any]:
    """Build the dataset beside ``out`` and swap it in: the old one stays whole until the new one
    is. Only a folder that holds a dataset (a manifest.json) is replaced, never any other."""
    from videosync.datasets import MANIFEST as MANIFEST_NAME

    if not (out / MANIFEST_NAME).is_file():
        raise VideosyncError(f"not replaced: it holds no {MANIFEST_NAME}, so it is not a dataset", out)
    # Built in a temporary folder (a killed run's is removed by the next); the old dataset is moved
    # aside under a name no cleanup touches, so a kill between the two renames loses nothing.
    with temporary_folder_beside(out) as building:
        new, old = building / "dataset", out.with_name(f".{out.name}.{secrets.token_hex(4)}.old")
        manifest = build(new)
        try:
            os.replace(out, old)
            try:
                os.replace(new, out)
            except OSError:
                os.replace(old, out)
                raise
        except OSError as exc:
            raise OutputError(f"cannot replace the dataset ({exc.strerror or exc})", out) from None
    shutil.rmtree(old, ignore_errors=True)
    return manifest

"""``videosync poses VIDEO``: estimate the subject's 2D pose in a video and save it as ``.npz``."""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
from pathlib import Path

import click

from videosync.errors import VideosyncError

#: Lines that native code prints straight to file descriptor 2, with no setting to turn them off:
#: MediaPipe/TFLite (absl logging before InitializeLog, XNNPACK notices) and OpenCV's FFmpeg
#: ("[mov,mp4,... @ 0x...] moov atom not found"), which our one-line errors already explain.
_NATIVE_NOISE = re.compile(
    rb"^(?:[WI]0000 |INFO: Created TensorFlow Lite|WARNING: All log messages before absl|\[[\w,]+ @ 0x[0-9a-f]+\] )"
)


@contextlib.contextmanager
def _native_noise_filtered():
    """Route fd 2 through a filter that drops the native libraries' log lines, keep the rest.

    Python's ``sys.stderr`` (the progress bar, our messages) is pointed at the real stderr for the
    duration, so rich still sees the terminal; only what C/C++ code writes to fd 2 is filtered.
    Without a real fd 2 (e.g. under a test runner) nothing is changed.
    """
    try:
        sys.stderr.flush()
        if sys.stderr.fileno() != 2:
            raise ValueError
        saved = os.dup(2)
    except (AttributeError, OSError, ValueError):
        yield
        return
    read_end, write_end = os.pipe()
    os.dup2(write_end, 2)
    os.close(write_end)
    real = os.fdopen(os.dup(saved), "w", buffering=1, encoding=getattr(sys.stderr, "encoding", None) or "utf-8")

    def pump() -> None:
        with os.fdopen(read_end, "rb") as pipe:
            for line in pipe:
                if not _NATIVE_NOISE.match(line):
                    os.write(saved, line)

    thread = threading.Thread(target=pump, name="stderr-filter", daemon=True)
    thread.start()
    old, sys.stderr = sys.stderr, real
    try:
        yield
    finally:
        sys.stderr = old
        real.flush()
        os.dup2(saved, 2)  # drops the pipe's last write end: the pump sees EOF and ends
        thread.join(timeout=2)
        real.close()
        os.close(saved)


def _progress_bar():
    """A rich progress bar on stderr that shows frames/s (the figure users compare backends by)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeRemainingColumn
    from rich.text import Text

    class FramesPerSecond(ProgressColumn):
        def render(self, task) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:5.1f} frames/s" if speed else "  ?   frames/s", style="progress.data.speed")

    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        FramesPerSecond(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=False,
        auto_refresh=True,
    )


@click.command("poses")
@click.argument("video", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Pose file to write (.npz). Default: VIDEO's name with .npz, in the current folder.")
@click.option("--pose-backend", type=click.Choice(["auto", "mediapipe", "mmpose"]), default="auto",
              show_default=True,
              help="auto = MMPose HRNet if installed with its weights on disk, else MediaPipe.")
@click.option("--pose-checkpoint", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="HRNet weights file for the mmpose backend.")
@click.option("--start", type=float, default=None, help="Start at this time, in seconds.")
@click.option("--duration", type=float, default=None, help="Process only this many seconds.")
@click.option("--person", type=int, default=0, show_default=True,
              help="Which person: 0 = the most prominent, 1 = the next...")
@click.option("--device", default=None, help="torch device for mmpose (default: cuda if available).")
@click.option("--no-cache", is_flag=True, help="Do not read or write the pose cache.")
def poses(video: Path, output: Path | None, pose_backend: str, pose_checkpoint: Path | None,
          start: float | None, duration: float | None, person: int, device: str | None,
          no_cache: bool) -> None:
    """Estimate the 2D pose of the main person in VIDEO and save it as a videosync pose file."""

    out = output if output is not None else Path(video.stem + ".npz")
    with _native_noise_filtered():
        _run(video, out, pose_backend, pose_checkpoint, start, duration, person, device, no_cache)


def _run(video: Path, out: Path, pose_backend: str, pose_checkpoint: Path | None, start: float | None,
         duration: float | None, person: int, device: str | None, no_cache: bool) -> None:
    from videosync.estimate import estimate_poses
    from videosync.poses.npz import save_npz

    try:
        bar = _progress_bar()
        task = bar.add_task(f"poses {video.name}", total=None)
        shown = False

        def progress(done: int, total: int) -> None:
            nonlocal shown
            if not shown:  # shown only once frames flow: a bad input gets just its error line
                bar.start()
                shown = True
            bar.update(task, completed=done, total=total)

        try:
            track = estimate_poses(
                video, backend=pose_backend, start=start, duration=duration, person=person,
                device=device, progress=progress, cache=not no_cache, pose_checkpoint=pose_checkpoint,
            )
        finally:
            if shown:
                bar.stop()
        written = save_npz(track, out)
    except VideosyncError as err:
        click.echo(f"Error: {err}", err=True)
        sys.exit(err.exit_code)
    m = track.meta
    cached = " (from cache)" if "cache" in m else ""
    click.echo(
        f"{video.name}: {track.n_valid} frames with a pose out of {m.get('frames_decoded', len(track))} "
        f"decoded, backend {m.get('backend')} ({m.get('model')}){cached}",
        err=True,
    )
    if m.get("frames_corrupt"):
        click.echo(f"warning: {m['frames_corrupt']} undecodable frame(s) skipped", err=True)
    click.echo(str(written))

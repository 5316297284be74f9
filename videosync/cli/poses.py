"""``videosync poses VIDEO``: estimate the subject's 2D pose in a video and save it as ``.npz``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from videosync.cli.progress import frames_progress, native_noise_filtered
from videosync.errors import VideosyncError

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
    with native_noise_filtered():
        _run(video, out, pose_backend, pose_checkpoint, start, duration, person, device, no_cache)


def _run(video: Path, out: Path, pose_backend: str, pose_checkpoint: Path | None, start: float | None,
         duration: float | None, person: int, device: str | None, no_cache: bool) -> None:
    from videosync.estimate import estimate_poses
    from videosync.poses.npz import save_npz

    try:
        with frames_progress() as progress:
            track = estimate_poses(
                video, backend=pose_backend, start=start, duration=duration, person=person, device=device,
                progress=lambda done, total: progress(f"poses {video.name}", done, total),
                cache=not no_cache, pose_checkpoint=pose_checkpoint,
            )
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

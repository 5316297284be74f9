"""``videosync poses VIDEO``: estimate the subject's 2D pose in a video and save it as ``.npz``."""

from __future__ import annotations

from pathlib import Path

import click

from videosync.cli import output
from videosync.cli.command import command
from videosync.cli.options import check_outputs, duration_type, overwrite_option, pose_backend_option, start_type


@command("poses", short_help="Estimate the 2D pose of the main person in a video; save it (.npz).")
@click.argument("video", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Pose file to write (.npz). Default: VIDEO's name with .npz, in the current folder.")
@click.option("--output", "out_alias", type=click.Path(dir_okay=False, path_type=Path), hidden=True,
              help="Old name of --out.")
@pose_backend_option()
@click.option("--pose-checkpoint", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="HRNet weights file for the mmpose backend.")
@click.option("--start", metavar="SECONDS", type=start_type, default=None, help="Start at this time, in seconds.")
@click.option("--duration", metavar="SECONDS", type=duration_type, default=None, help="Process only this many seconds.")
@click.option("--person", metavar="RANK", type=click.IntRange(min=0), default=0, show_default=True,
              help="Which person: 0 = the most prominent, 1 = the next...")
@click.option("--device", metavar="DEVICE", default=None, help="torch device for mmpose: cpu, cuda, cuda:1 ... (default: cuda if available).")
@click.option("--no-cache", is_flag=True, help="Do not read or write the pose cache.")
@overwrite_option
def poses(video: Path, out: Path | None, out_alias: Path | None, pose_backend: str, pose_checkpoint: Path | None,
          start: float | None, duration: float | None, person: int, device: str | None, no_cache: bool,
          overwrite: bool) -> None:
    """Estimate the 2D pose of the main person in VIDEO and save it as a videosync pose file.

    The pose file can be given to "videosync align" instead of the video (faster when aligning
    the same video several times). Poses are also cached, so aligning the video again does not
    estimate them again.

    \b
    Examples:
      videosync poses cam01.mp4                  writes cam01.npz here
      videosync poses cam01.mp4 -o poses/cam01.npz --pose-backend mediapipe
      videosync poses cam01.mp4 --start 10 --duration 30 --person 1
    """
    from videosync.cli.progress import frames_progress, native_noise_filtered
    from videosync.estimate import estimate_poses
    from videosync.poses.npz import npz_path, save_npz

    out = npz_path(out or out_alias or Path(video.stem + ".npz"))
    check_outputs(out, inputs=[video, pose_checkpoint], overwrite=overwrite, creates_folder=out.parent)  # -o makes its folder
    with native_noise_filtered(), frames_progress() as progress:
        track = estimate_poses(
            video, backend=pose_backend, start=start, duration=duration, person=person, device=device,
            progress=lambda done, total: progress(f"poses {video.name}", done, total),
            cache=not no_cache, pose_checkpoint=pose_checkpoint,
        )
    written = save_npz(track, out)
    m = track.meta
    cached = " (from cache)" if "cache" in m else ""
    output.info(f"{video.name}: {track.n_valid} frames with a pose out of {m.get('frames_decoded', len(track))} "
                f"decoded, backend {m.get('backend')} ({m.get('model')}){cached}")
    if m.get("frames_corrupt"):
        output.warning(f"{m['frames_corrupt']} undecodable frame(s) skipped")
    click.echo(str(written))

"""``videosync sync-poses``: pose files re-numbered onto the first input's frames (Pose2Sim's
``pose-sync`` layout and .npz), for 3D pipelines."""

from __future__ import annotations

from pathlib import Path

import click

from videosync.cli import output
from videosync.cli.command import command
from videosync.cli.options import emit_json, fps_type, json_options, overwrite_option, parse_size, sync_options
from videosync.cli.trim import _offsets


@command("sync-poses", short_help="Pose files re-numbered onto the first input's frames (Pose2Sim pose-sync).")
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for the synchronized poses, e.g. a Pose2Sim project's pose-sync folder: one "
                   "re-numbered JSON folder (from JSON folders) and one .npz per input.")
@click.option("--offsets", metavar="K,K,...", help="Known offsets in frames, one per input (the first 0); default: "
              "estimate them.")
@click.option("--time-map", is_flag=True, help="Follow offsets that step (dropped frames) or drift along the "
              "recording: a frame an input lost has no file, so a 3D pipeline leaves that camera out there.")
@sync_options
@click.option("--fps", metavar="FPS", type=fps_type, help="Frame rate of pose files that carry none.")
@click.option("--size", "size", metavar="WxH", help="Image size of OpenPose JSON without a video beside it, e.g. 1920x1080.")
@click.option("--layout", type=click.Choice(["coco17", "body25", "body25b", "coco18", "halpe26"]),
              help="Force the keypoint layout of OpenPose JSON (default: detected from the data).")
@json_options
@overwrite_option
def sync_poses_command(inputs: tuple[str, ...], out_dir: str, offsets: str | None, time_map: bool,
                       fps: float | None, size: str | None, layout: str | None, as_json: bool,
                       json_out: Path | None, overwrite: bool, **sync) -> None:
    """Write the poses of INPUTS (two or more OpenPose JSON folders or .npz files) numbered by
    the frames of the first one: frame n of every output shows the same instant, ready for
    triangulation.

    JSON folders are copied file by file, each renamed to the reference's frame it shows (as
    Pose2Sim's synchronization step writes pose-sync/camXX_json); every input also gets a .npz.

    \b
    Examples:
      videosync sync-poses pose/cam01_json pose/cam02_json pose/cam03_json -o pose-sync/
      videosync sync-poses cam01_json cam02_json -o pose-sync/ --time-map --json-out pose-sync/sync.json
      videosync sync-poses a.npz b.npz -o synced/ --offsets 0,-7
    """
    from videosync.cli.align import run_align
    from videosync.cli.options import check_outputs
    from videosync.poses.load import reading_once
    from videosync.sync.timemap import input_time_map
    from videosync.syncposes import check_outputs as check_pose_outputs
    from videosync.syncposes import sync_poses

    if len(inputs) < 2:
        raise click.UsageError("sync-poses needs at least two inputs")
    if time_map and offsets is not None:
        raise click.UsageError("--time-map estimates the offsets along the recording: it cannot be combined with "
                               "--offsets")
    check_outputs(json_out, inputs=[*inputs, sync.get("model")], overwrite=overwrite)
    check_pose_outputs([Path(p) for p in inputs], Path(out_dir), overwrite)  # before the alignment's work
    forced, maps, alignment = _offsets(offsets), None, None
    options = dict(fps=fps, size=parse_size(size), layout=layout)
    with reading_once():  # the alignment's reads of the inputs are the writer's
        if forced is None:
            alignment = run_align(list(inputs), time_map=time_map, **options, **sync)
            for w in alignment.warnings:
                output.warning(w)
            maps = [input_time_map(entry) for entry in alignment.inputs]
        written, _ = sync_poses(list(inputs), out_dir, offsets_frames=forced, time_maps=maps, overwrite=overwrite,
                                **options)
    document = {"outputs": [w.to_json() for w in written],
                "alignment": alignment.to_json() if alignment is not None else None}
    emit_json(document, as_json, json_out)
    if not as_json:
        for w in written:
            lost = f", {len(w.missing)} frames without a pose (lost by the input)" if w.missing else ""
            output.info(f"{w.json_dir or w.npz}: frames {w.first_frame}-{w.last_frame}{lost}")

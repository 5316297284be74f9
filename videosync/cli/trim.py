"""``videosync trim``: frame-accurate synchronized copies of videos."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from videosync.cli import output
from videosync.cli.align import run_align
from videosync.cli.command import command
from videosync.cli.options import (
    check_outputs, emit_json, fps_type, full_option, json_options, overwrite_option, sync_options,
)

if TYPE_CHECKING:
    from rich.table import Table

    from videosync.result import AlignmentResult


def _offsets(text: str | None) -> list[float] | None:
    if text is None:
        return None
    try:
        offsets = [float(v) for v in text.split(",")]
        if not all(math.isfinite(k) for k in offsets):
            raise ValueError
        return offsets
    except ValueError:
        raise click.BadParameter(f"expected comma-separated numbers of frames, e.g. 0,5,-3; got {text!r}", param_hint="--offsets") from None


@command("trim", short_help="Copies of videos that start (and end) at the same instant.")
@click.argument("videos", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for the synchronized copies (one per video, named like it).")
@click.option("--offsets", metavar="K,K,...", help="Known offsets in frames, one per video (the first 0), e.g. 0,5,-3; default: estimate them.")
@click.option("--common-end", is_flag=True, help="Also end every copy at the same instant.")
@click.option("--fps", "out_fps", metavar="FPS", type=fps_type,
              help="Resample every copy to this frame rate (needed when the inputs' rates differ).")
@click.option("--no-audio", is_flag=True, help="Leave audio out.")
@click.option("--audio-reference", is_flag=True,
              help="Cut on the sound's offsets (--method audio) instead of the picture's: the copies keep "
                   "lip sync; their pictures may be off by the cameras' audio-video skew.")
@click.option("--time-map", is_flag=True, help="Follow offsets that step (dropped frames) or drift along the "
              "recording: frame n of every copy shows the same instant, frames are repeated where an input "
              "lost some, and their list is written to repeated_frames.json beside the copies.")
@sync_options
@full_option
@json_options
@overwrite_option
def trim_command(videos: tuple[str, ...], out_dir: str, offsets: str | None, common_end: bool,
                 out_fps: float | None, no_audio: bool, audio_reference: bool, time_map: bool, as_json: bool,
                 json_out: Path | None, overwrite: bool, **sync) -> None:  # sync: the options of sync_options
    """Write copies of VIDEOS that all start (and with --common-end end) at the same instant.

    The offsets are estimated as "videosync align" does (same options), unless --offsets gives
    them. The copies are cut at whole frames and re-encoded; their audio is cut to match.

    \b
    Examples:
      videosync trim cam01.mp4 cam03.mp4 -o synced/
      videosync trim cam01.mp4 cam03.mp4 -o synced/ --offsets 0,-7 --common-end
      videosync trim a.mp4 b.mov -o synced/ --fps 30 --json-out synced/trim.json
      videosync trim a.mp4 b.mp4 -o synced/ --audio-reference
      videosync trim webcam1.mp4 webcam2.mp4 -o synced/ --time-map
    """
    from videosync.api import trim
    from videosync.fileio import check_folder_output
    from videosync.sync.timemap import input_time_map
    from videosync.video.timemap_trim import REPEATED_JSON
    from videosync.video.writer import output_paths

    if len(videos) < 2:
        raise click.UsageError("trim needs at least two videos")
    if time_map and (offsets is not None or out_fps is not None):
        raise click.UsageError("--time-map follows the estimated time maps at each input's own rate: "
                               f"it cannot be combined with {'--offsets' if offsets is not None else '--fps'}")
    if audio_reference and offsets is not None:
        raise click.UsageError("--audio-reference estimates the offsets from the sound: leave out --offsets")
    if audio_reference and time_map:
        raise click.UsageError("--time-map follows the poses' time maps: it cannot be combined with --audio-reference")
    check_folder_output(out_dir)  # every output now, not after the offsets are estimated
    check_outputs(*output_paths([Path(v) for v in videos], Path(out_dir)), json_out,
                  Path(out_dir) / REPEATED_JSON if time_map else None, inputs=[*videos, sync.get("model")],
                  overwrite=overwrite, creates_folder=out_dir)
    offsets_frames, alignment, maps = _offsets(offsets), None, None
    if offsets_frames is None:
        from videosync.sync.witness import audio_reference_options

        alignment = run_align(list(videos), time_map=time_map, **audio_reference_options(sync, audio_reference))
        offsets_frames = [entry.offset_frames for entry in alignment.inputs]
        maps = [input_time_map(entry) for entry in alignment.inputs] if time_map else None
        for w in alignment.warnings:
            output.warning(w)
    from videosync.cli.progress import progress_bar

    with progress_bar("writing", total=None) as update:
        result, _ = trim(list(videos), out_dir, offsets_frames=offsets_frames, common_end=common_end,
                         overwrite=overwrite, fps=out_fps, audio=not no_audio, time_maps=maps,
                         progress=lambda done, total: update(done, total))
    for note in result.notes:
        output.info(f"note: {note}")
    for video in (result.repeated or {}).get("videos", []):
        if video["repeated_frames"]:
            output.info(f"{video['output']}: {len(video['repeated_frames'])} frames repeated where the input "
                        f"lost some (listed in {Path(out_dir) / REPEATED_JSON})")
    emit_json(_trim_json(result, alignment), as_json, json_out)
    if not as_json:
        widest = max(len(str(v.input)) + len(str(v.output)) for v in result.videos)
        output.stdout_console(widest).print(_render_table(result, out_dir))


def _trim_json(result, alignment: AlignmentResult | None) -> dict[str, Any]:
    """The copies (and, when estimated here, the alignment they were cut by) as JSON."""
    videos = [{"input": str(v.input), "output": str(v.output), "first_frame": v.first_frame,
               "frames": v.n_frames, "fps": v.fps, "offset_frames": v.offset_frames,
               "offset_frames_used": v.offset_frames_used, "audio_kept": v.audio_kept}
              for v in result.videos]
    return {"videos": videos, "start_seconds": result.start_seconds, "notes": list(result.notes),
            "repeated": result.repeated, "alignment": alignment.to_json() if alignment is not None else None}


def _render_table(result, out_dir: str) -> Table:
    from rich.table import Table

    table = Table(title=f"Synchronized copies in {out_dir}")
    for col in ("input", "output", "first frame", "frames", "fps", "audio"):
        table.add_column(col, justify="right" if col in ("first frame", "frames", "fps") else "left")
    for v in result.videos:
        table.add_row(str(v.input), str(v.output), str(v.first_frame), str(v.n_frames), f"{v.fps:g}", "kept" if v.audio_kept else "none")
    return table

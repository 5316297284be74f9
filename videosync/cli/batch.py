"""``videosync batch``: synchronize every session of a folder, on a Dask cluster or in this process.

A thin layer over :func:`videosync.align_many`: parse, show a progress bar (sessions done, failed,
per hour, and the Dask dashboard's address), print the summary. Exit code: 0 when every session is
synchronized; 1 when any is not (its status and reason are in the table); 130 on Ctrl-C.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from videosync.cli import output
from videosync.cli.align import align_command
from videosync.cli.command import command
from videosync.cli.options import check_outputs, emit_json, json_options, overwrite_option, parse_size, sync_options
from videosync.errors import INTERRUPTED_EXIT_CODE, VideosyncError

if TYPE_CHECKING:
    from videosync.batch import BatchProgress, BatchResult

#: align's options for pose files, which every session gets too (the same click options).
POSE_FILE_OPTIONS = ("fps", "size", "layout")


def _resources(text: str | None) -> dict[str, float] | None:
    if not text:
        return None
    try:
        return {k.strip(): float(v) for k, v in (item.split("=") for item in text.split(","))}
    except ValueError:
        raise click.BadParameter(f"expected NAME=AMOUNT[,NAME=AMOUNT], e.g. GPU=1; got {text!r}",
                                 param_hint="--pose-resources") from None


@command("batch", short_help="Synchronize every session of a folder, on Dask; resumable, with a table.")
@click.argument("sessions")
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for one JSON per session, results.csv (and results.parquet with pyarrow), and --trim's copies.")
@click.option("--redo", is_flag=True, help="Synchronize again the sessions that already have a result, and replace it.")
@click.option("--trim", is_flag=True, help="Also write each session's synchronized videos into OUT/<session>/.")
@click.option("--scheduler", metavar="ADDRESS", help="A running Dask scheduler, e.g. tcp://host:8786 (default: a local cluster).")
@click.option("--workers", type=click.IntRange(min=1), help="Workers of the local cluster (default: one per core that memory allows).")
@click.option("--sequential", is_flag=True, help="Run in this process, one session after the other (no Dask).")
@click.option("--pose-resources", metavar="NAME=N", help="Dask resources each video's pose estimation needs, e.g. GPU=1 (workers started with --resources GPU=1).")
@sync_options
@json_options
@overwrite_option
def batch_command(sessions: str, out_dir: str, redo: bool, trim: bool, scheduler: str | None, workers: int | None,
                  sequential: bool, pose_resources: str | None, as_json: bool, json_out: Path | None,
                  overwrite: bool, size: str | None, **sync) -> None:  # sync: sync_options, fps, layout
    """Synchronize every session in SESSIONS: a folder with one sub-folder per session (its videos,
    .npz pose files or OpenPose JSON folders), a glob pattern of session folders, or a .csv list.

    Writes OUT/<session>.json as each session ends and OUT/results.csv at the end. A session that
    already has a result is skipped (unless --redo), so an interrupted batch resumes where it
    stopped. The options of "videosync align" apply to every session. Exit code 1 when any session
    is not synchronized (the table says why).

    \b
    Examples:
      videosync batch sessions/ -o results/
      videosync batch "/data/2024-*/trial*" -o results/ --max-offset 120 --trim
      videosync batch sessions.csv -o results/ --scheduler tcp://10.0.0.5:8786 --pose-resources GPU=1
    """
    from videosync.batch import align_many

    check_outputs(json_out, inputs=[sessions, sync.get("model")], overwrite=overwrite, creates_folder=out_dir)
    bar = _Bar()
    try:
        result = bar.run(lambda on_progress: align_many(
            sessions, out_dir, redo=redo, trim=trim, overwrite=overwrite, scheduler=scheduler, workers=workers,
            sequential=sequential, pose_resources=_resources(pose_resources), on_progress=on_progress,
            size=parse_size(size), **sync))
    except KeyboardInterrupt:
        click.echo(f"interrupted: {bar.done} sessions finished and recorded in {out_dir}; "
                   "the same command resumes the batch", err=True)
        raise click.exceptions.Exit(INTERRUPTED_EXIT_CODE) from None
    _report(result, as_json, json_out)


class _Bar:
    """The progress bar (sessions done of those to do, how many failed, sessions per hour); in a
    log file, where no bar is drawn, a line per session."""

    def __init__(self) -> None:
        self.done = 0
        self._started = False

    def run(self, work):
        from videosync.cli.progress import native_noise_filtered, progress_bar

        with native_noise_filtered(), progress_bar("sessions") as self._update:
            return work(self.update)

    def update(self, p: BatchProgress) -> None:
        if not self._started:
            self._started = True
            skipped = f" ({p.skipped} skipped: already done)" if p.skipped else ""
            output.info(f"batch: {p.total} sessions to synchronize{skipped}, {p.runner}")
            if p.dashboard:
                output.info(f"Dask dashboard: {p.dashboard}")
        if p.last is not None:
            if p.last["status"] != "ok":
                output.warning(f"{p.last['session']}: {p.last['status']}: {p.last['reason']}")
            elif not output.stderr_console().is_terminal:
                output.info(f"[{p.done}/{p.total}] {p.last['session']}: ok")
        self.done = p.done
        rate = f" · {p.per_hour:.0f}/h" if p.per_hour else ""
        self._update(p.done, p.total, info=f"ok {p.done - p.failed} · failed {p.failed}{rate}")


def _report(result: BatchResult, as_json: bool, json_out: Path | None) -> None:
    from videosync.batch.results import rows_of

    counts: dict[str, int] = {}
    for doc in result.results:
        counts[doc["status"]] = counts.get(doc["status"], 0) + 1
    if result.skipped == len(result.results):
        output.info(f"batch: every session has a result already in {result.out_dir} (--redo to redo them)")
    if result.left_out:
        output.info(f"note: left out {len(result.left_out)} folder(s) without videos or pose data: "
                    + ", ".join(p.name for p in result.left_out[:10]))
    if result.stale:
        output.info(f"note: {len(result.stale)} session(s) kept from an earlier run with other options or "
                    f"inputs (--redo to redo them): {', '.join(result.stale[:10])}")
    doc: dict[str, Any] = {
        "out": str(result.out_dir), "tables": [str(p) for p in result.tables], "runner": result.runner,
        "sessions": len(result.results), "skipped": result.skipped, "counts": counts,
        "rows": [row for d in result.results for row in rows_of(d)]}
    emit_json(doc, as_json, json_out)
    if not as_json:
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        click.echo(output.shown(f"{len(result.results)} sessions: {summary}; table: {result.tables[0]}"))
    if result.failed:
        raise VideosyncError(f"{len(result.failed)} of {len(result.results)} sessions not synchronized "
                             f"(status and reason in {result.tables[0]})")


_first_own = next(i for i, p in enumerate(batch_command.params) if p.name == "quiet")
batch_command.params[_first_own:_first_own] = [p for p in align_command.params if p.name in POSE_FILE_OPTIONS]

"""``videosync batch``: synchronize every session of a folder, on a Dask cluster or in this process.

A thin layer over :func:`videosync.align_many`: parse, show a progress bar (sessions done, failed,
per hour, and the Dask dashboard's address), print the summary. Exit code: 0 when every session is
synchronized; 1 when any is not (its status and reason are in the table); 130 on Ctrl-C.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from videosync.batch import BatchProgress, align_many
from videosync.batch.results import rows_of
from videosync.cli.align import align_command
from videosync.cli.options import parse_size
from videosync.cli.progress import native_noise_filtered, stderr
from videosync.errors import VideosyncError

#: align's options that every session gets (the same click options, so the same meaning and
#: defaults); their names in the library, where they differ.
PASSED = {"method": "method", "model": "model", "max_offset": "max_offset_frames", "start": "start",
          "duration": "duration", "refine": "refine", "min_confidence": "min_confidence", "fps": "fps",
          "size": "size", "layout": "layout", "person": "person", "pose_backend": "pose_backend"}


def _resources(text: str | None) -> dict[str, float] | None:
    if not text:
        return None
    try:
        return {k.strip(): float(v) for k, v in (item.split("=") for item in text.split(","))}
    except ValueError:
        raise click.BadParameter(f"expected NAME=AMOUNT[,NAME=AMOUNT], e.g. GPU=1; got {text!r}",
                                 param_hint="--pose-resources") from None


@click.command("batch")
@click.argument("sessions")
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for one JSON per session, results.csv (and results.parquet with pyarrow), and --trim's copies.")
@click.option("--redo", is_flag=True, help="Synchronize again the sessions that already have a result (and replace it).")
@click.option("--trim", is_flag=True, help="Also write each session's synchronized videos into OUT/<session>/.")
@click.option("--scheduler", metavar="ADDRESS", help="A running Dask scheduler, e.g. tcp://host:8786 (default: a local cluster).")
@click.option("--workers", type=click.IntRange(min=1), help="Workers of the local cluster (default: one per core that memory allows).")
@click.option("--sequential", is_flag=True, help="Run in this process, one session after the other (no Dask).")
@click.option("--pose-resources", metavar="NAME=N", help="Dask resources each video's pose estimation needs, e.g. GPU=1 (workers started with --resources GPU=1).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document (the summary and every row) on stdout.")
@click.option("--json-out", type=click.Path(dir_okay=False), help="Write that JSON document to a file.")
@click.option("--overwrite", is_flag=True, help="Replace an existing --json-out file.")
def batch_command(sessions, out_dir, redo, trim, scheduler, workers, sequential, pose_resources, as_json,
                  json_out, overwrite, **align_options) -> None:
    """Synchronize every session in SESSIONS: a folder with one sub-folder per session (its videos,
    .npz pose files or OpenPose JSON folders), a glob pattern of session folders, or a .csv list.

    A session that already has a result in OUT is skipped (unless --redo), so an interrupted batch
    resumes where it stopped. Every option of `videosync align` applies to every session.
    """
    if json_out and Path(json_out).exists() and not overwrite:
        raise VideosyncError("exists (--overwrite to replace it)", json_out)  # now, not after the batch
    options = {PASSED[k]: v for k, v in align_options.items()}
    options["size"] = parse_size(options["size"])
    with native_noise_filtered(), _Bar() as bar:
        try:
            result = align_many(sessions, out_dir, redo=redo, trim=trim, scheduler=scheduler, workers=workers,
                                sequential=sequential, pose_resources=_resources(pose_resources),
                                on_progress=bar.update, **options)
        except KeyboardInterrupt:
            bar.stop()
            click.echo(f"interrupted: {bar.done} sessions finished and recorded in {out_dir}; "
                       "the same command resumes the batch", err=True)
            sys.exit(130)
    _report(result, as_json, json_out)


class _Bar:
    """The progress bar: sessions done of those to do, how many failed, sessions per hour."""

    def __init__(self) -> None:
        self.done = 0
        self._bar = Progress(TextColumn("[bold]sessions"), BarColumn(), MofNCompleteColumn(),
                             TextColumn("{task.fields[info]}"), TimeElapsedColumn(), TextColumn("eta"),
                             TimeRemainingColumn(), console=stderr, transient=False)
        self._task = None

    def __enter__(self) -> _Bar:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        if self._task is not None and self._bar.live.is_started:
            self._bar.stop()

    def update(self, p: BatchProgress) -> None:
        if self._task is None:
            skipped = f" ({p.skipped} skipped: already done)" if p.skipped else ""
            stderr.print(f"batch: {p.total} sessions to synchronize{skipped}, {p.runner}", highlight=False)
            if p.dashboard:
                stderr.print(f"Dask dashboard: {p.dashboard}", highlight=False)
            self._task = self._bar.add_task("sessions", total=p.total, info="")
            self._bar.start()
        if p.last is not None and p.last["status"] != "ok":
            self._bar.console.print(f"[yellow]{p.last['status']}:[/] {p.last['session']}: {p.last['reason']}",
                                    highlight=False)
        rate = f" · {p.per_hour:.0f}/h" if p.per_hour else ""
        self.done = p.done
        self._bar.update(self._task, completed=p.done, info=f"ok {p.done - p.failed} · failed {p.failed}{rate}")


def _report(result, as_json: bool, json_out: str | None) -> None:
    counts: dict[str, int] = {}
    for doc in result.results:
        counts[doc["status"]] = counts.get(doc["status"], 0) + 1
    if result.skipped == len(result.results):
        stderr.print(f"batch: every session has a result already in {result.out_dir} (--redo to redo them)",
                     highlight=False)
    if result.left_out:
        stderr.print(f"[yellow]note:[/] left out {len(result.left_out)} folder(s) without videos or pose data: "
                     + ", ".join(p.name for p in result.left_out[:10]), highlight=False)
    if result.stale:
        stderr.print(f"[yellow]note:[/] {len(result.stale)} session(s) kept from an earlier run with other options "
                     f"or inputs (--redo to redo them): {', '.join(result.stale[:10])}", highlight=False)
    doc = {"out": str(result.out_dir), "tables": [str(p) for p in result.tables], "runner": result.runner,
           "sessions": len(result.results), "skipped": result.skipped, "counts": counts,
           "rows": [row for d in result.results for row in rows_of(d)]}
    if json_out:
        from videosync.fileio import atomic_path

        with atomic_path(json_out) as tmp:
            Path(tmp).write_text(json.dumps(doc, indent=2) + "\n")
    if as_json:
        click.echo(json.dumps(doc, indent=2))
    else:
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        click.echo(f"{len(result.results)} sessions: {summary}; table: {result.tables[0]}")
    not_ok = len(result.failed)
    if not_ok:
        raise VideosyncError(f"{not_ok} of {len(result.results)} sessions not synchronized "
                             f"(status and reason in {result.tables[0]})")


for _param in align_command.params:
    if _param.name in PASSED:
        batch_command.params.append(_param)

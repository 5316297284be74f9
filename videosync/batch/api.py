"""``align_many``: synchronize many sessions, resumably, on Dask or in this process."""

from __future__ import annotations

import inspect
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from videosync.batch.results import FINAL, read_result, write_result, write_table
from videosync.batch.runners import Job, make_runner
from videosync.batch.sessions import Session, discover_sessions
from videosync.batch.tasks import document
from videosync.errors import VideosyncError

SessionsLike = str | Path | Mapping[str, Sequence[str | Path]] | Sequence[Session]

#: align's arguments that cannot travel to a worker (callbacks into this process).
_LOCAL_ONLY = ("inputs", "on_message", "on_progress")


@dataclass
class BatchProgress:
    """Where a batch stands; given to ``on_progress`` when it starts and after every session."""

    total: int  # sessions to synchronize in this run (not counting those skipped)
    skipped: int  # sessions with a result from an earlier run
    runner: str  # where the work runs, in words
    dashboard: str | None = None  # the Dask dashboard's address, when there is one
    done: int = 0
    failed: int = 0  # of ``done``: refused, failed or error
    started: float = field(default_factory=time.monotonic)
    last: dict[str, Any] | None = None  # the result document of the session that just ended

    @property
    def per_hour(self) -> float | None:
        elapsed = time.monotonic() - self.started
        return self.done * 3600.0 / elapsed if self.done and elapsed > 0 else None


@dataclass
class BatchResult:
    out_dir: Path
    results: list[dict[str, Any]]  # one result document per session, in session order
    tables: list[Path]  # results.csv (and results.parquet)
    runner: str
    skipped: int = 0
    left_out: list[Path] = field(default_factory=list)  # folders without inputs
    stale: list[str] = field(default_factory=list)  # skipped sessions done with other options or inputs

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [doc for doc in self.results if doc["status"] != "ok"]


def align_many(
    sessions: SessionsLike,
    out_dir: str | Path,
    *,
    redo: bool = False,
    trim: bool = False,
    overwrite: bool = False,
    scheduler: str | None = None,
    workers: int | None = None,
    sequential: bool = False,
    pose_resources: Mapping[str, float] | None = None,
    on_progress: Callable[[BatchProgress], None] | None = None,
    **align_options: Any,
) -> BatchResult:
    """Synchronize every session and write one JSON per session plus ``results.csv`` into ``out_dir``.

    Args:
        sessions: a folder whose sub-folders are sessions, a glob pattern of session folders, a
            ``.csv`` session list (see :mod:`videosync.batch.sessions`), ``{name: [inputs]}``, or
            a list of :class:`Session`.
        redo: synchronize sessions that already have a result (else they are skipped, so an
            interrupted batch resumes where it stopped). A result whose status is ``error`` (a lost
            worker, a bug) says nothing about the data and is always done again.
        trim: also write each session's synchronized videos into ``out_dir/<session>/``.
        overwrite: replace such copies when they exist (else the session fails, naming them).
        scheduler: address of a running Dask scheduler (``tcp://host:8786``); default a
            LocalCluster of ``workers`` workers (default: one per core that memory allows).
        sequential: run in this process, one session after the other (also what happens without Dask).
        pose_resources: Dask resources each video's pose task needs, e.g. ``{"GPU": 1}``.
        on_progress: called with a :class:`BatchProgress` at the start and after every session.
        align_options: passed to :func:`videosync.align` for every session (method, max_offset_frames, ...).

    Returns:
        BatchResult. One bad session (an unreadable file, no person, an offset refused) is
        recorded with its reason and never stops the others. Ctrl-C (KeyboardInterrupt) stops
        the batch and loses only the sessions in flight; the table is written either way.
    """
    options = _check_options(align_options)
    out = Path(out_dir).expanduser().resolve()
    if out.exists() and not out.is_dir():
        raise VideosyncError("the output must be a folder", out)
    found, left_out = _sessions(sessions)
    docs: dict[str, dict[str, Any]] = {}
    stale: list[str] = []
    skipped = 0
    jobs: list[Job] = []
    for session in found:
        previous = None if redo else read_result(out, session)
        if previous is not None and previous["status"] in FINAL:
            docs[session.name] = previous
            skipped += 1
            if previous.get("options") != options or previous.get("inputs") != [str(p) for p in session.inputs]:
                stale.append(session.name)
        elif len(session.inputs) < 2:
            docs[session.name] = _too_few(out, session, options)
        else:
            trim_dir = str(out / session.name) if trim else None
            jobs.append(Job(session, options, trim_dir, overwrite))
    out.mkdir(parents=True, exist_ok=True)
    runner_name = "nothing to do"
    try:
        if jobs:
            runner_name = _run(jobs, docs, out, skipped, on_progress,
                               make_runner(scheduler, workers, sequential, dict(pose_resources or {}) or None))
    finally:
        ordered = [docs[s.name] for s in found if s.name in docs]
        tables = write_table(out, ordered)
    return BatchResult(out, ordered, tables, runner_name, skipped, left_out, stale)


def _run(jobs: list[Job], docs: dict[str, dict[str, Any]], out: Path, skipped: int,
         on_progress: Callable[[BatchProgress], None] | None, runner) -> str:
    """Run the jobs, writing each session's result as it comes; returns the runner's description."""
    say = on_progress or (lambda _p: None)
    try:
        progress = BatchProgress(total=len(jobs), skipped=skipped, runner=runner.description,
                                 dashboard=runner.dashboard)
        say(progress)
        for doc in runner.run(jobs):
            write_result(out, doc)
            docs[doc["session"]] = doc
            progress.done += 1
            progress.failed += doc["status"] != "ok"
            progress.last = doc
            say(progress)
    finally:
        runner.close()
    return runner.description


def _check_options(align_options: dict[str, Any]) -> dict[str, Any]:
    """The align options as the JSON they are recorded as; an unknown one is a TypeError now, not
    an error in every session hours later."""
    from videosync.api import align

    known = set(inspect.signature(align).parameters) - set(_LOCAL_ONLY)
    unknown = sorted(set(align_options) - known)
    if unknown:
        raise TypeError(f"align_many got options align does not take: {', '.join(unknown)}")
    options = {k: (str(Path(v).expanduser().resolve()) if k == "model" and v is not None else v)
               for k, v in align_options.items()}
    return json.loads(json.dumps(options))


def _sessions(sessions: SessionsLike) -> tuple[list[Session], list[Path]]:
    if isinstance(sessions, (str, Path)):
        found, left_out = discover_sessions(sessions)
        if not found:
            raise VideosyncError("no sessions found (each session is a sub-folder holding its videos or "
                                 "pose data; or give a glob pattern or a .csv list)", sessions)
        return found, left_out
    if isinstance(sessions, Mapping):
        return [Session(str(name), tuple(Path(p).expanduser().resolve() for p in inputs))
                for name, inputs in sessions.items()], []
    return list(sessions), []


def _too_few(out: Path, session: Session, options: dict[str, Any]) -> dict[str, Any]:
    names = ", ".join(session.label(p) for p in session.inputs) or "none"
    doc = document(session, options, 0.0, status="failed", exit_code=1,
                   reason=f"{session.folder or session.name}: a session needs at least two inputs (found: {names})")
    write_result(out, doc)
    return doc

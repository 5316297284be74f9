"""Who runs a batch's tasks: Dask (a LocalCluster sized to this machine, or a running cluster),
or, without Dask, this process one session after the other.

Both runners take the same jobs and yield each session's result document as soon as it exists;
the caller writes it, so a crash or Ctrl-C loses at most the sessions in flight. Dask does the
scheduling (no queue of our own): each video's pose estimation is a task, and a session's
synchronization is a task that depends on its videos' pose tasks.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import secrets
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from videosync.batch.sessions import Session
from videosync.batch.tasks import document, estimate_task, failure, sync_task, video_inputs
from videosync.errors import VideosyncError

#: Memory a worker may need: torch, the pose estimator and a few decoded HD frames (a worker that
#: estimated the poses of two 1080x1920 videos with MediaPipe and synchronized them peaked at
#: 0.77 GiB; docs/batch.md). A LocalCluster gets no more workers than memory holds at this each.
WORKER_MEMORY_BYTES = 2 << 30

DASK_MISSING = "Dask is not installed (pip install 'videosync[batch]')"


@dataclass(frozen=True)
class Job:
    """One session to synchronize, with what its tasks need."""

    session: Session
    options: dict[str, Any]
    trim_dir: str | None = None
    overwrite: bool = False


@dataclass
class SequentialRunner:
    """Every task in this process, one session after the other."""

    description: str = "sequentially in this process"
    dashboard: str | None = None

    def run(self, jobs: list[Job]) -> Iterator[dict[str, Any]]:
        for job in jobs:
            poses = [estimate_task(path, i, job.options) for i, path in video_inputs(job.session)]
            yield sync_task(job.session, poses, job.options, job.trim_dir, job.overwrite)

    def close(self) -> None:
        pass


def dask_available() -> bool:
    return importlib.util.find_spec("distributed") is not None


def local_workers(requested: int | None = None) -> int:
    """Workers of the default LocalCluster: one per core, as many as the memory holds."""
    if requested:
        return requested
    from dask.system import CPU_COUNT  # the cores this process may use (affinity, cgroups)

    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return CPU_COUNT
    return max(1, min(CPU_COUNT, memory // WORKER_MEMORY_BYTES))


@dataclass
class DaskRunner:
    """Tasks on a Dask cluster: ``scheduler`` (``tcp://host:8786``) or a new LocalCluster."""

    scheduler: str | None = None
    workers: int | None = None
    #: Dask resources each pose task needs (``{"GPU": 1}``): only workers that declare them take it.
    pose_resources: dict[str, float] | None = None
    description: str = ""
    dashboard: str | None = None
    _client: Any = field(default=None, repr=False)
    _cluster: Any = field(default=None, repr=False)
    _futures: list = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        from dask.distributed import Client, LocalCluster

        if self.scheduler:
            try:
                self._client = Client(self.scheduler, timeout="30s")
            except (OSError, TimeoutError, ValueError) as exc:
                raise VideosyncError(f"cannot reach the Dask scheduler ({exc})", self.scheduler) from None
            n = len(self._client.scheduler_info().get("workers", {}))
            self.description = f"on the Dask cluster at {self.scheduler} ({n} workers now)"
            self.dashboard = self._client.dashboard_link
            self._check_resources()
            return
        if self.pose_resources:
            raise VideosyncError("pose resources need a cluster whose workers declare them (--scheduler)")
        n = local_workers(self.workers)
        # processes, one thread each: pose estimators and torch are not made to share a process,
        # and Dask's workers start with OMP/MKL threads at 1, so n workers use n cores
        with _ctrl_c_left_to_this_process():
            self._cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                         silence_logs=logging.ERROR)
        self._client = Client(self._cluster)
        self.description = f"on a local Dask cluster of {n} worker{'s' * (n != 1)}"
        if importlib.util.find_spec("bokeh") is not None:  # without it the page only says to install it
            self.dashboard = self._client.dashboard_link

    def _check_resources(self) -> None:
        if not self.pose_resources:
            return
        workers = self._client.scheduler_info().get("workers", {}).values()
        if not any(all(w.get("resources", {}).get(k, 0) >= v for k, v in self.pose_resources.items())
                   for w in workers):
            logging.getLogger(__name__).warning(
                "no worker declares the resources %s yet: pose tasks wait until one joins", self.pose_resources)

    def run(self, jobs: list[Job]) -> Iterator[dict[str, Any]]:
        from dask.distributed import as_completed

        run = secrets.token_hex(4)  # task keys are global on a shared scheduler
        by_key = {}
        for n, job in enumerate(jobs):
            poses = [self._client.submit(estimate_task, path, i, job.options, key=f"poses-{run}-{n}-{i}",
                                         resources=self.pose_resources)
                     for i, path in video_inputs(job.session)]
            # a session whose poses are ready goes before more pose work: results come steadily
            future = self._client.submit(sync_task, job.session, poses, job.options, job.trim_dir,
                                         job.overwrite, key=f"sync-{run}-{n}", priority=1)
            by_key[future.key] = job
            self._futures.append(future)
        for future in as_completed(self._futures):
            job = by_key[future.key]
            try:
                doc = future.result()
            except Exception as exc:  # noqa: BLE001 - a lost worker, a cancelled task: this session only
                doc = document(job.session, job.options, None, **failure(exc))
            future.release()
            yield doc

    def close(self) -> None:
        if self._client is None:
            return
        if self._futures:
            self._client.cancel(self._futures)
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._client = None


@contextlib.contextmanager
def _ctrl_c_left_to_this_process() -> Iterator[None]:
    """Start worker processes that ignore Ctrl-C (SIGINT, which a terminal sends to every process
    of the job): this process stops them itself, without a traceback from each."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # inherited by the processes started now
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def make_runner(scheduler: str | None, workers: int | None, sequential: bool,
                pose_resources: dict[str, float] | None) -> SequentialRunner | DaskRunner:
    """The runner asked for; sequential (and saying why) when Dask is not installed."""
    if sequential:
        return SequentialRunner()
    if not dask_available():
        if scheduler or pose_resources:
            raise VideosyncError(f"a Dask scheduler and pose resources need Dask: {DASK_MISSING}")
        return SequentialRunner(description=f"sequentially in this process: {DASK_MISSING}")
    return DaskRunner(scheduler=scheduler, workers=workers, pose_resources=pose_resources)

"""Pose estimation of several videos at once, each in a worker process of its own.

Why processes: MediaPipe keeps one core busy per frame and holds it (and Python's lock around
it) for the whole frame, so two videos estimated in two threads of one process take as long as
one after the other; in two processes they take half as long on two cores. The decoding thread
of each worker feeds its estimator as before (:mod:`videosync.video.reader`).

Why plain subprocesses (``python -m videosync.estimate.workers``) and not ``multiprocessing``:
its start methods that are safe after threads have started (spawn, forkserver) import the
caller's main script again in every worker, which runs a script that calls ``videosync.align``
without an ``if __name__ == "__main__"`` guard a second time; fork is not safe once torch or
OpenCV have started threads. A worker here imports only videosync. Jobs and results travel as
pickles over the worker's stdin and a private copy of its stdout (whatever a native library
prints to stdout goes to stderr instead, so it cannot garble them).

:class:`PosePool` runs at most ``workers`` processes (started on first use, kept for later jobs,
stopped by :meth:`PosePool.close`); with one worker, or a single core, it estimates in the
calling process instead, where starting a process would only cost time.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import pickle
import queue
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from videosync.errors import VideosyncError
from videosync.poses import PoseTrack

Progress = Callable[[str, int, int], None]


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the OS tells, else all)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class PoseJob:
    """One call of :func:`videosync.estimate.estimate_poses`: the video, a label for progress, and
    the keyword arguments (``start``, ``duration``, ``stride``, ``person``, ``backend``, ...)."""

    video: str
    label: str
    options: dict[str, Any] = field(default_factory=dict)
    #: the video's content hash when the caller knows it (the pose cache's key)
    digest: str | None = None


def _estimate(job: PoseJob, progress: Callable[[int, int], None] | None) -> PoseTrack:
    from videosync.estimate import cache, estimate_poses

    if job.digest is not None:
        cache.remember_hash(job.video, job.digest)
    return estimate_poses(job.video, progress=progress, **job.options)


class PosePool:
    """Runs :class:`PoseJob` s on up to ``workers`` processes; :meth:`submit` returns a Future.

    ``progress(label, done, total)`` is called (from a pool thread) as frames are estimated.
    Use as a context manager, or call :meth:`close`: the workers are stopped either way.
    """

    def __init__(self, workers: int, progress: Progress | None = None) -> None:
        self.workers = max(1, min(int(workers), usable_cores()))
        self.progress = progress
        self._jobs: queue.Queue = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._procs: list[subprocess.Popen] = []
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, job: PoseJob) -> Future:
        from videosync.estimate import cache

        future: Future = Future()
        if self._closed:
            raise RuntimeError("the pose pool is closed")
        if job.digest is None:
            job = dataclasses.replace(job, digest=cache.known_hash(job.video))
        if self.workers == 1:  # in this process: no start-up to pay for
            report = self.progress
            try:
                future.set_result(_estimate(job, (lambda d, t: report(job.label, d, t)) if report else None))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future
                future.set_exception(exc)
            return future
        self._jobs.put((job, future))
        with self._lock:
            if len(self._threads) < self.workers:
                thread = threading.Thread(target=self._serve, name=f"poses-{len(self._threads)}", daemon=True)
                self._threads.append(thread)
                thread.start()
        return future

    def _serve(self) -> None:
        """A pool thread: owns one worker process and feeds it jobs until the pool closes."""
        proc: subprocess.Popen | None = None
        while True:
            item = self._jobs.get()
            if item is None:
                break
            job, future = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                if proc is None or proc.poll() is not None:
                    proc = self._start()
                future.set_result(self._run(proc, job))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future
                future.set_exception(exc)
        if proc is not None:
            _stop(proc)

    def _start(self) -> subprocess.Popen:
        package_root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        # each worker gets its share of the cores for the libraries that spread over threads
        env.setdefault("OMP_NUM_THREADS", str(max(1, usable_cores() // self.workers)))
        proc = subprocess.Popen([sys.executable, "-m", "videosync.estimate.workers"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, env=env)
        with self._lock:
            self._procs.append(proc)
        return proc

    def _run(self, proc: subprocess.Popen, job: PoseJob) -> PoseTrack:
        pickle.dump(job, proc.stdin)
        proc.stdin.flush()
        while True:
            try:
                kind, *payload = pickle.load(proc.stdout)
            except EOFError:
                raise RuntimeError(f"the pose worker for {job.video} ended unexpectedly "
                                   f"(exit status {proc.wait()})") from None
            if kind == "progress":
                if self.progress is not None:
                    self.progress(job.label, *payload)
            elif kind == "done":
                track = payload[0]
                if track.meta.get("video_sha256"):
                    from videosync.estimate import cache

                    cache.remember_hash(job.video, track.meta["video_sha256"])
                return track
            elif kind == "error":
                raise _rebuild_error(*payload)
            else:
                raise RuntimeError(f"pose worker failed on {job.video}:\n{payload[0]}")

    def close(self) -> None:
        """Stop the workers (a job still running is abandoned)."""
        self._closed = True
        for _ in self._threads:
            self._jobs.put(None)
        with self._lock:
            for proc in self._procs:
                if proc.poll() is None and proc.stdin is not None:
                    try:
                        proc.stdin.close()  # a worker between jobs ends on end-of-input
                    except OSError:
                        pass
        for thread in self._threads:
            thread.join(timeout=2)
        for proc in self._procs:
            _stop(proc)

    def __enter__(self) -> PosePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def _rebuild_error(module: str, name: str, message: str, path: str | None) -> BaseException:
    """The worker's VideosyncError, same class, message and path (a plain pickle would lose the
    path: the class's constructor takes it apart from the message)."""
    cls = getattr(importlib.import_module(module), name, VideosyncError)
    exc = cls.__new__(cls)
    Exception.__init__(exc, message)
    exc.path = path
    return exc


def _worker_main() -> None:
    """A worker: read jobs from stdin, answer on a private copy of stdout, until end-of-input."""
    channel = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # what anything else prints to stdout goes to stderr
    sys.stdout = sys.stderr

    def send(*message: Any) -> None:
        pickle.dump(message, channel)
        channel.flush()

    while True:
        try:
            job = pickle.load(sys.stdin.buffer)
        except EOFError:
            return
        try:
            send("done", _estimate(job, lambda done, total: send("progress", done, total)))
        except VideosyncError as exc:
            send("error", type(exc).__module__, type(exc).__name__, str(exc), exc.path)
        except Exception:  # noqa: BLE001 - a bug: its traceback goes to the caller
            send("crash", traceback.format_exc())


if __name__ == "__main__":
    try:
        _worker_main()
    except KeyboardInterrupt:  # Ctrl-C reaches the whole process group: the caller handles it
        pass

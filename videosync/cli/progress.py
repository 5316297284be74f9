"""Rich progress bars on stderr for the library's progress callbacks, and a filter for the log
lines native libraries print straight to stderr.

A bar is drawn only on a terminal and not under ``-q``: in a log file a bar is noise (a command
that runs long, like train, prints a line now and then instead).
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from videosync.cli import output


def _show_bars(console) -> bool:
    return console.is_terminal and output.level() > output.QUIET


@contextlib.contextmanager
def progress_bar(description: str, total: int | None = None) -> Iterator[Callable[..., None]]:
    """Yield ``update(done, total, info="")`` that drives one bar on stderr."""
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[info]}"),
    )
    console = output.stderr_console()
    bar = Progress(*columns, console=console, transient=False, disable=not _show_bars(console))
    task = bar.add_task(output.plain(description), total=total, info="")
    started = []

    def update(done: int, total_: int | None = None, info: str = "") -> None:
        if not started:  # drawn from the first step on: a command that fails first shows no empty bar
            started.append(bar.start())
        bar.update(task, completed=done, total=total_ if total_ is not None else total, info=output.plain(info))

    try:
        yield update
    finally:
        if started:
            bar.stop()


@contextlib.contextmanager
def frames_progress() -> Iterator[Callable[[str, int, int], None]]:
    """Yield ``progress(label, done, total)``: one bar per label, with frames/s.

    The display starts with the first frame, so an input that fails at once (not a video, a
    missing file) prints only its one error line and no empty bar.
    """
    console = output.stderr_console()
    bar = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        _FramesPerSecond(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
        auto_refresh=True,
        disable=not _show_bars(console),
    )
    tasks: dict[str, int] = {}

    def progress(label: str, done: int, total: int) -> None:
        if not tasks:
            bar.start()
        if label not in tasks:
            tasks[label] = bar.add_task(output.plain(label), total=total)
        bar.update(tasks[label], completed=done, total=total)

    try:
        yield progress
    finally:
        if tasks:
            bar.stop()


class _FramesPerSecond(ProgressColumn):
    """Frames/s: the figure users compare pose backends and machines by."""

    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:5.1f} frames/s" if speed else "  ?   frames/s", style="progress.data.speed")


#: Lines that native code prints straight to file descriptor 2, with no setting to turn them off:
#: MediaPipe/TFLite (absl logging before InitializeLog, XNNPACK notices) and OpenCV's FFmpeg
#: ("[mov,mp4,... @ 0x...] moov atom not found"), which our one-line errors already explain.
_NATIVE_NOISE = re.compile(
    rb"^(?:[WI]0000 |INFO: Created TensorFlow Lite|WARNING: All log messages before absl|\[[\w,]+ @ 0x[0-9a-f]+\] )"
)


@contextlib.contextmanager
def native_noise_filtered():
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

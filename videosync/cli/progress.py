"""Rich progress bars on stderr, for the library's ``progress(done, total)`` callbacks."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

stderr = Console(stderr=True)


@contextlib.contextmanager
def progress_bar(description: str, total: int | None = None) -> Iterator[Callable[..., None]]:
    """Yield ``update(done, total, **fields)`` that drives one bar on stderr."""
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[info]}"),
    )
    with Progress(*columns, console=stderr, transient=False) as bar:
        task = bar.add_task(description, total=total, info="")

        def update(done: int, total_: int | None = None, info: str = "") -> None:
            bar.update(task, completed=done, total=total_ if total_ is not None else total, info=info)

        yield update

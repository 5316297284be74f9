"""Where the CLI's words go, at one of three levels chosen by ``-q`` / ``-v``.

* stdout carries results only (a table, a JSON document, a written path), at every level.
* stderr carries errors always; at the default level also messages, warnings and progress bars,
  as plain lines without source references; with ``-v`` (verbose) the library's logs down to
  DEBUG through rich's ``RichHandler``, with the time and the source line of each record.
* ``-q`` (quiet): results and errors only, no progress bar.

Messages go through Python logging (the ``videosync`` logger, which the library logs to as well),
so this module is the one place that decides how they look.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

QUIET, NORMAL, VERBOSE = -1, 0, 1

log = logging.getLogger("videosync.cli")
_state: dict = {"level": NORMAL, "console": None}


def level() -> int:
    """The level of the command being run (NORMAL outside one)."""
    return _state["level"]


def stderr_console() -> Console:
    """The console on stderr that progress bars and messages share while a command runs (one
    console, so a message printed under a live bar does not tear it). It writes to whatever
    ``sys.stderr`` is at the time (CliRunner and the native-log filter replace it)."""
    if _state["console"] is None:
        from rich.console import Console

        return Console(stderr=True)
    return _state["console"]


def stdout_console(widest_text: int = 0, min_width: int = 0) -> Console:
    """The console for results on stdout. On a terminal, its width; in a pipe or a file (where
    rich assumes 80 columns), wide enough that paths of ``widest_text`` characters are not
    wrapped or cut: a result is copied from there, not read in a window; at least ``min_width``
    columns either way. Every string it prints is shown as it is (:func:`shown`, no markup):
    result tables hold file names, which are data."""
    from rich.console import Console

    class ResultConsole(Console):
        def render_str(self, text: str, **kwargs):  # rich turns every str it prints into Text here
            return super().render_str(shown(text), **{**kwargs, "markup": False, "emoji": False})

    out = ResultConsole()
    if out.is_terminal and out.width >= min_width:
        return out
    return ResultConsole(width=max(80, min_width, widest_text + 60))


#: Characters a terminal would act on rather than show: C0/C1 controls (a newline in a file name
#: would split a one-line error) and the bidirectional overrides that reorder what is displayed.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def shown(text: object) -> str:
    """``text`` with every control character written as an escape (``\\n``, ``\\x1b``, ``\\u202e``)."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(text))


def plain(text: object) -> str:
    """``text`` safe to print through rich markup (a table cell, a bar label): its square
    brackets shown as they are (``cam[red]03`` is a name, not a colour) and its control
    characters escaped."""
    from rich.markup import escape

    return escape(shown(text))


def info(message: str) -> None:
    """A message for the user on stderr (not shown under -q)."""
    log.info(message, stacklevel=2)  # -v names the caller as the source, not this module


def warning(message: str) -> None:
    """A warning on stderr, prefixed ``warning:`` (not shown under -q)."""
    log.warning(message, stacklevel=2)


class _PlainHandler(logging.Handler):
    """The default level's rendering: the message alone, warnings prefixed, no source."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = shown(record.getMessage())
            prefix = "" if record.levelno < logging.WARNING else f"{record.levelname.lower()}: "
            style = "yellow" if record.levelno >= logging.WARNING else None
            stderr_console().print(prefix + message, style=style, markup=False, highlight=False, soft_wrap=True)
        except Exception:  # pragma: no cover - logging must never raise
            self.handleError(record)


def _handler(verbosity: int) -> logging.Handler:
    if verbosity >= VERBOSE:
        from rich.logging import RichHandler

        handler = RichHandler(console=stderr_console(), show_path=True, rich_tracebacks=False)
        handler.setLevel(logging.DEBUG)
        return handler
    handler = _PlainHandler()
    handler.setLevel(logging.ERROR if verbosity <= QUIET else logging.INFO)
    return handler


@contextlib.contextmanager
def session(verbosity: int) -> Iterator[None]:
    """Route the ``videosync`` loggers to stderr at ``verbosity`` while a command runs; restore
    the loggers afterwards (commands run one after another in one process in the tests)."""
    from rich.console import Console

    logger = logging.getLogger("videosync")
    saved = (dict(_state), logger.level, logger.propagate, list(logger.handlers))
    _state.update(level=verbosity, console=Console(stderr=True))
    handler = _handler(verbosity)
    logger.handlers = [handler]
    logger.setLevel(handler.level)
    logger.propagate = False  # one rendering: not again through the root logger's handlers
    try:
        yield
    finally:
        _state.update(saved[0])
        logger.setLevel(saved[1])
        logger.propagate, logger.handlers = saved[2], saved[3]

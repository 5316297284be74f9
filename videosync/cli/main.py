"""The ``videosync`` command: a click group whose subcommands live one per module.

Every subcommand is thin: parse options, call the library, render the result. A VideosyncError
becomes one line on stderr and a non-zero exit; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import click

from videosync import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="videosync")
def cli() -> None:
    """Synchronize videos of the same person from several unsynchronized cameras."""


def main() -> None:  # pragma: no cover - console entry point
    cli()

"""The ``videosync`` command: a click group whose subcommands live one per module.

Every subcommand is thin: parse options, call the library, render the result. The group turns a
:class:`~videosync.errors.VideosyncError` raised anywhere below into one line on stderr and the
error's exit code, so no subcommand repeats that handling; anything else is a bug and keeps its
traceback.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from videosync import __version__
from videosync.errors import VideosyncError


class VideosyncGroup(click.Group):
    """A click group that reports library errors as one line instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except VideosyncError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(exc.exit_code)


@click.group(cls=VideosyncGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="videosync")
def cli() -> None:
    """Synchronize videos of the same person from several unsynchronized cameras."""


# Subcommands, one module each (imported after the group so they can be registered on it).
from videosync.cli.align import align_command  # noqa: E402
from videosync.cli.evaluate import eval_command  # noqa: E402
from videosync.cli.poses import poses  # noqa: E402
from videosync.cli.synth import synth  # noqa: E402
from videosync.cli.train import train_command  # noqa: E402
from videosync.cli.trim import trim_command  # noqa: E402

for _command in (align_command, trim_command, poses, synth, train_command, eval_command):
    cli.add_command(_command)


def main() -> None:  # pragma: no cover - console entry point
    cli()

"""The click classes every ``videosync`` command is made of.

Each command (and the group) gets ``-h/--help``, ``-q/--quiet`` and ``-v/--verbose``, sets up its
output (:mod:`videosync.cli.output`) and turns what the library raises into the documented exit
codes (:data:`videosync.errors.EXIT_CODES`): a :class:`~videosync.errors.VideosyncError` is one
line on stderr and its ``exit_code``; Ctrl-C is one line, ``interrupted``, and 130. Anything else
is a bug and keeps its traceback. Commands do not repeat any of this.
"""

from __future__ import annotations

from typing import Any

import click

from videosync.cli import output
from videosync.cli.options import verbosity, verbosity_parameters
from videosync.errors import INTERRUPTED_EXIT_CODE, VideosyncError

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _invoke_reporting_errors(ctx: click.Context, invoke) -> Any:
    try:
        with output.session(verbosity(ctx)):
            return invoke(ctx)
    except VideosyncError as exc:
        click.echo(f"Error: {exc}", err=True)
        raise click.exceptions.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        raise click.exceptions.Exit(INTERRUPTED_EXIT_CODE) from None


class VideosyncCommand(click.Command):
    """A command with -q/-v, one-line errors and the documented exit codes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("context_settings", CONTEXT_SETTINGS)
        super().__init__(*args, **kwargs)
        self.params.extend(verbosity_parameters())

    def invoke(self, ctx: click.Context) -> Any:
        return _invoke_reporting_errors(ctx, super().invoke)


class VideosyncGroup(click.Group):
    """The group: its -q/-v apply to the command after it (whose own -q/-v win)."""

    command_class = VideosyncCommand

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("context_settings", CONTEXT_SETTINGS)
        super().__init__(*args, **kwargs)
        self.params.extend(verbosity_parameters())

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)  # in the order of a workflow (align first), not alphabetical

    def resolve_command(self, ctx: click.Context, args: list[str]):
        """A mistyped command name gets the nearest one suggested, as git does."""
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            import difflib

            near = difflib.get_close_matches(args[0], list(self.commands), n=1)
            if near:
                ctx.fail(f"No such command {args[0]!r}. Did you mean {near[0]!r}?")
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        return _invoke_reporting_errors(ctx, super().invoke)


def command(name: str, short_help: str, **kwargs: Any):
    """``@command("align", "one line for the group's list")``: a :class:`VideosyncCommand`."""
    return click.command(name, cls=VideosyncCommand, short_help=short_help, **kwargs)

"""The click classes every ``videosync`` command is made of.

Each command (and the group) gets ``-h/--help``, ``-q/--quiet`` and ``-v/--verbose``, sets up its
output (:mod:`videosync.cli.output`) and turns what the library raises into the documented exit
codes (:data:`videosync.errors.EXIT_CODES`): a :class:`~videosync.errors.VideosyncError` is one
line on stderr (control characters escaped) and its ``exit_code``; so is an OSError or a
MemoryError from anywhere (a disk that fills up mid-run), with exit code 1; Ctrl-C, at any time
from start-up on, is one line, ``interrupted``, and 130. Anything else is a bug and keeps its
traceback. Commands do not repeat any of this.
"""

from __future__ import annotations

import sys
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
        click.echo(f"Error: {output.shown(getattr(exc, 'cli_message', exc))}", err=True)
        raise click.exceptions.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        raise click.exceptions.Exit(interrupted()) from None
    except BrokenPipeError:
        raise  # stdout closed by the reader (| head): click's main ends quietly
    except OSError as exc:  # a disk that filled up, went read-only or away mid-run, wherever it struck
        where = f"{exc.filename}: " if exc.filename else ""
        click.echo(f"Error: {output.shown(where)}{exc.strerror or exc.__class__.__name__}", err=True)
        raise click.exceptions.Exit(VideosyncError.exit_code) from None
    except MemoryError:
        click.echo("Error: not enough memory; analyse a part with --start/--duration", err=True)
        raise click.exceptions.Exit(VideosyncError.exit_code) from None


def interrupted() -> int:
    """Say ``interrupted`` (one line) and return the exit status of Ctrl-C."""
    click.echo("interrupted", err=True)
    return INTERRUPTED_EXIT_CODE


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

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        """click's main, but Ctrl-C while the command line is parsed (a default read from the
        library imports it) is ``interrupted`` and 130 as later, not click's ``Aborted!`` and 1."""
        try:
            rv = super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.Abort as exc:
            if not isinstance(exc.__cause__, KeyboardInterrupt):
                raise
            rv = interrupted()
        except click.exceptions.ClickException as exc:
            if not standalone_mode:
                raise
            exc.show()
            rv = exc.exit_code
        if not standalone_mode:
            return rv
        sys.exit(rv if isinstance(rv, int) else 0)


def command(name: str, short_help: str, **kwargs: Any):
    """``@command("align", "one line for the group's list")``: a :class:`VideosyncCommand`."""
    return click.command(name, cls=VideosyncCommand, short_help=short_help, **kwargs)

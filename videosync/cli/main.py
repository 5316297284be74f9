"""The ``videosync`` command: a click group whose subcommands live one per module.

Every subcommand is thin: parse options, call the library, render the result. Error handling,
exit codes and -q/-v live in :mod:`videosync.cli.command`. The command modules import the
library's heavy parts (torch, OpenCV, MediaPipe, SciPy, matplotlib) only inside the commands, so
``videosync --help`` and a mistyped command answer at once.
"""

from __future__ import annotations

import sys

from videosync.errors import EXIT_CODES, INTERRUPTED_EXIT_CODE

try:  # the console script imports this module first: Ctrl-C now is the same one line as later
    import click

    from videosync import __version__
    from videosync.cli.align import align_command
    from videosync.cli.batch import batch_command
    from videosync.cli.command import VideosyncGroup
    from videosync.cli.evaluate import eval_command
    from videosync.cli.poses import poses
    from videosync.cli.synth import synth
    from videosync.cli.syncposes import sync_poses_command
    from videosync.cli.train import train_command
    from videosync.cli.trim import trim_command
except KeyboardInterrupt:  # pragma: no cover - timing; tests/hardening/test_terminal.py sends it
    sys.stderr.write("interrupted\n")
    raise SystemExit(INTERRUPTED_EXIT_CODE) from None


def _exit_codes_epilog() -> str:
    lines = [f"  {code:<4} {meaning}" for code, meaning in sorted(EXIT_CODES.items())]
    return "\b\nExit codes:\n" + "\n".join(lines)


@click.group(cls=VideosyncGroup, epilog=_exit_codes_epilog())
@click.version_option(__version__, "-V", "--version", prog_name="videosync")
def cli() -> None:
    """Synchronize videos of the same person filmed by several unsynchronized cameras, from the
    motion of the person alone (2D pose).

    \b
    Examples:
      videosync align cam01.mp4 cam03.mp4
      videosync align cam*.mp4 --json > offsets.json
      videosync trim cam01.mp4 cam03.mp4 -o synced/

    Run "videosync COMMAND --help" for a command's options.
    """


for _command in (align_command, trim_command, sync_poses_command, poses, synth, train_command, eval_command,
                 batch_command):
    cli.add_command(_command)


def main() -> None:  # pragma: no cover - console entry point
    cli()

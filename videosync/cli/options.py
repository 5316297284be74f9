"""Options shared by several commands, each declared once with one meaning.

* :func:`sync_options`: how offsets are estimated (align, trim, and batch later); their values
  reach the command under the names of :func:`videosync.align`'s parameters.
* ``--json`` / ``--json-out FILE`` (:func:`json_options`), ``--overwrite``, ``-q`` / ``-v``.

Choices of ``--method`` and ``--pose-backend`` are read from :mod:`videosync.registry` when they
are needed (parsing, ``--help``), so a method registered at run time is offered and accepted.
Nothing here imports the library's heavy parts: declaring the CLI must stay fast.
"""

from __future__ import annotations

import importlib
import json
import math
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import click

from videosync.cli import output
from videosync import tunables  # plain constants: cheap to import
from videosync.registry import METHODS, POSE_BACKENDS, Registry
from videosync.tunables import MAX_FPS, MAX_FRAME_NUMBER, MAX_IMAGE_SIDE, MIN_FPS


class LazyChoice(click.Choice):
    """Choices read each time they are needed (parsing, ``--help``), not when the CLI is defined:
    from a registry, where names may be added at run time, or from a heavy module."""

    def __init__(self, names: Callable[[], Any]) -> None:
        self.names = names
        super().__init__((), case_sensitive=True)

    @property
    def choices(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(self.names())

    @choices.setter
    def choices(self, _value: Any) -> None:  # click.Choice.__init__ assigns it
        pass


class LibraryDefault:
    """A default that the library defines (``"module:NAME"`` or ``"module:Class.field"``),
    looked up only when click needs it (parsing without the option, or ``--help``), so that
    declaring an option imports nothing heavy. ``convert`` turns the library's value into the
    option's (e.g. a tuple into ``"a,b"``)."""

    def __init__(self, target: str, convert: Callable[[Any], Any] = lambda v: v) -> None:
        self.target, self.convert = target, convert

    def __call__(self) -> Any:
        module, _, path = self.target.partition(":")
        value: Any = importlib.import_module(module)
        for name in path.split("."):
            value = getattr(value, name)
        return self.convert(value)

    def __str__(self) -> str:  # what ``--help`` shows as the default
        return str(self())


class FiniteRange(click.FloatRange):
    """click's FloatRange that also refuses nan and inf: nan passes every bound (it compares false),
    so ``--min-confidence nan`` would refuse nothing."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number


#: --fps of every command: the frame rates a pose input may have (videosync.tunables).
fps_type = FiniteRange(MIN_FPS, MAX_FPS)
#: --start: seconds within the longest input there can be (its last frame number at the top rate).
start_type = FiniteRange(0, MAX_FRAME_NUMBER / MAX_FPS)
#: --duration: likewise, and more than nothing.
duration_type = FiniteRange(0, MAX_FRAME_NUMBER / MAX_FPS, min_open=True)


def comma_list(values) -> str:
    """``(1, 2)`` -> ``"1,2"``: how list options are written on the command line."""
    return ",".join(str(v) for v in values)


def parse_size(text: str | None) -> tuple[float, float] | None:
    """``"1920x1080"`` -> (1920.0, 1080.0); None stays None; anything else is a usage error."""
    if text is None:
        return None
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*[xX]\s*(\d+(?:\.\d+)?)\s*", text)
    if not m or not all(0 < float(side) <= MAX_IMAGE_SIDE for side in m.groups()):
        raise click.BadParameter(f"expected WIDTHxHEIGHT in pixels (1-{MAX_IMAGE_SIDE:g} each), e.g. 1920x1080, "
                                 f"got {text!r}", param_hint="--size")
    return float(m.group(1)), float(m.group(2))


def _choices_help(registry: Registry) -> str:
    return "; ".join(f"{name}: {registry.describe(name)}" for name in registry.names())


class _RegistryOption(click.Option):
    """An option over a registry's names whose help lists each name with its description (read
    when the help is shown, so registered names appear with theirs)."""

    def __init__(self, *args: Any, registry: Registry, lead: str, **kwargs: Any) -> None:
        self.registry, self.lead = registry, lead
        super().__init__(*args, type=LazyChoice(registry.names), help=lead, **kwargs)

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        self.help = f"{self.lead} {_choices_help(self.registry)}."  # names registered by now
        return super().get_help_record(ctx)


def method_option(*names: str, **kwargs: Any):
    """``--method``: a synchronization method from :data:`videosync.registry.METHODS`."""
    kwargs.setdefault("default", METHODS.default)
    kwargs.setdefault("show_default", kwargs["default"] is not None)
    return click.option("--method", *names, cls=_RegistryOption, registry=METHODS,
                        lead=kwargs.pop("lead", "How offsets are estimated."), **kwargs)


def pose_backend_option():
    """``--pose-backend``: a pose estimator from :data:`videosync.registry.POSE_BACKENDS`."""
    return click.option("--pose-backend", cls=_RegistryOption, registry=POSE_BACKENDS, default=POSE_BACKENDS.default,
                        show_default=True, lead="Pose estimator for video inputs.")


model_option = click.option(
    "--model", type=click.Path(dir_okay=False),
    help="SeSyn-Net checkpoint for --method sesyn (default: $VIDEOSYNC_MODEL if set, else the shipped model).")

#: ``--person`` of the commands that synchronize: one definition, one meaning.
person_option = click.option(
    "--person", type=click.IntRange(min=0), default=None, metavar="RANK",
    help="0 = each input's main subject; 1 = the next most prominent person, ... "
         "Default: the main subject, or another person an input shows if that one "
         "matches the other inputs better (a warning says so).",
)

#: The options of :func:`videosync.align` that every synchronizing command offers, in the order
#: of its help. Each value reaches the command under the name of align()'s parameter.
_SYNC_OPTIONS = (
    method_option(),
    model_option,
    click.option("--max-offset", "max_offset_frames", type=click.IntRange(1, MAX_FRAME_NUMBER), metavar="FRAMES",
                 help="Largest offset to consider, in frames (with --duration it also limits how "
                      "much of the other inputs is analysed)."),
    click.option("--start", type=start_type, metavar="SECONDS",
                 help="Estimate the offsets from this time (seconds) of the first input on."),
    click.option("--duration", type=duration_type, metavar="SECONDS",
                 help="Estimate the offsets from only this many seconds of the first input (the "
                      "others: plus --max-offset on each side)."),
    click.option("--refine/--no-refine", default=True, show_default=True,
                 help="Refine the offset to the frame by two-view geometry (kept only when conclusive)."),
    click.option("--min-confidence", type=FiniteRange(0, 1), metavar="C",
                 help="Refuse (exit code 4, with the reason) an offset whose confidence, the probability "
                      "that it is within 1 frame of the truth, is below this; 0 reports every guess. "
                      f"[default: {tunables.DEFAULT_MIN_CONFIDENCE:g}; {tunables.UNCALIBRATED_MIN_CONFIDENCE:g} "
                      "for a method or model without a calibrator, whose confidences are its own scores]"),
    pose_backend_option(),
    person_option,
)


#: ``--full`` of the commands that estimate poses as they synchronize (align, trim); batch's pose
#: tasks estimate every frame already.
full_option = click.option(
    "--full", is_flag=True,
    help="Analyse every frame of every video. Default: a video longer than "
         f"{tunables.FULL_RATE_SECONDS:g} s is analysed from a stretch where it moves most, on every k-th "
         "frame, and further only while the answer is not trusted.")


def sync_options(command: Callable) -> Callable:
    """Add the synchronization options to ``command``; it takes them as ``**sync`` and passes
    them on to :func:`videosync.align` as they are."""
    for option in reversed(_SYNC_OPTIONS):
        command = option(command)
    return command


overwrite_option = click.option(
    "--overwrite", is_flag=True, help="Replace output files that already exist (default: refuse and name them).")


def json_options(command: Callable) -> Callable:
    """``--json`` (the result as one JSON document on stdout, instead of the table) and
    ``--json-out FILE`` (the same document written to FILE)."""
    command = click.option("--json-out", "json_out", type=click.Path(dir_okay=False, path_type=Path),
                           help="Write the result as one JSON document to this file.")(command)
    return click.option("--json", "as_json", is_flag=True,
                        help="Print the result as one JSON document on stdout, instead of the table.")(command)


def check_outputs(*paths: str | Path | None, inputs: Iterable[str | Path | None] = (), overwrite: bool = False,
                  creates_folder: str | Path | None = None) -> None:
    """Refuse, before any work, output files (None: not asked for) that would replace an input or
    an existing file (without ``--overwrite``), or land in a missing folder; see
    :func:`videosync.fileio.check_output`."""
    from videosync.fileio import check_outputs as check

    check(paths, inputs=[p for p in inputs if p is not None], overwrite=overwrite, creates_folder=creates_folder)


def emit_json(document: Any, as_json: bool, json_out: Path | None) -> None:
    """Print ``document`` on stdout (``--json``) and/or write it atomically (``--json-out``)."""
    from videosync.fileio import write_text

    text = json.dumps(document, indent=2)
    if json_out is not None:
        write_text(json_out, text + "\n")
        output.info(f"wrote {json_out}")
    if as_json:
        click.echo(text)


def _verbosity_callback(level: int) -> Callable:
    def callback(ctx: click.Context, param: click.Parameter, value: bool) -> None:
        if not value:
            return
        before = ctx.meta.get(VERBOSITY_KEY)
        if before is not None and before[1] is ctx and before[0] != level:
            raise click.UsageError("-q/--quiet and -v/--verbose exclude each other", ctx)
        ctx.meta[VERBOSITY_KEY] = (level, ctx)  # a command's own flag wins over the group's

    return callback


VERBOSITY_KEY = "videosync.verbosity"


def verbosity_parameters() -> list[click.Option]:
    """``-q/--quiet`` and ``-v/--verbose``, for the group and every command."""
    return [
        click.Option(["-q", "--quiet"], is_flag=True, expose_value=False, callback=_verbosity_callback(output.QUIET),
                     help="Print only results (stdout) and errors (stderr): no messages, warnings or progress."),
        click.Option(["-v", "--verbose"], is_flag=True, expose_value=False, callback=_verbosity_callback(output.VERBOSE),
                     help="Print debug logs on stderr, with their time and source line."),
    ]


def verbosity(ctx: click.Context) -> int:
    """The level the command line asked for (NORMAL if neither -q nor -v)."""
    return ctx.meta.get(VERBOSITY_KEY, (output.NORMAL, None))[0]

"""Parsing helpers shared by several commands."""

from __future__ import annotations

import re

import click


def parse_size(text: str | None) -> tuple[float, float] | None:
    """``"1920x1080"`` -> (1920.0, 1080.0); None stays None; anything else is a usage error."""
    if text is None:
        return None
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*[xX]\s*(\d+(?:\.\d+)?)\s*", text)
    if not m or float(m.group(1)) <= 0 or float(m.group(2)) <= 0:
        raise click.BadParameter(f"expected WIDTHxHEIGHT in pixels, e.g. 1920x1080, got {text!r}", param_hint="--size")
    return float(m.group(1)), float(m.group(2))


#: ``--person`` of the commands that synchronize (align, trim): one definition, one meaning.
person_option = click.option(
    "--person", type=click.IntRange(min=0), default=None,
    help="0 = each input's main subject; 1 = the next most prominent person, ... "
         "Default: the main subject, or another person an input shows if that one "
         "matches the other inputs better (a warning says so).",
)

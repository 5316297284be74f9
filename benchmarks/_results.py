"""Each benchmark script writes its own section of ``docs/results.md``.

A section sits between ``<!-- begin NAME -->`` and ``<!-- end NAME -->`` markers, so a script
replaces only its own figures and the others stay as their last run left them. The section
states the command, the date and the machine it was measured on, so every figure in the
results document says where it came from. The file is replaced atomically (temporary name, then
rename), so a killed benchmark never leaves half a document.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "docs" / "results.md"

HEADER = """# Results

Every figure below is written by the benchmark script named in its section (`python
benchmarks/<script>.py`); re-running a script replaces its own section and nothing else. Each
section states its command, the date, the machine and its load (wall times on a busy shared machine
are not comparable with those measured alone). A section marked **last measured ..., not re-run
since** carries the figures of an earlier document; its command regenerates it. Design decisions
and the experiments behind them are in `docs/design/`.
"""


def machine() -> str:
    """One line naming the machine the figures were measured on, and how busy it was.

    The load average is the share of wall times that other processes took: on a shared machine a
    wall time measured at load 5 on 2 cores is not comparable with one measured alone.
    """
    load = f", load average {os.getloadavg()[0]:.1f} when written" if hasattr(os, "getloadavg") else ""
    return f"{platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}{load}"


def write_section(name: str, title: str, body: str, *, command: str | None = None,
                  measured: str | None = None, path: Path = RESULTS) -> Path:
    """Replace (or append) the section ``name`` of the results document with ``body`` (Markdown).

    Args:
        name: a stable key, usually the script's stem (``bench_drift``).
        title: the section heading.
        body: Markdown text of the figures (tables, a few sentences).
        command: how the figures were made; default the script's own command line.
        measured: for figures carried over from an earlier document instead of measured now:
            where and when they were measured (replaces today's date and this machine, so a
            carried-over figure is never presented as fresh). Running the script replaces it.
    """
    command = command or "python " + " ".join([_relative(sys.argv[0]), *sys.argv[1:]])
    stamp = (f"**last measured {measured}, not re-run since**" if measured
             else f"{_dt.date.today().isoformat()}, {machine()}")
    section = (f"<!-- begin {name} -->\n## {title}\n\n`{command}`, {stamp}.\n\n"
               f"{body.strip()}\n<!-- end {name} -->")
    text = path.read_text() if path.exists() else HEADER
    pattern = re.compile(rf"<!-- begin {re.escape(name)} -->.*?<!-- end {re.escape(name)} -->", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section, text)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
    return path


def markdown_table(header: list[str], rows: list[list[object]]) -> str:
    """A Markdown table from a header and rows (cells formatted with ``str``)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _relative(script: str) -> str:
    try:
        return str(Path(script).resolve().relative_to(REPO))
    except ValueError:
        return script

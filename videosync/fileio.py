"""Atomic file writes: every output appears whole under its final name, or not at all.

A crash, Ctrl-C or full disk while writing leaves at most a hidden temporary file that is removed
on the way out, never a truncated pose file, checkpoint or video that a later run would trust.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path: str | Path, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it to ``path``, else delete it.

    The temporary file is created empty with the permissions any new file gets (0666 less the
    umask; ``tempfile.mkstemp`` would make it private, 0600). ``suffix`` is appended to its name
    for writers that choose a format by extension.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp{suffix}"
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            break
        except FileExistsError:  # pragma: no cover - 32 random bits collided
            continue
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)

"""Every output file goes through here: checked before the work, written whole or not at all.

One helper for every writer (pose files, the plot, JSON documents, checkpoints, the training
state, synth's dataset, trim's copies, batch's tables):

* :func:`check_output` refuses, before any expensive work, an output that is one of the inputs
  (after resolving links; for a folder input, anything inside it), a folder, a file in a folder
  that does not exist, or an existing file without ``overwrite``.
* :func:`atomic_path` writes to a hidden temporary name beside the output and renames it only when
  complete: a crash, Ctrl-C, kill -9 or a full disk leaves at most a hidden temporary file, never
  a truncated file under the final name. Every OS failure while writing becomes one
  :class:`~videosync.errors.OutputError` line naming the output.
* A temporary file is locked (``flock``) while its writer lives, so the next write of the same
  output removes the ones a killed run left (:func:`remove_stale_temps`) and never a live one.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import secrets
import shutil
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from videosync.errors import OutputError, OutputExistsError
from videosync.tunables import STALE_AFTER_SECONDS, STALE_UNLOCKED_SECONDS

try:  # POSIX; elsewhere stale temporary files are recognised by their age alone
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)


def same_file(a: str | Path, b: str | Path) -> bool:
    """True when ``a`` and ``b`` name one file: the same path after resolving links, or a hard link."""
    a, b = Path(a), Path(b)
    if a.resolve() == b.resolve():
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_output(
    path: str | Path, *, inputs: Iterable[str | Path] = (), overwrite: bool = False,
    creates_folder: str | Path | None = None,
) -> Path:
    """Refuse ``path`` as an output, before any work, when writing it would lose something or fail.

    Refused: one of ``inputs`` (the same file after resolving links, or anything inside an input
    folder), a folder, a file whose folder does not exist (unless it is ``creates_folder``, which
    the command makes itself), an existing file without ``overwrite``.
    """
    path = Path(path)
    for item in inputs:
        item = Path(item)
        if same_file(path, item) or _inside(path, item):
            which = "" if path == item else f" ({item})"
            raise OutputError(f"this output would be written over that input{which}; choose another", path)
    if path.is_dir():
        raise OutputError("a folder is in the way of this output file", path)
    parent = path.parent
    if not parent.is_dir() and not (creates_folder is not None and parent.resolve() == Path(creates_folder).resolve()):
        raise OutputError(f"the folder {parent} does not exist", path)
    if (path.exists() or path.is_symlink()) and not overwrite:
        raise OutputExistsError(path)
    return path


def check_folder_output(folder: str | Path, *, inputs: Iterable[str | Path] = ()) -> Path:
    """Refuse an output folder that is a file, or that is or holds one of ``inputs`` (a dataset
    folder may be replaced whole)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError("not a folder: an output folder is needed here", folder)
    for item in map(Path, inputs):
        if same_file(folder, item) or _inside(item, folder):
            raise OutputError(f"this output folder holds the input {item}; choose another", folder)
    return folder


def _inside(path: Path, folder: Path) -> bool:
    return folder.is_dir() and path.resolve().is_relative_to(folder.resolve())


def check_outputs(paths: Iterable[str | Path | None], **kwargs) -> None:
    """:func:`check_output` for each path given (None: not asked for), and no two the same file."""
    given = [Path(p) for p in paths if p is not None]
    for i, path in enumerate(given):
        if any(same_file(path, other) for other in given[:i]):
            raise OutputError("named twice as an output of this command", path)
        check_output(path, **kwargs)


def _temp_pattern(path: Path) -> re.Pattern:
    """Names of this output's temporary files: ours, and the ``.part.mp4`` of older trims."""
    name, stem = re.escape(path.name), re.escape(path.stem)
    return re.compile(rf"^(\.{name}\.[0-9a-f]{{8}}\.tmp.*|\.{stem}\.[0-9a-f]{{8}}\.part\.mp4)$")


def remove_stale_temps(path: str | Path) -> list[Path]:
    """Delete the temporary files of ``path`` that no live writer holds (a killed run's); return them."""
    path = Path(path)
    pattern, removed = _temp_pattern(path), []
    try:
        names = [n for n in os.listdir(path.parent) if pattern.match(n)]
    except OSError:
        return removed
    for name in names:
        candidate = path.parent / name
        try:
            if time.time() - candidate.stat().st_mtime < STALE_AFTER_SECONDS:
                continue
            if candidate.is_dir():  # a temporary folder: its lock is the file beside it
                lock = candidate.with_name(candidate.name + ".lock")
                if lock.exists() and not _unheld(lock):
                    continue
                shutil.rmtree(candidate)
            elif _unheld(candidate):
                candidate.unlink()
            else:
                continue
        except OSError:
            continue
        removed.append(candidate)
        log.info("removed %s, left by an interrupted run", candidate)
    return removed


def _unheld(candidate: Path) -> bool:
    if fcntl is None:  # pragma: no cover - Windows
        return time.time() - candidate.stat().st_mtime > STALE_UNLOCKED_SECONDS
    fd = os.open(candidate, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)  # releases the lock taken, if any


@contextlib.contextmanager
def temporary_beside(path: str | Path, suffix: str = "") -> Iterator[Path]:
    """A new, empty, locked hidden file beside ``path`` (``suffix`` appended, for writers that choose
    a format by extension), removed on the way out unless renamed meanwhile. Stale temporary files
    of ``path`` are removed first. Permissions: those of any new file (0666 less the umask;
    ``tempfile.mkstemp`` would make it private, 0600)."""
    path = Path(path)
    remove_stale_temps(path)
    while True:
        tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp{suffix}"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            break
        except FileExistsError:  # pragma: no cover - 32 random bits collided
            continue
        except OSError as exc:
            raise OutputError(f"cannot write in {path.parent} ({_reason(exc)})", path) from None
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield tmp
    finally:
        os.close(fd)
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def temporary_folder_beside(path: str | Path) -> Iterator[Path]:
    """A new hidden folder beside ``path``, held by a locked file beside it (so that, like
    :func:`temporary_beside`'s files, a killed run's is removed by the next), removed with its
    content on the way out unless renamed meanwhile."""
    path = Path(path)
    with temporary_beside(path, ".d.lock") as lock:
        folder = lock.with_suffix("")  # .NAME.XXXXXXXX.tmp.d beside its lock
        try:
            folder.mkdir()
        except OSError as exc:
            raise OutputError(f"cannot write in {path.parent} ({_reason(exc)})", path) from None
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def reported_as(path: str | Path) -> Iterator[None]:
    """An OutputError raised inside about another file (a temporary one, a file inside a temporary
    folder) names ``path`` instead: the output the user asked for, not a hidden name."""
    try:
        yield
    except OutputError as exc:
        if exc.path is None or exc.path == str(path):
            raise
        raise OutputError(str(exc)[len(exc.path) + 2:], path) from None


def _reason(exc: OSError) -> str:
    return exc.strerror or exc.__class__.__name__


@contextlib.contextmanager
def atomic_path(path: str | Path, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it to ``path``, else delete it.

    The folder of ``path`` is created if missing (library callers such as the pose cache rely on
    it; the CLI refuses a missing folder first, :func:`check_output`). An OSError while writing or
    renaming is one OutputError naming ``path``.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with temporary_beside(path, suffix) as tmp:
            yield tmp
            os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"cannot write ({_reason(exc)})", path) from None


def write_bytes(path: str | Path, data: bytes | io.BytesIO, suffix: str = "") -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_path`), synced to the disk.

    Writers whose library fails in odd ways on a full disk (numpy's zip writer, torch.save,
    matplotlib's PNG writer) serialise into memory first and write the bytes here, so a full or
    read-only disk is one OSError, hence one OutputError line."""
    raw = data.getvalue() if isinstance(data, io.BytesIO) else data
    with atomic_path(path, suffix) as tmp, open(tmp, "wb") as fh:
        fh.write(raw)
        fh.flush()
        os.fsync(fh.fileno())
    return Path(path)


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return write_bytes(path, text.encode("utf-8"))

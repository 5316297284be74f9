"""Issue 23, I/O failures: a full or read-only disk while writing any output is one line naming
the output, exit status 1, and nothing under the final name (no 0-byte train_config.json).

The full disk is a per-process file-size limit (RLIMIT_FSIZE: writes past it fail with EFBIG, as
on a full disk with ENOSPC), so those cases run in a process of their own and are marked slow;
the quick tests below make the write fail inside this process instead. The read-only target is a
path under /sys, which refuses new files even to root (chmod would not stop root)."""

import errno

import pytest

from tests.hardening.cases import UNWRITABLE, check, params
from videosync.errors import OutputError
from videosync.fileio import write_bytes, write_text


@pytest.mark.parametrize("case", params("io"))
def test_hostile_io(case, tmp_path):
    if case.fsize is None and not UNWRITABLE.parent.is_dir():
        pytest.skip("no /sys here: no target that refuses even root")
    check(case, tmp_path / "case")


@pytest.mark.parametrize("failing", ["write", "fsync", "replace"])
def test_a_disk_that_fills_up_is_one_output_error(tmp_path, monkeypatch, failing):
    import builtins
    import os

    import videosync.fileio as fileio

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    if failing == "write":
        real_open = builtins.open

        def open_full(path, mode="r", *args, **kwargs):
            fh = real_open(path, mode, *args, **kwargs)
            if "w" in mode:
                fh.write = full
            return fh

        monkeypatch.setattr(builtins, "open", open_full)
    else:
        monkeypatch.setattr(fileio.os, failing, full)
    out = tmp_path / "plot.png"
    with pytest.raises(OutputError) as exc:
        write_bytes(out, b"\x89PNG" * 1000)
    monkeypatch.undo()
    assert str(exc.value) == f"{out}: cannot write (No space left on device)"
    assert list(tmp_path.iterdir()) == [] and os.listdir(tmp_path) == []


def test_a_read_only_folder_is_one_output_error(tmp_path, monkeypatch):
    import videosync.fileio as fileio

    real = fileio.os.open

    def read_only(path, flags, *args):
        if flags & fileio.os.O_CREAT:
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real(path, flags, *args)

    monkeypatch.setattr(fileio.os, "open", read_only)
    with pytest.raises(OutputError, match=r"r\.json: cannot write in .* \(Read-only file system\)"):
        write_text(tmp_path / "r.json", "{}")

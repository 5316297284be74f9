"""Issue 23, outputs: no output replaces an input (after resolving links) or an existing file
without --overwrite, each is checked before the work, written whole under its final name or not
at all, and a killed run's temporary files are removed by the next run of the same output."""

import fcntl
import os
import time

import pytest

from tests.hardening.cases import check, params
from videosync.errors import OutputError, OutputExistsError
from videosync.fileio import atomic_path, check_output, remove_stale_temps, temporary_beside, write_text


@pytest.mark.parametrize("case", params("outputs"))
def test_hostile_output(case, tmp_path):
    check(case, tmp_path / "case")


def test_check_output_rules(tmp_path):
    src = tmp_path / "in.npz"
    src.write_bytes(b"input")
    (tmp_path / "link").symlink_to(src)
    os.link(src, tmp_path / "hard")
    for path in (src, tmp_path / "link", tmp_path / "hard"):
        with pytest.raises(OutputError, match="written over that input"):
            check_output(path, inputs=[src], overwrite=True)
    with pytest.raises(OutputError, match="written over that input"):  # anything inside an input folder
        check_output(tmp_path / "data" / "new.json", inputs=[tmp_path], overwrite=True)
    with pytest.raises(OutputExistsError) as exc:
        check_output(src)
    assert exc.value.cli_message.endswith("(add --overwrite to replace it)")
    with pytest.raises(OutputError, match="does not exist"):
        check_output(tmp_path / "missing" / "x.png")
    assert check_output(tmp_path / "made" / "x.png", creates_folder=tmp_path / "made") == tmp_path / "made" / "x.png"


def test_a_failed_write_leaves_neither_a_file_nor_a_temporary_one(tmp_path):
    out = tmp_path / "r.json"
    with pytest.raises(RuntimeError), atomic_path(out) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []
    write_text(out, "whole")
    assert out.read_text() == "whole" and list(tmp_path.iterdir()) == [out]


def test_stale_temporaries_are_removed_but_never_a_live_or_young_one(tmp_path):
    out = tmp_path / "p.png"
    stale = tmp_path / ".p.png.0123abcd.tmp.png"
    old_trim = tmp_path / ".p.89abcdef.part.mp4"  # the name trim gave its temporary copies before
    other = tmp_path / ".q.png.0123abcd.tmp.png"  # another output's: not ours to judge
    young = tmp_path / ".p.png.fedcba98.tmp.png"
    with temporary_beside(out) as live:  # held by a writer that is still running
        for path in (stale, old_trim, other, young, live):
            path.write_bytes(b"x")
            if path is not young:
                os.utime(path, (time.time() - 3600,) * 2)
        assert sorted(remove_stale_temps(out)) == sorted([stale, old_trim])
        assert live.exists() and young.exists() and other.exists()
    assert not live.exists()


def test_a_lock_held_by_another_process_protects_its_file(tmp_path):
    """flock locks belong to the open file: a second process's lock keeps the file."""
    out = tmp_path / "o.json"
    held = tmp_path / ".o.json.00000000.tmp"
    held.write_bytes(b"x")
    os.utime(held, (time.time() - 3600,) * 2)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the other writer: lock, say so, wait to be told to go
        fd = os.open(held, os.O_RDONLY)
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(write, b"1")
        time.sleep(30)
        os._exit(0)
    try:
        os.read(read, 1)
        assert remove_stale_temps(out) == [] and held.exists()
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    assert remove_stale_temps(out) == [held] and not held.exists()


def test_a_writer_killed_with_sigkill_leaves_nothing_under_the_final_name(tmp_path):
    """kill -9 runs no clean-up: what the killed writer leaves is hidden, and the next write of the
    same output removes it (its lock died with the process)."""
    from videosync.fileio import temporary_folder_beside

    out = tmp_path / "ds"
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # a synth half-way through its dataset
        with temporary_beside(tmp_path / "r.json") as tmp, temporary_folder_beside(out) as folder:
            tmp.write_text("{half")
            (folder / "view0.npz").write_bytes(b"half")
            os.write(ready_w, b"1")
            time.sleep(30)
        os._exit(0)
    os.read(ready_r, 1)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left and all(name.startswith(".") for name in left)  # nothing under a final name
    for path in tmp_path.iterdir():
        os.utime(path, (time.time() - 3600,) * 2)
    write_text(tmp_path / "r.json", "{}")  # the next writes of the same outputs
    with temporary_folder_beside(out):
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]

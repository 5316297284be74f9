import pytest

from videosync.fileio import atomic_path


def test_atomic_path_renames_on_success(tmp_path):
    target = tmp_path / "sub" / "out.txt"
    with atomic_path(target) as tmp:
        assert tmp.parent == target.parent and tmp != target
        tmp.write_text("done")
        assert not target.exists()
    assert target.read_text() == "done"
    assert [p.name for p in target.parent.iterdir()] == ["out.txt"]


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_atomic_outputs_get_normal_permissions(tmp_path):
    import os

    umask = os.umask(0)
    os.umask(umask)
    target = tmp_path / "out.bin"
    with atomic_path(target) as tmp:
        tmp.write_bytes(b"x")
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask

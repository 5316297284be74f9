"""Issue 23, security and terminal output: no file is ever unpickled beyond tensors and plain
values, no advice to load one unsafely is passed on, a cached weights file must be the official
one, file names are shown as they are (no rich markup, control characters escaped), Ctrl-C at any
time is one line and exit 130, and a killed run's temporary files are removed by the next."""

import pytest

from tests.hardening import hostile as H
from tests.hardening.cases import check, params
from videosync.errors import ModelError


@pytest.mark.parametrize("case", params("terminal"))
def test_hostile_terminal(case, tmp_path):
    check(case, tmp_path / "case")


def test_a_pose_checkpoint_never_runs_code(tmp_path):
    from videosync.estimate.mmpose_backend import read_pose_weights

    marker = tmp_path / "PWNED"
    for path in (H.code_checkpoint(tmp_path / "a.pth", marker), H.code_pickle(tmp_path / "b.pth", marker)):
        with pytest.raises(ModelError) as exc:
            read_pose_weights(path)
        assert "weights_only" not in str(exc.value) and not marker.exists()


def test_a_pose_checkpoint_with_meta_objects_is_read_without_building_them(tmp_path):
    """Release checkpoints keep numpy and mmengine objects in their meta: read as inert stand-ins."""
    import torch

    from videosync.estimate.mmpose_backend import read_pose_weights

    class Hub:  # stands for an mmengine class the file names
        def __init__(self, note):
            self.note = note

    Hub.__module__, Hub.__qualname__ = "tests.hardening.test_terminal", "Hub"
    globals()["Hub"] = Hub
    torch.save({"state_dict": {"w": torch.ones(2)}, "meta": Hub("x")}, tmp_path / "w.pth")
    del globals()["Hub"]
    ckpt = read_pose_weights(tmp_path / "w.pth")
    assert torch.equal(ckpt["state_dict"]["w"], torch.ones(2)) and not hasattr(ckpt["meta"], "note")


def test_a_cached_weights_file_must_carry_the_official_hash(tmp_path):
    from videosync.estimate.mmpose_backend import check_official

    path = H.junk(tmp_path / "hrnet_w32_coco_256x192-c78dce93_20200708.pth", b"replaced")
    with pytest.raises(ModelError, match="its sha256 begins .* the official file's c78dce93"):
        check_official(path, url="https://example.org/hrnet_w32_coco_256x192-c78dce93_20200708.pth")


def test_shown_escapes_control_characters_and_plain_escapes_markup():
    from videosync.cli.output import plain, shown

    assert shown("a\nb\x1b[2J\u202ec") == "a\\nb\\x1b[2J\\u202ec"
    assert plain("cam[red]03") == "cam\\[red]03"

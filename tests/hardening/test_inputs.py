"""Issue 23, inputs: every value of a pose file, OpenPose folder, manifest, model or training
state is checked before it is used; a bad one is one line naming the file (exit 5 for an
unreadable input, 3 for a model, 1 for a training state, 2 for a bad option), never a crash, an
allocation of terabytes or a confident answer. No answer lies outside --max-offset."""

import shutil

import numpy as np
import pytest

from tests.estimate._helpers import write_video
from tests.estimate.test_api import fake  # noqa: F401 - the fake pose backend fixture
from tests.hardening.cases import check, params
from tests.sync.synth import sampled_track
from videosync.errors import PoseFileError
from videosync.estimate import estimate_poses


@pytest.mark.parametrize("case", params("inputs"))
def test_hostile_input(case, tmp_path):
    check(case, tmp_path / "case")


def test_a_track_too_long_for_the_memory_is_refused_before_synchronizing(monkeypatch):
    """2 million frames needed 16 GiB: the need is estimated first (64 KiB per frame) and refused
    beyond the machine's share; here the machine is made to have 1 MiB to give."""
    import videosync
    from videosync.poses import limits

    monkeypatch.setattr(limits, "memory_budget", lambda: 1 << 20)
    track = sampled_track(17, 30.0)  # 17 x 64 KiB > 1 MiB
    with pytest.raises(PoseFileError, match="17 frames would need about 0.0 GiB .* --start/--duration"):
        videosync.load_input(track)
    assert len(videosync.load_input(sampled_track(16, 30.0))) == 16


def test_an_empty_cache_entry_is_estimated_again_and_replaced(fake, tmp_path):  # noqa: F811
    path = write_video(tmp_path / "v.avi", 10)
    first = estimate_poses(path)
    (entry,) = (tmp_path / "cache" / "poses").glob("*.npz")
    entry.write_bytes(b"")
    again = estimate_poses(path)
    assert fake.calls == 2 and np.array_equal(again.keypoints, first.keypoints)
    assert entry.stat().st_size > 0 and estimate_poses(path) is not None and fake.calls == 2


def test_another_videos_poses_under_a_videos_cache_key_are_not_trusted(fake, tmp_path):  # noqa: F811
    v, w = write_video(tmp_path / "v.avi", 10), write_video(tmp_path / "w.avi", 14)
    first = estimate_poses(v)
    (entry,) = (tmp_path / "cache" / "poses").glob("*.npz")
    kept = tmp_path / "v-entry.npz"
    shutil.copy(entry, kept)
    estimate_poses(w)
    (other,) = set((tmp_path / "cache" / "poses").glob("*.npz")) - {entry}
    shutil.copy(other, entry)  # w's poses now sit under v's key
    again = estimate_poses(v)
    assert fake.calls == 3 and np.array_equal(again.keypoints, first.keypoints)
    assert entry.read_bytes() != other.read_bytes()  # replaced by v's own poses

"""The MMPose HRNet backend: the real model from the real config (random weights), real frames.

Needs the [mmpose] extra (scripts/install-mmpose.sh); skipped without it.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("mmpose")

from videosync.errors import ModelError  # noqa: E402
from videosync.estimate.mmpose_backend import MMPoseBackend, _load_weights  # noqa: E402
from videosync.video.probe import probe_video  # noqa: E402
from videosync.video.reader import read_frames  # noqa: E402


@pytest.fixture(scope="module")
def backend():
    import torch

    torch.manual_seed(0)  # random weights: make them the same every run, so the test is repeatable
    return MMPoseBackend(random_weights=True, flip_test=False, min_mean_score=0.0, device="cpu")


def test_stand_ins_import_but_refuse_use(backend):
    from mmcv.ops import MultiScaleDeformableAttention

    if "mmcv.ops" in backend.stand_ins:
        with pytest.raises(ImportError, match="not available"):
            MultiScaleDeformableAttention()


def test_hrnet_on_a_real_frame_gives_keypoints_inside_the_box(backend, demo_dir):
    path = demo_dir / "single-person" / "videos" / "cam01.mp4"
    (frame,) = list(read_frames(path, 30, 31))
    box = np.array([150, 400, 760, 1180], dtype=np.float32)
    kp = backend.predict_boxes([(frame.image, box), (frame.image, box + [100, 0, 100, 0])])
    assert kp.shape == (2, 17, 3) and kp.dtype == np.float32
    assert ((kp[..., 2] >= 0) & (kp[..., 2] <= 1)).all()
    # heatmap argmaxes map back into the (aspect-corrected, 1.25x padded) box, not elsewhere
    w, h = box[2] - box[0], box[3] - box[1]
    assert (kp[0, :, 0] > box[0] - w).all() and (kp[0, :, 0] < box[2] + w).all()
    assert (kp[0, :, 1] > box[1] - 0.2 * h).all() and (kp[0, :, 1] < box[3] + 0.2 * h).all()
    # the second box is the first moved 100 px right: a fixed image shift moves every output
    assert not np.allclose(kp[0], kp[1])


def test_estimate_yields_one_entry_per_frame_with_people_from_mediapipe_boxes(backend, demo_dir):
    path = demo_dir / "single-person" / "videos" / "cam01.mp4"
    out = list(backend.estimate(read_frames(path, 10, 13), probe_video(path)))
    assert [i for i, _ in out] == [10, 11, 12]
    for _, people in out:
        assert people.shape == (1, 17, 3)
        seen = people[0, people[0, :, 2] > 0]  # joints placed outside the image get score 0
        assert (seen[:, 0] >= 0).all() and (seen[:, 0] < 1080).all()
        assert (seen[:, 1] >= 0).all() and (seen[:, 1] < 1920).all()
        # the boxes come from MediaPipe on the participant: HRNet's points lie around him
        assert 100 < np.median(people[0, :, 0]) < 900 and 300 < np.median(people[0, :, 1]) < 1300


def test_weights_round_trip_and_wrong_checkpoints(backend, tmp_path):
    import torch

    model = backend.model_obj
    bare = tmp_path / "bare.pth"
    torch.save(model.state_dict(), bare)
    release = tmp_path / "release.pth"  # like MMPose's: numpy in meta needs a full unpickle
    torch.save({"state_dict": model.state_dict(), "meta": {"x": np.arange(3)}}, release)
    other = MMPoseBackend(random_weights=True, flip_test=False, device="cpu").model_obj
    for ckpt in (bare, release):
        _load_weights(other, ckpt)
        a, b = model.state_dict(), other.state_dict()
        assert all(torch.equal(a[k], b[k]) for k in a)
    wrong = tmp_path / "wrong.pth"
    torch.save({"state_dict": {"foo.weight": torch.zeros(2)}}, wrong)
    with pytest.raises(ModelError, match="not an HRNet-w32 COCO checkpoint"):
        _load_weights(other, wrong)
    garbage = tmp_path / "garbage.pth"
    garbage.write_bytes(b"not a checkpoint")
    with pytest.raises(ModelError, match="unreadable pose checkpoint"):
        _load_weights(other, garbage)
    named = MMPoseBackend(bare, flip_test=False, device="cpu")
    assert named.model.startswith("hrnet-w32-coco-256x192@") and named.describe()["checkpoint"] == str(bare)


def test_missing_checkpoint_path():
    with pytest.raises(ModelError, match="no such pose checkpoint"):
        MMPoseBackend("/nonexistent/hrnet.pth")

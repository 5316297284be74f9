import numpy as np
import pytest

from videosync.errors import PoseFileError
from videosync.poses import PoseTrack, load_npz, save_npz
from tests.conftest import make_track


def test_normalized_matches_hand_computed_values():
    kp = np.zeros((1, 17, 3), dtype=np.float32)
    kp[0, 0] = (320, 120, 0.9)   # centre column, a quarter down
    kp[0, 1] = (64, 480, 1.0)    # x = 0.1 w, bottom edge
    kp[0, 2] = (100, 100, 0.0)   # missing joint: must come out as zeros
    t = PoseTrack(kp, fps=30, width=640, height=480)
    n = t.normalized()
    np.testing.assert_allclose(n[0, 0], [0.0, -0.25, 0.9], atol=1e-6)
    np.testing.assert_allclose(n[0, 1], [-0.4, 0.5, 1.0], atol=1e-6)
    np.testing.assert_array_equal(n[0, 2], [0, 0, 0])
    np.testing.assert_array_equal(n[0, 3], [0, 0, 0])


def test_missing_joints_have_zero_coordinates_and_scores_clipped():
    kp = np.ones((2, 17, 3), dtype=np.float32) * 5
    kp[0, 3, 2] = 0
    kp[1, 4, 2] = -1
    t = PoseTrack(kp, fps=25, width=10, height=10)
    assert t.keypoints[0, 3].tolist() == [0, 0, 0]
    assert t.keypoints[1, 4].tolist() == [0, 0, 0]
    assert t.keypoints[0, 0, 2] == 1.0  # score 5 clipped to 1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(keypoints=np.zeros((3, 18, 3))), "shape"),
        (dict(fps=0), "fps"),
        (dict(width=0), "size"),
        (dict(frame_index=[0, 2, 1]), "increasing"),
        (dict(frame_index=[0, 1]), "frame indices"),
        (dict(keypoints=np.full((3, 17, 3), np.nan)), "NaN"),
    ],
)
def test_invalid_tracks_are_rejected(kwargs, message):
    args = dict(keypoints=np.zeros((3, 17, 3)), fps=30, width=100, height=100)
    args.update(kwargs)
    with pytest.raises(PoseFileError, match=message):
        PoseTrack(**args)


def test_dense_fills_dropped_frames_with_missing_rows():
    t = make_track(5).select(np.array([0, 1, 3, 4]))
    assert t.frame_index.tolist() == [0, 1, 3, 4]
    d = t.dense()
    assert d.frame_index.tolist() == [0, 1, 2, 3, 4]
    assert d.valid_frames.tolist() == [True, True, False, True, True]
    np.testing.assert_array_equal(d.keypoints[3], t.keypoints[2])


def test_shifted_cuts_source_frames_and_renumbers():
    t = make_track(10)
    s = t.shifted(3)
    assert len(s) == 7 and s.frame_index[0] == 0
    np.testing.assert_array_equal(s.keypoints[0], t.keypoints[3])


def test_npz_round_trip(tmp_path):
    t = make_track(12).select(np.array([0, 2, 3, 7]))
    t.meta["backend"] = "test"
    path = save_npz(t, tmp_path / "a.npz")
    back = load_npz(path)
    np.testing.assert_array_equal(back.keypoints, t.keypoints)
    assert back.frame_index.tolist() == [0, 2, 3, 7]
    assert (back.fps, back.width, back.height) == (30.0, 640.0, 480.0)
    assert back.meta == {"backend": "test"}
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_npz_errors_name_the_file(tmp_path):
    with pytest.raises(PoseFileError, match="missing.npz: no such file"):
        load_npz(tmp_path / "missing.npz")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(PoseFileError, match="bad.npz: unreadable"):
        load_npz(bad)
    other = tmp_path / "other.npz"
    np.savez(other, x=np.zeros(3))
    with pytest.raises(PoseFileError, match="other.npz: not a videosync pose file"):
        load_npz(other)


def test_interpolate_keypoints_hand_values():
    from videosync.poses.track import interpolate_keypoints

    kp = np.zeros((3, 17, 3), np.float32)
    kp[:, 0] = [[0, 0, 1.0], [10, 20, 0.8], [20, 0, 0.6]]
    kp[:, 1] = [[5, 5, 1.0], [0, 0, 0.0], [7, 7, 1.0]]  # joint 1 missing in the middle row
    out = interpolate_keypoints(kp, np.array([0.0, 0.5, 1.0, 1.25, 2.0, 2.5, -0.1]))
    np.testing.assert_allclose(out[:, 0], [[0, 0, 1.0], [5, 10, 0.8], [10, 20, 0.8], [12.5, 15, 0.6], [20, 0, 0.6], [0, 0, 0], [0, 0, 0]])
    # joint 1: only exact hits on rows where it was seen survive
    np.testing.assert_allclose(out[:, 1, 2], [1.0, 0, 0, 0, 1.0, 0, 0])
    np.testing.assert_allclose(out[4, 1, :2], [7, 7])

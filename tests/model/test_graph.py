import numpy as np
import pytest

from videosync.model.graph import SUBSETS, distance_to_center, hop_distance, spatial_adjacency

SELF, IN, OUT = (SUBSETS.index(s) for s in ("self", "centripetal", "centrifugal"))


def test_distance_to_shoulder_pair():
    # nose, eyes, ears, shoulders, elbows, wrists, hips, knees, ankles (counted by hand on the skeleton)
    expected = [1, 2, 2, 3, 3, 0, 0, 1, 1, 2, 2, 1, 1, 2, 2, 3, 3]
    np.testing.assert_array_equal(distance_to_center(), expected)


def test_hop_distance_examples():
    h = hop_distance()
    assert h[9, 15] == 5  # left wrist -> elbow -> shoulder -> hip -> knee -> ankle
    assert h[3, 4] == 4  # left ear -> eye -> nose -> eye -> right ear
    assert np.array_equal(h, h.T)


def test_shape_and_every_column_averages_its_neighbourhood():
    a = spatial_adjacency()
    assert a.shape == (3, 17, 17) and a.dtype == np.float32
    np.testing.assert_allclose(a.sum(axis=(0, 1)), np.ones(17), atol=1e-6)


def test_partition_left_hip():
    # left hip (11): neighbours shoulder 5 (closer), right hip 12 (equal), knee 13 (farther); 4 with self
    a = spatial_adjacency()
    col = a[:, :, 11]
    assert col[SELF, 11] == pytest.approx(1 / 4)
    assert col[IN, 5] == pytest.approx(1 / 4)
    assert col[OUT, 12] == pytest.approx(1 / 4)
    assert col[OUT, 13] == pytest.approx(1 / 4)
    assert np.count_nonzero(col) == 4


def test_partition_nose_and_wrist_and_shoulder():
    a = spatial_adjacency()
    nose = a[:, :, 0]  # neighbours: eyes 1, 2 (farther), shoulders 5, 6 (closer); 5 with self
    for j in (5, 6):
        assert nose[IN, j] == pytest.approx(0.2)
    for j in (1, 2):
        assert nose[OUT, j] == pytest.approx(0.2)
    assert nose[SELF, 0] == pytest.approx(0.2)
    wrist = a[:, :, 9]  # only the elbow, which is closer
    assert wrist[SELF, 9] == pytest.approx(0.5) and wrist[IN, 7] == pytest.approx(0.5)
    assert np.count_nonzero(wrist) == 2
    shoulder = a[:, :, 5]  # at the centre: nothing is closer
    assert not shoulder[IN].any()
    assert set(np.flatnonzero(shoulder[OUT])) == {0, 6, 7, 11}


def test_left_right_symmetric():
    from videosync.poses.layouts import COCO17_FLIP

    a = spatial_adjacency()
    f = list(COCO17_FLIP)
    np.testing.assert_array_equal(a[:, f][:, :, f], a)

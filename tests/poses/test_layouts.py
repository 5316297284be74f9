import numpy as np
import pytest

from videosync.poses.layouts import (
    BODY_25_TO_COCO17,
    COCO_18_TO_COCO17,
    LAYOUT_TO_COCO17,
    canonical_layout,
    detect_layout_25,
    layout_for_count,
    to_coco17,
)
from tests.poses.skeletons import BODY_25, BODY_25B, COCO17, COCO_18, HALPE_26, figure

NAMES = {"COCO_17": COCO17, "COCO_18": COCO_18, "BODY_25": BODY_25, "BODY_25B": BODY_25B, "HALPE_26": HALPE_26}


def test_hand_checked_joints():
    # BODY_25: 5 LShoulder, 9 RHip, 12 LHip, 16 LEye, 11 RAnkle; COCO-17: 5 l_sho, 12 r_hip, 11 l_hip
    assert BODY_25_TO_COCO17[5] == 5
    assert BODY_25_TO_COCO17[12] == 9
    assert BODY_25_TO_COCO17[11] == 12
    assert BODY_25_TO_COCO17[1] == 16
    assert BODY_25_TO_COCO17[16] == 11
    # OpenPose COCO-18: 15 LEye, 17 LEar, 10 RAnkle, 2 RShoulder
    assert COCO_18_TO_COCO17[1] == 15
    assert COCO_18_TO_COCO17[3] == 17
    assert COCO_18_TO_COCO17[16] == 10
    assert COCO_18_TO_COCO17[6] == 2
    assert LAYOUT_TO_COCO17["BODY_25B"] == tuple(range(17))
    assert LAYOUT_TO_COCO17["HALPE_26"] == tuple(range(17))


@pytest.mark.parametrize("layout", sorted(NAMES))
def test_every_map_puts_each_named_joint_in_its_coco_slot(layout):
    # every joint of the figure has its own position, so a wrong index shows up as a wrong point
    src = figure(NAMES[layout], cx=300, cy=400, height=500)
    expected = figure(COCO17, cx=300, cy=400, height=500)
    np.testing.assert_allclose(to_coco17(src, layout), expected)
    # leading axes (frames, people) pass through
    assert to_coco17(np.stack([src, src]), layout).shape == (2, 17, 3)


def test_to_coco17_rejects_wrong_count():
    with pytest.raises(ValueError, match="25"):
        to_coco17(np.zeros((18, 3)), "BODY_25")


def test_layout_for_count():
    assert layout_for_count(17) == ("COCO_17",)
    assert layout_for_count(18) == ("COCO_18",)
    assert set(layout_for_count(25)) == {"BODY_25", "BODY_25B"}
    assert layout_for_count(26) == ("HALPE_26",)
    assert layout_for_count(33) == ()


def test_canonical_layout_spellings():
    assert canonical_layout("body25b") == "BODY_25B"
    assert canonical_layout("BODY-25") == "BODY_25"
    assert canonical_layout("halpe_26") == "HALPE_26"
    with pytest.raises(ValueError, match="known"):
        canonical_layout("body_135")


def _people(names, n=40, seed=0):
    rng = np.random.default_rng(seed)
    return np.stack(
        [figure(names, cx=rng.uniform(200, 800), cy=rng.uniform(500, 900), height=rng.uniform(300, 700)) for _ in range(n)]
    )


def test_detect_layout_25_synthetic_both_ways():
    name, evidence = detect_layout_25(_people(BODY_25))
    assert name == "BODY_25" and "BODY_25" in evidence
    name, _ = detect_layout_25(_people(BODY_25B))
    assert name == "BODY_25B"
    # a list with one array per frame is accepted too, empty frames included
    frames = [p[None] for p in _people(BODY_25B)] + [np.zeros((0, 25, 3))]
    assert detect_layout_25(frames)[0] == "BODY_25B"


def test_detect_layout_25_refuses_to_guess():
    rng = np.random.default_rng(1)
    noise = np.concatenate([rng.uniform(0, 1000, (50, 25, 2)), np.ones((50, 25, 1))], axis=2)
    with pytest.raises(ValueError, match="cannot tell"):
        detect_layout_25(noise)
    with pytest.raises(ValueError, match="cannot tell"):
        detect_layout_25(_people(BODY_25B, n=1))  # 5 checks are too few to decide
    with pytest.raises(ValueError, match="cannot tell"):
        detect_layout_25(np.zeros((0, 25, 3)))

from pathlib import Path

import numpy as np
import pytest

from videosync.synth.asfamc import find_asf, parse_asf, read_amc
from videosync.synth.bvh import read_bvh
from videosync.synth.motion import MocapError
from videosync.synth.skeletons import to_coco3d

ASF = """# comment
:version 1.10
:name VICON
:units
  mass 1.0
  length 0.45
  angle deg
:root
   order TX TY TZ RX RY RZ
   axis XYZ
   position 0 0 0
   orientation 0 0 0
:bonedata
  begin
     id 1
     name b1
     direction 0 1 0
     length 2
     axis 0 0 0  XYZ
    dof rx ry rz
    limits (-160.0 20.0)
           (-70.0 70.0)
           (-60.0 70.0)
  end
  begin
     id 2
     name b2
     direction 1 0 0
     length 1
     axis 0 0 90 XYZ
    dof rx
    limits (-10.0 170.0)
  end
:hierarchy
  begin
    root b1
    b1 b2
  end
"""

AMC = """#!OML:ASF F:\\f\xfcr\\x.ASF
:FULLY-SPECIFIED
:DEGREES
1
root 0 0 0 0 0 0
b1 90 90 0
b2 0
2
root 0 0 0 0 0 0
b1 0 0 0
b2 90
3
root 1 2 3 0 0 90
b1 0 0 0
b2 0
"""

# Hand-computed bone end points.
# Frame 1: b1 angles (90, 90, 0) are applied about fixed axes in the listed order, R = Ry90 @ Rx90:
#   b1 end = 2 * R (0,1,0) = (2,0,0); b2 (no motion) end = (2,0,0) + R (1,0,0) = (2,0,-1).
# Frame 2: b2's axis is Rz90, so its rx motion turns about Rz90 x = +y: C Rx90 C^-1 = Ry90;
#   b2 end = (0,2,0) + Ry90 (1,0,0) = (0,2,-1).
# Frame 3: root at (1,2,3) turned Rz90 (y -> -x): b1 end = (-1,2,3), b2 end = (-1,3,3).
EXPECTED = {
    "root": [(0, 0, 0), (0, 0, 0), (1, 2, 3)],
    "b1": [(2, 0, 0), (0, 2, 0), (-1, 2, 3)],
    "b2": [(2, 0, -1), (0, 2, -1), (-1, 3, 3)],
}


def _files(tmp_path: Path, asf: str = ASF, amc: str = AMC, newline: str = "\r\n") -> Path:
    (tmp_path / "07.asf").write_bytes(asf.replace("\n", newline).encode("latin-1"))
    amc_path = tmp_path / "07_01.amc"
    amc_path.write_bytes(amc.replace("\n", newline).encode("latin-1"))
    return amc_path


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_forward_kinematics_matches_hand_computed_positions(tmp_path, newline):
    motion = read_amc(_files(tmp_path, newline=newline))
    assert motion.names == ("root", "b1", "b2")
    assert motion.fps == 120.0
    assert motion.unit_m == pytest.approx(0.0254 / 0.45)
    for name, expected in EXPECTED.items():
        np.testing.assert_allclose(motion.positions[:, motion.index(name)], expected, atol=1e-9)


def test_mixed_cr_and_crlf_inside_one_file(tmp_path):
    amc = AMC.replace("\n", "\r\n", 6)  # first lines CRLF, the rest CR
    motion = read_amc(_files(tmp_path, amc=amc.replace("\n", "\r"), newline="\n"))
    np.testing.assert_allclose(motion.positions[:, 2], EXPECTED["b2"], atol=1e-9)


def test_radians_are_honoured(tmp_path):
    amc = AMC.replace(":DEGREES", ":RADIANS").replace("b1 90 90 0", f"b1 {np.pi / 2} {np.pi / 2} 0")
    amc = amc.replace("b2 90", f"b2 {np.pi / 2}").replace("root 1 2 3 0 0 90", f"root 1 2 3 0 0 {np.pi / 2}")
    motion = read_amc(_files(tmp_path, amc=amc))
    np.testing.assert_allclose(motion.positions[:, 2], EXPECTED["b2"], atol=1e-9)


@pytest.mark.parametrize(
    "asf, amc, message",
    [
        (ASF, AMC.replace("b1 0 0 0\nb2 90", "b1 0 0\nb2 90"), "bone 'b1' has 2 values, the ASF gives it 3 dof"),
        (ASF, AMC.replace("b2 90", "b9 90"), "bone 'b9' is not in the ASF"),
        (ASF, AMC.replace("3\nroot 1 2 3 0 0 90\nb1 0 0 0\nb2 0\n", "3\nroot 1 2 3 0 0 90\nb1 0 0 0\n"),
         "bone 'b2' appears in 2 of 3 frames"),
        (ASF, ":FULLY-SPECIFIED\n", "no frames"),
        (ASF, "", "empty file"),
        (ASF.replace("    b1 b2\n", ""), AMC, "bones without a parent"),
        (ASF.replace("     length 1\n", ""), AMC, "bone 'b2' has no length"),
    ],
)
def test_bad_files_raise_one_clear_error(tmp_path, asf, amc, message):
    amc_path = _files(tmp_path, asf=asf, amc=amc)
    with pytest.raises(MocapError, match=message) as info:
        read_amc(amc_path)
    assert str(tmp_path) in str(info.value)


def test_parse_asf_reports_hierarchy_problems(tmp_path):
    (tmp_path / "x.asf").write_text(ASF.replace("    b1 b2\n", ""))
    with pytest.raises(MocapError, match="bones without a parent in :hierarchy: b2"):
        parse_asf(tmp_path / "x.asf")


def test_find_asf_prefers_the_longest_matching_name(tmp_path):
    for name in ("charleston.asf", "lambada.asf", "01.asf"):
        (tmp_path / name).write_text("x")
    assert find_asf(tmp_path / "charleston1.amc").name == "charleston.asf"
    assert find_asf(tmp_path / "01_01.amc").name == "01.asf"
    with pytest.raises(MocapError, match="cannot tell which skeleton"):
        find_asf(tmp_path / "zombie.amc")
    alone = tmp_path / "sub"
    alone.mkdir()
    (alone / "HDM_dg.asf").write_text("x")
    assert find_asf(alone / "other_name.amc").name == "HDM_dg.asf"
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(MocapError, match="no .asf"):
        find_asf(empty / "a.amc")


def test_cmu_bvh_and_amc_of_the_same_trial_agree(mocap_dir):
    """CMU 01_01 in the cgspeed MotionBuilder BVH (frame 0 = added T-pose) and the original AMC.

    Legs and hips agree exactly. The BVH conversion drops the ASF ``thorax`` bone (its Neck and
    shoulders sit at the end of ``upperback``), so every upper-body COCO point is displaced by one
    common vector per frame whose length is the thorax length; with that removed they agree too.
    """
    n = 240
    bvh = to_coco3d(read_bvh(mocap_dir / "cmu/bvh_motionbuilder/01_01.bvh", max_frames=n + 1))
    amc_path = mocap_dir / "cmu/asfamc/deep3dpose/01/01_01.amc"
    amc = to_coco3d(read_amc(amc_path, max_frames=n))
    assert bvh.joints.shape == amc.joints.shape == (n, 17, 3)
    np.testing.assert_allclose(bvh.joints[:, 11:], amc.joints[:, 11:], atol=1e-4)
    shift = bvh.joints[:, 5:11] - amc.joints[:, 5:11]
    np.testing.assert_allclose(shift, np.repeat(shift[:, :1], 6, axis=1), atol=1e-4)
    thorax_m = parse_asf(amc_path.parent / "01.asf").bones["thorax"].length * 0.0254 / 0.45
    np.testing.assert_allclose(np.linalg.norm(shift[:, 0], axis=-1), thorax_m, atol=1e-4)
    # Face points follow the head and scale with body size (estimated heights differ slightly).
    face_shift = bvh.joints[:, :5] - amc.joints[:, :5] - shift[:, :1]
    assert np.abs(face_shift).max() < 0.02
    # The root travels the same path: the trials are aligned frame for frame.
    assert np.ptp(amc.joints[:, 11, 2]) > 0.1


def test_hdm05_latin1_file_parses(mocap_dir):
    motion = read_amc(mocap_dir / "hdm05/HDM_dg_06-03_03_120.amc", max_frames=5)
    assert motion.positions.shape[:2] == (5, 31)

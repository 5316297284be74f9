from pathlib import Path

import numpy as np
import pytest

from videosync.synth.bvh import parse_bvh, read_bvh
from videosync.synth.motion import MocapError

TINY = """HIERARCHY
ROOT Hips
{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
  JOINT Knee
  {
    OFFSET 1 0 0
    CHANNELS 3 Xrotation Yrotation Zrotation
    End Site
    {
      OFFSET 0 2 0
    }
  }
}
MOTION
Frames: 3
Frame Time: 0.0333333
0 0 0 0 0 0 0 0 0
1 2 3 90 0 0 90 0 0
0 0 0 90 90 0 0 0 0
"""

# Hand-computed FK. Frame 1: Rz90 maps x->y, so Knee = (1,2,3) + (0,1,0); the end site (0,2,0) is
# turned by Rx90 to (0,0,2), which Rz90 leaves alone. Frame 2 checks the channel order: the root
# rotation is Rz90 @ Rx90 (Zrotation listed first); Rx @ Rz would put Knee at (0,0,1).
EXPECTED = {
    "Hips": [(0, 0, 0), (1, 2, 3), (0, 0, 0)],
    "Knee": [(1, 0, 0), (1, 3, 3), (0, 1, 0)],
    "Knee/End Site": [(1, 2, 0), (1, 3, 5), (0, 1, 2)],
}


def _write(tmp_path: Path, text: str, name: str = "tiny.bvh") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("latin-1"))
    return path


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_forward_kinematics_matches_hand_computed_positions(tmp_path, newline):
    motion = read_bvh(_write(tmp_path, TINY.replace("\n", newline)))
    assert motion.names == ("Hips", "Knee", "Knee/End Site")
    assert motion.parents.tolist() == [-1, 0, 1]
    assert motion.fps == 30.0  # 0.0333333 snapped
    for name, expected in EXPECTED.items():
        np.testing.assert_allclose(motion.positions[:, motion.index(name)], expected, atol=1e-9)


def test_position_channels_replace_the_offset(tmp_path):
    # Bandai style: a non-root joint with position channels; the OFFSET (5 5 5) must be ignored.
    text = TINY.replace("CHANNELS 3 Xrotation Yrotation Zrotation",
                        "CHANNELS 6 Xposition Yposition Zposition Xrotation Yrotation Zrotation")
    text = text.replace("OFFSET 1 0 0", "OFFSET 5 5 5")
    rows = ["0 0 0 0 0 0 1 0 0 0 0 0", "1 2 3 90 0 0 1 0 0 90 0 0", "0 0 0 90 90 0 1 0 0 0 0 0"]
    head = text.split("MOTION")[0]
    motion = read_bvh(_write(tmp_path, head + "MOTION\nFrames: 3\nFrame Time: 0.0333333\n" + "\n".join(rows) + "\n"))
    for name, expected in EXPECTED.items():
        np.testing.assert_allclose(motion.positions[:, motion.index(name)], expected, atol=1e-9)


def test_max_frames_reads_only_the_first_frames(tmp_path):
    data = parse_bvh(_write(tmp_path, TINY), max_frames=2)
    assert data.values.shape == (2, 9)
    np.testing.assert_array_equal(data.values[1, :3], [1, 2, 3])


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "empty file"),
        ("   \n\r\n", "empty file"),
        (TINY.replace("Frames: 3", "Frames: 4"), "expected 4 frames x 9 channels"),
        (TINY.replace("0 0 0 90 90 0 0 0 0", "0 0 0 90 90 0 0 0 x"), "non-numeric"),
        (TINY.split("MOTION")[0], "no MOTION section"),
        (TINY.replace("Zrotation Xrotation Yrotation", "Zrotation Xrotation Wrotation"), "unknown channel"),
        (TINY.replace("  JOINT Knee\n  {", "  JOINT Knee\n"), "expected {"),
        (TINY.replace("Frame Time: 0.0333333", "Frame Time: 0"), "Frame Time must be positive"),
        ("hello world", "no MOTION section"),
    ],
)
def test_bad_files_raise_one_clear_error_naming_the_file(tmp_path, text, message):
    path = _write(tmp_path, text, "bad.bvh")
    with pytest.raises(MocapError, match=message) as info:
        read_bvh(path)
    assert str(path) in str(info.value)


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(MocapError, match="no such file"):
        read_bvh(tmp_path / "nope.bvh")

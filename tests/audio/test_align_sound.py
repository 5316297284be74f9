"""align with sound: fused by default when every input has sound, the pose method alone exactly as
before when one has none, each witness forced by --method; on the Pose2Sim demo's real poses with
real speech laid under them (tests/audio/demo.py)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from videosync.api import align
from videosync.cli.main import cli
from videosync.errors import CannotSynchronizeError

from tests.audio.demo import DEMO_JSON, SIZE, repeated_motion_pair

pytestmark = pytest.mark.skipif(not DEMO_JSON.is_dir(), reason="needs ../shared/data/pose2sim-demo")


@pytest.fixture(scope="module")
def looped(tmp_path_factory):
    """cam01 and cam03 over two cycles of the looped demo, B half a cycle later, with speech."""
    return repeated_motion_pair(tmp_path_factory.mktemp("looped"))


@pytest.mark.slow
def test_inputs_without_sound_get_exactly_the_answers_of_the_pose_method():
    # The demo videos beside the JSON have no sound (cam02's track is silent but present: the others
    # have none), so the default picks sesyn: the same document as asking for it, as main's align gave.
    inputs = [DEMO_JSON / f"cam0{i}_json" for i in (1, 2, 3, 4)]
    default, forced = align(inputs), align(inputs, method="sesyn")
    assert default.method == "sesyn" and default.to_json() == forced.to_json()
    assert not any(p.fusion for p in default.pairs)


@pytest.mark.slow
def test_repeated_motion_is_answered_by_default_and_refused_by_the_poses_alone(looped):
    a, b, truth = looped
    with pytest.raises(CannotSynchronizeError, match="repeated motion"):
        align([a, b], method="sesyn", size=SIZE)
    res = CliRunner().invoke(cli, ["align", str(a), str(b), "--size", "1080x1920", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    entry = doc["inputs"][1]
    assert doc["method"] == "fused" and abs(entry["offset_frames"] - truth) <= 1.0
    fusion = entry["fusion"]
    assert fusion["source"] == "pose within the sound's bounds" and fusion["fused_offset_frames"] == entry["offset_frames"]
    # the sound is late by each camera's skew and distance (here 4 ms, under a frame); within the allowance
    assert abs(fusion["sound_offset_frames"] - truth) < fusion["allowance_seconds"] * 60
    assert doc["pairs"][0]["fusion"] == fusion and not doc["warnings"]


@pytest.mark.slow
def test_the_table_shows_the_sound_the_poses_and_the_allowance(looped):
    a, b, truth = looped
    res = CliRunner().invoke(cli, ["align", str(a), str(b), "--size", "1080x1920"], env={"COLUMNS": "250"})
    assert res.exit_code == 0, res.output
    assert "sound (frames)" in res.stdout and "poses (frames)" in res.stdout and "method: fused" in res.stdout
    assert "119 ms expected from the cameras' audio-video skew" in " ".join(res.stdout.split())


@pytest.mark.slow
def test_the_sound_alone_when_forced(looped):
    a, b, truth = looped
    res = align([a, b], method="audio", size=SIZE)
    assert res.method == "audio" and abs(res.inputs[1].offset_frames - truth) < 2.0
    assert any("no fitted calibrator" in w for w in res.warnings)

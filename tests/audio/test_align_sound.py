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
    # the evidence the calibrator read is about B's own frames: the geometry moved the matching's
    # answer by about a frame, not by the 99 frames B was renumbered by for the bounded search
    assert doc["pairs"][0]["evidence"]["geo_shift"] < 2 and doc["pairs"][0]["calibrated"]


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


@pytest.fixture(scope="module")
def nobody(tmp_path_factory):
    """Two grey videos (nobody in view) with real speech, B started 0.5 s (15 frames) after A."""
    from tests.audio.media import SPEECH, load, room, write_video

    d, rate, fps = tmp_path_factory.mktemp("nobody"), 48_000, 30
    speech = load(SPEECH, rate)
    a = write_video(d / "a.mp4", 4 * fps, fps, room(speech[: 4 * rate], rate, snr_db=25, seed=1), rate)
    b = write_video(d / "b.mp4", 4 * fps, fps, room(speech[rate // 2 : rate // 2 + 4 * rate], rate, rt60=0.3,
                                                     snr_db=20, seed=2), rate)
    return a, b


def test_the_sound_alone_reads_no_poses(nobody, monkeypatch):
    import videosync.estimate

    def no_estimation(*args, **kwargs):
        raise AssertionError("pose estimation ran")

    monkeypatch.setattr(videosync.estimate, "estimate_poses_many", no_estimation)
    monkeypatch.setattr(videosync.estimate, "estimate_poses", no_estimation)
    res = align(list(nobody), method="audio")
    assert res.method == "audio" and abs(res.inputs[1].offset_frames + 15) < 0.05


def test_trim_audio_reference_cuts_on_the_sound(nobody, tmp_path):
    a, b = nobody
    res = CliRunner().invoke(cli, ["trim", str(a), str(b), "-o", str(tmp_path / "out"), "--audio-reference", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["alignment"]["method"] == "audio"
    assert [v["offset_frames_used"] for v in doc["videos"]] == [0, -15]
    assert [v["first_frame"] for v in doc["videos"]] == [15, 0] and all(v["audio_kept"] for v in doc["videos"])


def test_trim_audio_reference_with_known_offsets_or_another_method_is_refused(nobody, tmp_path):
    a, b = nobody
    res = CliRunner().invoke(cli, ["trim", str(a), str(b), "-o", str(tmp_path / "o1"), "--audio-reference",
                                   "--offsets", "0,-15"])
    assert res.exit_code == 2 and "leave out --offsets" in res.stderr
    res = CliRunner().invoke(cli, ["trim", str(a), str(b), "-o", str(tmp_path / "o2"), "--audio-reference",
                                   "--method", "sesyn"])
    assert res.exit_code == 1 and "cannot be combined with --method sesyn" in res.stderr
    assert not (tmp_path / "o1").exists() and not (tmp_path / "o2").exists()


@pytest.mark.slow
def test_with_nobody_in_view_the_sound_answers_and_says_so(nobody):
    res = align(list(nobody))
    assert res.method == "fused" and abs(res.inputs[1].offset_frames + 15) < 0.05
    assert res.fusion(1)["source"] == "sound alone"
    assert any("nobody in view: from the sound alone" in w for w in res.warnings)

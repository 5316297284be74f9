"""The one registry of names (methods, pose backends), and that it drives the CLI."""

import json

import pytest
from click.testing import CliRunner

from tests.sync.synth import sampled_track
from videosync.cli.main import cli
from videosync.errors import VideosyncError
from videosync.poses import save_npz
from videosync.registry import METHODS, POSE_BACKENDS, Registry
from videosync.sync.methods import get_method, register_method


@pytest.fixture
def methods(monkeypatch):
    """The method registry, restored after the test."""
    monkeypatch.setattr(METHODS, "_entries", dict(METHODS._entries))
    return METHODS


def test_registry_keeps_order_descriptions_and_imports_only_on_use():
    reg = Registry("widget", default="a")
    reg.register("a", "json:JSONDecoder", "decodes")
    reg.register("b", None, "stands for a")
    assert reg.names() == ["a", "b"] and "a" in reg and "c" not in reg
    assert reg.describe("a") == "decodes" and reg.default == "a"
    assert reg.load("a") is json.JSONDecoder
    with pytest.raises(VideosyncError, match=r"unknown widget 'c'; choose from a, b"):
        reg.load("c")
    with pytest.raises(VideosyncError, match="stands for another one"):
        reg.load("b")
    for bad in ("json", "json:", ":JSONDecoder", "a:b:c"):
        with pytest.raises(ValueError, match="package.module:ClassName"):
            reg.register("x", bad)
    assert "x" not in reg


def test_the_built_in_names():
    assert METHODS.names() == ["auto", "sesyn", "simple", "ssm", "speed-xcorr", "audio", "fused"]
    assert METHODS.default == "auto" and METHODS.entry("auto").target is None
    assert METHODS.pose_names() == ["sesyn", "simple", "ssm", "speed-xcorr"]  # what eval compares
    assert POSE_BACKENDS.names() == ["auto", "mediapipe", "mmpose"] and POSE_BACKENDS.default == "auto"
    for reg in (METHODS, POSE_BACKENDS):
        assert all(reg.describe(name) for name in reg.names())


def test_every_built_in_target_exists():
    for name in METHODS.names():
        if name != "auto":  # a policy (videosync.sync.witness), no class
            assert METHODS.load(name).__name__.endswith("Method")
    assert POSE_BACKENDS.load("mediapipe").__name__ == "MediaPipeBackend"
    assert POSE_BACKENDS.load("mmpose").__name__ == "MMPoseBackend"  # importable without mmpose


def test_a_registered_method_reaches_the_cli(methods, tmp_path):
    from tests.cli.plugins import RecordingMethod

    register_method("recording", "tests.cli.plugins:RecordingMethod", "notes each pair (a test)")
    res = CliRunner().invoke(cli, ["align", "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0
    assert "--method [auto|sesyn|simple|ssm|speed-xcorr|audio|fused|recording]" in res.output
    assert "recording: notes each pair (a test)" in " ".join(res.output.split())

    a = save_npz(sampled_track(240, 30.0, start_seconds=1.0), tmp_path / "a.npz")
    b = save_npz(sampled_track(240, 30.0, start_seconds=1.0 - 9 / 30), tmp_path / "b.npz")
    RecordingMethod.calls.clear()
    res = CliRunner().invoke(cli, ["align", str(a), str(b), "--method", "recording", "--no-refine", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["method"] == "recording" and doc["inputs"][1]["offset_frames"] == pytest.approx(9, abs=0.5)
    assert ("a.npz", "b.npz") in RecordingMethod.calls
    assert isinstance(get_method("recording"), RecordingMethod)


def test_an_unregistered_method_is_a_usage_error(tmp_path):
    res = CliRunner().invoke(cli, ["align", "a.npz", "b.npz", "--method", "recording"])
    assert res.exit_code == 2 and "'recording' is not one of 'auto', 'sesyn', 'simple', 'ssm', 'speed-xcorr', 'audio', 'fused'" in res.stderr


def test_pose_backends_are_read_from_the_registry(monkeypatch):
    monkeypatch.setattr(POSE_BACKENDS, "_entries", dict(POSE_BACKENDS._entries))
    POSE_BACKENDS.register("openpose", "json:JSONDecoder", "a test backend")
    for command in ("align", "trim", "poses"):
        res = CliRunner().invoke(cli, [command, "--help"], env={"COLUMNS": "200"})
        assert "[auto|mediapipe|mmpose|openpose]" in res.output, command

"""``videosync poses``: writes a loadable pose file; errors are one line and an exit code."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from tests.estimate._helpers import FakeBackend, write_video
from videosync.cli.poses import poses
from videosync.estimate import api
from videosync.poses.npz import load_npz


@pytest.fixture
def fake(monkeypatch, tmp_path):
    backend = FakeBackend()
    monkeypatch.setattr(api, "create_backend", lambda *a, **k: backend)
    monkeypatch.setenv("VIDEOSYNC_CACHE_DIR", str(tmp_path / "cache"))
    return backend


def test_writes_the_track(fake, tmp_path):
    video = write_video(tmp_path / "clip.avi", 10, fps=20.0)
    out = tmp_path / "out" / "clip.npz"
    result = CliRunner().invoke(poses, [str(video), "-o", str(out), "--start", "0.1", "--duration", "0.25"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out)
    track = load_npz(out)
    assert track.frame_index.tolist() == [2, 4, 5, 6]  # frames 2..6, the fake misses 3
    assert track.fps == 20.0 and track.size_source == "video"
    assert "backend mediapipe" in result.stderr


def test_default_output_is_named_after_the_video_in_the_current_folder(fake, tmp_path):
    video = write_video(tmp_path / "clip.avi", 5)
    runner = CliRunner()
    with runner.isolated_filesystem(temp_dir=tmp_path) as here:
        result = runner.invoke(poses, [str(video), "--no-cache"])
        assert result.exit_code == 0, result.output
        assert len(load_npz(f"{here}/clip.npz")) == 4
    assert not (tmp_path / "cache").exists()


def test_bad_input_is_one_error_line_with_the_exit_code(fake, tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_text("nope")
    result = CliRunner().invoke(poses, [str(bad)])
    assert result.exit_code == 5
    assert result.stderr.strip().splitlines()[-1] == f"Error: {bad}: not a readable video"
    result = CliRunner().invoke(poses, [str(write_video(tmp_path / "v.avi", 3)), "--person", "4"])
    assert result.exit_code == 5 and "person 4 not found" in result.stderr


def test_real_video_with_mediapipe(demo_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("VIDEOSYNC_CACHE_DIR", str(tmp_path / "cache"))
    video = demo_dir / "single-person" / "videos" / "cam03.mp4"
    out = tmp_path / "cam03.npz"
    args = [str(video), "-o", str(out), "--pose-backend", "mediapipe", "--start", "0.5", "--duration", "0.05"]
    result = CliRunner().invoke(poses, args)
    assert result.exit_code == 0, result.output
    track = load_npz(out)
    assert track.frame_index.tolist() == [30, 31, 32]
    assert (track.width, track.height) == (1088, 1920)
    assert track.meta["backend"] == "mediapipe" and track.meta["model"] == "blazepose-full"
    assert np.all(track.keypoints[:, 5:, 2] > 0.3)  # body joints of the participant found
    again = CliRunner().invoke(poses, [*args, "--overwrite"])
    assert again.exit_code == 0 and "(from cache)" in again.stderr


def test_native_log_lines_are_kept_off_stderr(demo_dir, tmp_path):
    """MediaPipe's C++ start-up lines (W0000 ..., INFO: Created TensorFlow Lite ...) are filtered."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    video = demo_dir / "single-person" / "videos" / "cam04.mp4"
    code = "import sys; from videosync.cli.poses import poses; poses(sys.argv[1:])"
    env = {**os.environ, "PYTHONPATH": str(repo), "VIDEOSYNC_CACHE_DIR": str(tmp_path / "cache")}
    args = [str(video), "-o", str(tmp_path / "p.npz"), "--pose-backend", "mediapipe", "--duration", "0.05"]
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "cam04.mp4: 3 frames with a pose" in proc.stderr
    assert "W0000" not in proc.stderr and "TensorFlow Lite" not in proc.stderr
    assert proc.stdout.strip() == str(tmp_path / "p.npz")


def test_mmpose_not_installed_exits_with_the_model_error_code(tmp_path, monkeypatch):
    from videosync.estimate import mmpose_backend

    monkeypatch.setattr(mmpose_backend, "mmpose_available", lambda: False)
    monkeypatch.setenv("VIDEOSYNC_CACHE_DIR", str(tmp_path / "cache"))
    video = write_video(tmp_path / "v.avi", 3)
    result = CliRunner().invoke(poses, [str(video), "--pose-backend", "mmpose", "--no-cache"])
    assert result.exit_code == 3
    assert result.stderr.startswith("Error: the mmpose backend is not installed")

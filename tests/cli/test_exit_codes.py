"""Every documented exit code, produced through the command line, and Ctrl-C."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.sync.synth import sampled_track
from videosync.cli.main import cli
from videosync.errors import (
    EXIT_CODES,
    CannotSynchronizeError,
    ModelError,
    PoseFileError,
    VideoError,
    VideosyncError,
)
from videosync.poses import save_npz

REPO = Path(__file__).resolve().parents[2]


def run(*args, **kwargs):
    return CliRunner().invoke(cli, list(args), env={"COLUMNS": "200"}, **kwargs)


@pytest.fixture
def pair(tmp_path):
    a = save_npz(sampled_track(240, 30.0, start_seconds=1.0), tmp_path / "a.npz")
    b = save_npz(sampled_track(240, 30.0, start_seconds=1.0 - 9 / 30), tmp_path / "b.npz")
    return str(a), str(b)


def test_the_codes_are_distinct_and_documented_in_the_help():
    assert (VideosyncError.exit_code, ModelError.exit_code, CannotSynchronizeError.exit_code) == (1, 3, 4)
    assert PoseFileError.exit_code == VideoError.exit_code == 5  # not click's usage code 2
    text = run("--help").output.split("Exit codes:")[1]
    shown = {int(code): meaning for code, meaning in re.findall(r"^\s+(\d+)\s+(.+)$", text, re.M)}
    assert shown == EXIT_CODES
    assert sorted(shown) == [0, 1, 2, 3, 4, 5, 130]


def test_0_success(pair):
    res = run("align", *pair, "--method", "simple")
    assert res.exit_code == 0 and res.stderr.count("Error") == 0


def test_1_a_problem_the_user_can_fix(pair, tmp_path):
    plot = tmp_path / "plot.png"
    plot.write_bytes(b"mine")
    res = run("align", *pair, "--method", "simple", "--plot", str(plot))
    assert res.exit_code == 1
    assert res.stderr.strip() == f"Error: {plot}: already exists (add --overwrite to replace it)"
    assert plot.read_bytes() == b"mine"


@pytest.mark.parametrize("args", [["algin", "a", "b"], ["align", "a", "b", "--no-such-option"],
                                  ["align", "a", "b", "--method", "nope"], ["align", "a", "b", "-q", "-v"]])
def test_2_usage_error(args):
    res = run(*args)
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "Usage:" in res.stderr


def test_a_mistyped_command_gets_a_suggestion():
    assert "No such command 'algin'. Did you mean 'align'?" in run("algin").stderr
    assert run("frobnicate").stderr.strip().endswith("No such command 'frobnicate'.")


def test_3_model_cannot_be_used(pair, tmp_path, monkeypatch):
    monkeypatch.setenv("VIDEOSYNC_MODEL", str(tmp_path / "nope.pt"))
    res = run("align", *pair)
    assert res.exit_code == 3 and "nope.pt" in res.stderr


def test_4_cannot_synchronize(tmp_path):
    a = save_npz(sampled_track(200, 30.0, seed=1), tmp_path / "a.npz")
    b = save_npz(sampled_track(200, 30.0, seed=2), tmp_path / "b.npz")
    res = run("align", str(a), str(b), "--method", "simple")
    last = res.stderr.strip().splitlines()[-1]
    assert res.exit_code == 4 and last.startswith("Error: ") and "cannot synchronize" in last


def test_5_input_cannot_be_read(pair, tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_text("not a pose file")
    assert run("align", str(bad), pair[0], "--method", "simple").exit_code == 5
    video = tmp_path / "notes.mp4"
    video.write_text("hello")
    res = run("trim", str(video), str(video), "-o", str(tmp_path / "out"), "--offsets", "0,1")
    assert res.exit_code == 5 and "notes.mp4" in res.stderr


def test_130_interrupted_in_process(pair, monkeypatch):
    import videosync.api

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(videosync.api, "align", interrupted)
    res = run("align", *pair)
    assert res.exit_code == 130
    assert res.stderr == "interrupted\n" and res.stdout == ""


@pytest.mark.slow
def test_130_on_a_real_ctrl_c(pair, tmp_path):
    """SIGINT to a real process while the method runs: one line, exit status 130."""
    flag = tmp_path / "started"
    code = ("import sys; from videosync.sync.methods import register_method; "
            "register_method('sleepy', 'tests.cli.plugins:SleepyMethod'); "
            "from videosync.cli.main import cli; cli(sys.argv[1:], prog_name='videosync')")
    env = {**os.environ, "PYTHONPATH": str(REPO), "SLEEPY_FLAG": str(flag)}
    proc = subprocess.Popen([sys.executable, "-c", code, "align", *pair, "--method", "sleepy"], cwd=REPO,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not flag.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert flag.exists(), proc.communicate(timeout=5)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "interrupted" and "Traceback" not in err
    assert out == ""

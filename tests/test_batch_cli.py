"""videosync batch on the command line: summary, JSON, exit codes, options passed to every session."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from videosync.cli.main import cli
from videosync.poses import save_npz
from tests.sync.synth import sampled_track


@pytest.fixture
def sessions(tmp_path):
    """good: b's frame i + 9 shows a's frame i (k = +9); broken: b.npz is not a pose file."""
    root = tmp_path / "sessions"
    save_npz(sampled_track(240, 30.0, start_seconds=1.0), root / "good" / "a.npz")
    save_npz(sampled_track(240, 30.0, start_seconds=1.0 - 9 / 30), root / "good" / "b.npz")
    save_npz(sampled_track(240, 30.0, start_seconds=1.0), root / "broken" / "a.npz")
    (root / "broken" / "b.npz").write_text("not a zip file")
    return root


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], env={"COLUMNS": "250"})


def test_a_failed_session_is_reported_and_the_exit_code_says_so(sessions, tmp_path):
    res = run("batch", sessions, "-o", tmp_path / "out", "--sequential", "--method", "simple")
    assert res.exit_code == 1, res.output
    assert "2 sessions: 1 failed, 1 ok; table: " in res.stdout
    assert "1 of 2 sessions not synchronized" in res.stderr and "Traceback" not in res.output
    assert "warning: broken: failed: " in res.stderr and "broken/b.npz" in res.stderr
    assert "[2/2] good: ok" in res.stderr  # not a terminal (a log file): a line per session, no bar


def test_quiet_prints_the_summary_and_the_error_only(sessions, tmp_path):
    res = run("batch", sessions, "-o", tmp_path / "out", "--sequential", "--method", "simple", "-q")
    assert res.exit_code == 1
    assert res.stdout.startswith("2 sessions: 1 failed, 1 ok; table: ")
    assert res.stderr.splitlines() == [f"Error: 1 of 2 sessions not synchronized (status and reason in {tmp_path / 'out' / 'results.csv'})"]


def test_json_document_and_options_passed_to_every_session(sessions, tmp_path):
    out = tmp_path / "out"
    res = run("batch", sessions / "good", "-o", out, "--sequential", "--method", "simple", "--max-offset", "30",
              "--size", "640x480", "--json", "--json-out", tmp_path / "summary.json")
    # SESSIONS is a folder of sessions: "good" itself holds no session folders
    assert res.exit_code == 1 and "no sessions found" in res.stderr
    res = run("batch", f"{sessions}/g*", "-o", out, "--sequential", "--method", "simple", "--max-offset", "30",
              "--size", "640x480", "--json", "--json-out", tmp_path / "summary.json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc == json.loads((tmp_path / "summary.json").read_text())
    assert doc["counts"] == {"ok": 1} and [r["input"] for r in doc["rows"]] == ["a.npz", "b.npz"]
    assert doc["rows"][1]["offset_frames"] == pytest.approx(9, abs=0.2)
    recorded = json.loads((out / "good.json").read_text())["options"]
    assert recorded["method"] == "simple" and recorded["max_offset_frames"] == 30 and recorded["size"] == [640, 480]
    again = run("batch", f"{sessions}/g*", "-o", out, "--json-out", tmp_path / "summary.json")
    assert again.exit_code == 1 and "summary.json: already exists (add --overwrite to replace it)" in again.stderr


@pytest.mark.parametrize("args, message", [
    (["--pose-resources", "GPU"], "NAME=AMOUNT"),
    (["--size", "big"], "WIDTHxHEIGHT"),
])
def test_bad_options_are_usage_errors(sessions, tmp_path, args, message):
    res = run("batch", sessions, "-o", tmp_path / "out", "--sequential", *args)
    assert res.exit_code == 2 and message in res.output and not (tmp_path / "out").exists()

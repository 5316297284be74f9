"""-q / default / -v: what reaches stderr, on the group and on the command alike."""

import json
import logging
import re

import pytest
from click.testing import CliRunner

from tests.sync.synth import sampled_track
from videosync.cli.main import cli
from videosync.poses import save_npz

SOURCE_REFERENCE = re.compile(r"\b\w+\.py:\d+")  # e.g. "align.py:99", as rich's Console.log adds


def run(*args):
    return CliRunner().invoke(cli, list(args), env={"COLUMNS": "200"})


@pytest.fixture
def pair(tmp_path):
    """Two views 9 frames apart; b's frame rate was assumed, which align warns about."""
    a = save_npz(sampled_track(240, 30.0, start_seconds=1.0), tmp_path / "a.npz")
    track = sampled_track(240, 30.0, start_seconds=1.0 - 9 / 30)
    track.meta["fps_source"] = "assumed"
    b = save_npz(track, tmp_path / "b.npz")
    return str(a), str(b)


def align_args(pair):
    return ["align", *pair, "--method", "simple", "--min-confidence", "0", "--json"]


def test_default_prints_messages_and_warnings_without_source_references(pair):
    res = run(*align_args(pair))
    assert res.exit_code == 0, res.output
    assert "simple: a.npz vs b.npz" in res.stderr
    assert "warning: " in res.stderr and "frame rate unknown" in res.stderr
    assert not SOURCE_REFERENCE.search(res.stderr), res.stderr
    assert json.loads(res.stdout)["method"] == "simple"


@pytest.mark.parametrize("where", ["group", "command"])
def test_quiet_prints_only_the_result(pair, where):
    args = ["-q", *align_args(pair)] if where == "group" else [*align_args(pair), "--quiet"]
    res = run(*args)
    assert res.exit_code == 0, res.output
    assert res.stderr == ""
    assert json.loads(res.stdout)["inputs"][1]["offset_frames"] == pytest.approx(9, abs=0.5)


def test_quiet_still_prints_errors(tmp_path):
    res = run("-q", "align", str(tmp_path / "missing.npz"), str(tmp_path / "other.npz"), "--method", "simple")
    assert res.exit_code == 5 and res.stderr.startswith(f"Error: {tmp_path / 'missing.npz'}: no such file")
    assert res.stderr.count("\n") == 1


@pytest.mark.parametrize("where", ["group", "command"])
def test_verbose_prints_debug_logs_with_their_source(pair, where):
    args = ["-v", *align_args(pair)] if where == "group" else [*align_args(pair), "--verbose"]
    res = run(*args)
    assert res.exit_code == 0, res.output
    assert "matched" in res.stderr and "DEBUG" in res.stderr  # the frame matching's debug line
    assert "matching.py:" in res.stderr  # with its source
    assert json.loads(res.stdout)["method"] == "simple"  # stdout is the result alone


def test_the_command_flag_wins_over_the_group_flag(pair):
    res = run("-v", *align_args(pair), "-q")
    assert res.exit_code == 0 and res.stderr == ""


def test_logging_is_restored_after_a_command(pair):
    logger = logging.getLogger("videosync")
    before = (list(logger.handlers), logger.level, logger.propagate)
    assert run("-v", *align_args(pair)).exit_code == 0
    assert (list(logger.handlers), logger.level, logger.propagate) == before

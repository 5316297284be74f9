"""No command replaces an existing output without --overwrite; it says which file, before working."""

import json

import pytest
from click.testing import CliRunner

from tests.synth.mocap_fixtures import write_bvh
from videosync.cli.main import cli


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], env={"COLUMNS": "200"})


def refused(res, path) -> bool:
    return res.exit_code == 1 and res.stderr.strip().endswith(f"{path}: already exists (add --overwrite to replace it)")


def test_poses_refuses_to_replace_its_output(tmp_path):
    out = tmp_path / "clip.npz"
    out.write_bytes(b"mine")
    res = run("poses", tmp_path / "clip.mp4", "-o", out)  # refused before the video is even opened
    assert refused(res, out) and out.read_bytes() == b"mine"
    res = run("poses", tmp_path / "clip.mp4", "--output", tmp_path / "clip")  # the old spelling; .npz added
    assert refused(res, out)


def test_eval_refuses_to_replace_its_json(tmp_path):
    out = tmp_path / "eval.json"
    out.write_text("[]")
    assert refused(run("eval", "--poses", tmp_path, "--json-out", out), out)


def test_train_continues_or_replaces_a_run_only_when_asked(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "last.pt").write_bytes(b"weights")
    res = run("train", "--poses", tmp_path / "data", "-o", tmp_path / "run")
    assert res.exit_code == 1 and "add --resume to continue that run, --overwrite to start over" in res.stderr
    assert (tmp_path / "run" / "last.pt").read_bytes() == b"weights"


@pytest.fixture
def mocap(tmp_path):
    for i in range(3):
        write_bvh(tmp_path / "mocap" / f"clip{i}.bvh", 720, seed=i)
    return tmp_path / "mocap"


def test_synth_replaces_a_dataset_only_with_overwrite(mocap, tmp_path):
    out = tmp_path / "ds"
    args = ["synth", "--mocap", mocap, "-o", out, "--views", "2", "--pairs-per-recording", "1"]
    assert run(*args).exit_code == 0
    (out / "mine.txt").write_text("kept unless replaced")
    res = run(*args, "--seed", "1")
    assert res.exit_code == 1 and "not empty" in res.stderr and (out / "mine.txt").exists()
    res = run(*args, "--seed", "1", "--overwrite")
    assert res.exit_code == 0, res.output
    assert json.loads((out / "manifest.json").read_text())["seed"] == 1 and not (out / "mine.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds", "mocap"]  # nothing left beside it


def test_synth_never_replaces_a_folder_that_is_not_a_dataset(mocap, tmp_path):
    out = tmp_path / "photos"
    out.mkdir()
    (out / "holiday.jpg").write_bytes(b"jpeg")
    res = run("synth", "--mocap", mocap, "-o", out, "--views", "2", "--overwrite")
    assert res.exit_code == 1 and "not a dataset" in res.stderr
    assert [p.name for p in out.iterdir()] == ["holiday.jpg"]

"""The align command: output formats and one-line errors (never a traceback)."""

import json

import pytest
from click.testing import CliRunner

from videosync.cli.main import cli
from videosync.poses import save_npz
from tests.sync.synth import sampled_track

EXAMPLE = "examples/pose2sim-balance"


@pytest.fixture
def two_files(tmp_path):
    a = save_npz(sampled_track(240, 30.0, start_seconds=1.0), tmp_path / "a.npz")
    b = save_npz(sampled_track(240, 30.0, start_seconds=1.0 - 9 / 30), tmp_path / "b.npz")
    return str(a), str(b)


def run(*args):
    return CliRunner().invoke(cli, list(args), env={"COLUMNS": "250"})


def test_json_output_is_one_document(two_files):
    res = run("align", "--poses", *two_files, "--method", "simple", "--json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["reference"] == two_files[0] and doc["method"] == "simple"
    assert [i["path"] for i in doc["inputs"]] == list(two_files)
    assert doc["inputs"][1]["offset_frames"] == pytest.approx(9, abs=0.2)


def test_table_output(two_files):
    res = run("align", *two_files, "--method", "simple")
    assert res.exit_code == 0, res.output
    assert "confidence" in res.stdout and "offset (frames)" in res.stdout
    row = next(line for line in res.stdout.splitlines() if "b.npz" in line)
    offset, _, error = row.split("│")[2].partition("±")
    assert float(offset) == pytest.approx(9, abs=0.2) and float(error) > 0


@pytest.mark.parametrize(
    "args, message",
    [
        (["align", "missing.npz", "other.npz", "--method", "simple"], "missing.npz: no such file"),
        # the old --poses flag is accepted and ignored: the kind of each input is detected
        (["align", "--poses", "a.mp4", "b.npz"], "a.mp4: no such file"),
        (["align", "x.npz"], "at least two"),
        (["align", "a.npz", "b.npz", "--size", "12by3"], "WIDTHxHEIGHT"),
    ],
)
def test_bad_input_gives_one_line_and_nonzero_exit(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = run(*args)
    assert res.exit_code != 0
    assert message in res.output
    assert "Traceback" not in res.output


def test_empty_and_unreadable_pose_inputs(tmp_path, two_files):
    empty = tmp_path / "empty_json"
    empty.mkdir()
    res = run("align", "--poses", str(empty), two_files[0], "--method", "simple")
    assert res.exit_code != 0 and "empty_json" in res.output and "Traceback" not in res.output
    bad = tmp_path / "bad.npz"
    bad.write_text("not a pose file")
    res = run("align", str(bad), two_files[0], "--method", "simple")
    assert res.exit_code == 5 and "bad.npz: unreadable" in res.output


def test_unrelated_inputs_are_refused_not_guessed(tmp_path):
    a = save_npz(sampled_track(200, 30.0, seed=1), tmp_path / "a.npz")
    b = save_npz(sampled_track(200, 30.0, seed=2), tmp_path / "b.npz")
    res = run("align", str(a), str(b), "--method", "simple", "--json")
    assert res.exit_code == 4
    assert "cannot synchronize" in res.output and res.stdout.strip() == ""


def test_missing_model_is_explained(two_files, monkeypatch, tmp_path):
    monkeypatch.setenv("VIDEOSYNC_MODEL", str(tmp_path / "nope.pt"))
    res = run("align", *two_files, "--method", "sesyn")
    assert res.exit_code == 3 and "nope.pt" in res.output and "Traceback" not in res.output


def test_too_few_overlapping_frames(tmp_path):
    a = save_npz(sampled_track(6, 30.0), tmp_path / "a.npz")
    b = save_npz(sampled_track(6, 30.0), tmp_path / "b.npz")
    res = run("align", str(a), str(b), "--method", "simple")
    assert res.exit_code == 4 and "cannot synchronize" in res.output


@pytest.mark.slow
@pytest.mark.parametrize("method, tolerance", [("ssm", 1.5), ("sesyn", 1.0)])
def test_example_json_folders_give_the_cut(method, tolerance):
    """The bundled example: cam03 was cut by 7 frames, so its offset is -7. The default path
    (sesyn + geometric refinement) must get it to the frame; the ssm baseline within 1.5
    (speed-xcorr answers -9 here, see the README's results)."""
    res = run("align", "--poses", f"{EXAMPLE}/cam01_json", f"{EXAMPLE}/cam03_json", "--method", method, "--json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["inputs"][1]["fps"] == 60.0
    assert doc["inputs"][1]["offset_frames"] == pytest.approx(-7, abs=tolerance)


def test_time_map_shows_one_line_per_segment(tmp_path):
    """B (offset +5) lost 3 frames from its frame 330 and 4 from 700, renumbered (the test of
    api's time map): with --time-map the table has the input's line and one per segment; without
    it the pair is refused as not constant."""
    from tests.sync.test_timemap import renumbered

    a = save_npz(sampled_track(1050, 30.0, 20.0), tmp_path / "a.npz")
    b = save_npz(renumbered(sampled_track(1050, 30.0, 20.0 - 5 / 30), [*range(330, 333), *range(700, 704)]),
                 tmp_path / "b.npz")
    res = run("align", str(a), str(b), "--method", "simple", "--time-map")
    assert res.exit_code == 0, res.output
    lines = [line for line in res.stdout.splitlines() if "frames " in line and "│" in line]
    assert len(lines) == 3 and "frames 0-" in lines[0]
    assert [round(float(line.split("│")[2].split("±")[0])) for line in lines] == [5, 2, -2]
    refused = run("align", str(a), str(b), "--method", "simple")
    assert refused.exit_code == 4 and "not constant" in refused.output

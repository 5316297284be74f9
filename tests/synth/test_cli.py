import json

from click.testing import CliRunner

from videosync.cli.synth import synth

from tests.synth.mocap_fixtures import bvh_text, write_bvh


def test_synth_command_writes_a_dataset(tmp_path):
    for i in range(3):
        write_bvh(tmp_path / "mocap" / f"clip{i}.bvh", 720, seed=i)   # 6 s: long enough for short pairs
    (tmp_path / "mocap" / "bad.bvh").write_text("")
    result = CliRunner().invoke(synth, ["--mocap", str(tmp_path / "mocap"), "--out", str(tmp_path / "ds"),
                                        "--seed", "1", "--views", "2", "--pairs-per-recording", "2"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "ds" / "manifest.json").read_text())
    assert manifest["preset"] == "short" and manifest["views_per_recording"] == 2
    assert len(manifest["recordings"]) == 3 and len(manifest["pairs"]) == 4   # 1 validation + 1 test clip
    assert "bad.bvh: empty file" in result.stderr
    assert result.stdout == ""


def test_synth_command_reports_bad_input_in_one_line(tmp_path):
    runner = CliRunner()
    (tmp_path / "empty").mkdir()
    result = runner.invoke(synth, ["--mocap", str(tmp_path / "empty"), "--out", str(tmp_path / "ds")])
    assert result.exit_code == 5
    assert result.stderr.strip() == f"Error: {tmp_path / 'empty'}: no .bvh or .amc motion files in this folder"
    odd = tmp_path / "odd.bvh"
    odd.write_text(bvh_text(20).replace("Head", "Skull"))
    result = runner.invoke(synth, ["--mocap", str(odd), "--out", str(tmp_path / "ds")])
    assert result.exit_code == 5
    assert result.stderr.startswith(f"Error: {odd}: unknown skeleton") and result.stderr.count("\n") == 1
    result = runner.invoke(synth, ["--mocap", str(odd), "--out", str(tmp_path / "ds"), "--views", "1"])
    assert result.exit_code != 0 and "--views" in result.stderr
    assert not (tmp_path / "ds").exists()

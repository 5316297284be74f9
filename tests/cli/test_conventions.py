"""The conventions every command follows: help for everything, one meaning per option name,
defaults that agree with the library, and a CLI that starts without the heavy libraries."""

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from videosync.cli.main import cli

REPO = Path(__file__).resolve().parents[2]
COMMANDS = sorted(cli.commands)


def help_text(*args: str) -> str:
    res = CliRunner().invoke(cli, [*args, "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    return res.output


def test_the_command_list_is_not_cut():
    text = " ".join(help_text().split())  # short helps may wrap; none may be shortened
    for name in COMMANDS:
        short = cli.commands[name].short_help
        assert short and len(short) <= 80, name
        assert short in text, f"{name}: {short!r} is not shown whole in videosync --help"
    assert "..." not in text.split("Commands:")[1].split("Exit codes:")[0]


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_and_parameter_has_help(name):
    command = cli.commands[name]
    ctx = click.Context(command, info_name=name, parent=click.Context(cli, info_name="videosync"))
    text = help_text(name)
    assert command.help and command.help.strip(), name
    assert "Examples:" in text and f"videosync {name} " in text.split("Examples:")[1], name
    for param in command.params:
        if isinstance(param, click.Argument):
            assert param.human_readable_name in command.help, f"{name}: {param.human_readable_name} not explained"
            continue
        assert param.help and param.help.strip(), f"{name} {param.opts[0]} has no help"
        if not param.hidden:
            record = param.get_help_record(ctx)
            assert record and record[1].strip(), f"{name} {param.opts[0]}"
            assert param.opts[-1] in text, f"{name} {param.opts[-1]} is not in the help"


def _options(name: str) -> dict[str, click.Option]:
    command = cli.commands[name]
    params = command.get_params(click.Context(command, info_name=name))
    return {opt: p for p in params if isinstance(p, click.Option) for opt in p.opts}


def test_one_meaning_per_option_name():
    writers = {"align", "trim", "poses", "synth", "train", "eval"}
    for name in COMMANDS:
        options = _options(name)
        assert "-q" in options and "-v" in options and "-h" in options, name
        if name in writers:
            assert options["--overwrite"].is_flag, name
        if "--json" in options:  # a flag printing to stdout; the file goes to --json-out
            assert options["--json"].is_flag and not options["--json-out"].is_flag, name
        if "--out" in options:  # every command's main output, with -o
            assert options["--out"] is options["-o"], name
        if "--poses" in options and name != "align":  # a folder of pose data
            assert isinstance(options["--poses"].type, click.Path) and not options["--poses"].type.file_okay, name
    assert _options("align")["--poses"].hidden and _options("align")["--poses"].is_flag
    assert _options("eval")["--data"].hidden and _options("poses")["--output"].hidden


def _align():
    from videosync.api import align

    return align


def test_sync_option_defaults_are_the_library_defaults():
    """align and trim pass their options to videosync.align as they are: with nothing given on
    the command line, the CLI must mean what the library means."""
    signature = inspect.signature(_align()).parameters
    for name in ("align", "trim"):
        command = cli.commands[name]
        ctx = command.make_context(name, ["a", "b", "-o", "x"] if name == "trim" else ["a", "b"])
        shared = [p for p in command.params if isinstance(p, click.Option) and p.name in signature]
        assert len(shared) >= 9, name
        for param in shared:
            assert ctx.params[param.name] == signature[param.name].default, f"{name} {param.opts[0]}"


def test_renamed_options_still_work(tmp_path):
    """Old spellings kept as hidden aliases: poses --output, eval --data."""
    res = CliRunner().invoke(cli, ["eval", "--data", str(tmp_path / "nothing")])
    assert res.exit_code == 5 and "manifest.json" in res.output
    res = CliRunner().invoke(cli, ["eval"])
    assert res.exit_code == 2 and "--poses" in res.output


def test_the_cli_does_not_import_the_heavy_libraries():
    """Defining the commands (what --help and a typo need) must not import torch, OpenCV,
    MediaPipe, matplotlib or SciPy: each is imported by the command that uses it."""
    code = ("import sys, json; import videosync.cli.main; "
            "print(json.dumps(sorted(m for m in ('torch', 'cv2', 'mediapipe', 'matplotlib', 'scipy', 'numpy') "
            "if m in sys.modules)))")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == []


def test_the_library_names_still_resolve():
    import videosync

    assert videosync.align.__module__ == "videosync.api"
    assert videosync.PoseTrack.__name__ == "PoseTrack" and callable(videosync.estimate_poses)
    assert set(videosync.__all__) <= set(dir(videosync))
    with pytest.raises(AttributeError):
        videosync.no_such_name  # noqa: B018

"""The trim command with known offsets, checked by decoding the frame numbers drawn in the frames."""

import pytest
from click.testing import CliRunner

from videosync.cli.main import cli
from tests.video.media import decode_numbers, make_video


def run(*args):
    return CliRunner().invoke(cli, list(args), env={"COLUMNS": "250"})


def test_trim_with_given_offsets_starts_every_copy_at_the_same_instant(tmp_path):
    a = make_video(tmp_path / "a.mp4", list(range(0, 40)))
    b = make_video(tmp_path / "b.mp4", list(range(100, 140)))  # b's frame j shows instant j - 6 of a... see below
    # offset +6 for b: frame i of a is frame i + 6 of b, so output b starts at b's frame 6
    res = run("trim", str(a), str(b), "--out", str(tmp_path / "out"), "--offsets", "0,6", "--common-end")
    assert res.exit_code == 0, res.output
    na, _, _ = decode_numbers(tmp_path / "out/a.mp4")
    nb, _, _ = decode_numbers(tmp_path / "out/b.mp4")
    assert na[0] == 0 and nb[0] == 106
    assert len(na) == len(nb) == 34  # common end: b has 34 frames from its frame 6


def test_trim_refuses_to_overwrite_and_names_the_file(tmp_path):
    a = make_video(tmp_path / "a.mp4", list(range(20)))
    b = make_video(tmp_path / "b.mp4", list(range(20)))
    out = tmp_path / "out"
    assert run("trim", str(a), str(b), "--out", str(out), "--offsets", "0,2").exit_code == 0
    res = run("trim", str(a), str(b), "--out", str(out), "--offsets", "0,2")
    assert res.exit_code != 0 and "a.mp4" in res.output and "Traceback" not in res.output
    assert run("trim", str(a), str(b), "--out", str(out), "--offsets", "0,3", "--overwrite").exit_code == 0


@pytest.mark.parametrize(
    "offsets, message",
    [("0,x", "comma-separated"), ("0", "one offset per video")],
)
def test_trim_bad_offsets(tmp_path, offsets, message):
    a = make_video(tmp_path / "a.mp4", list(range(10)))
    b = make_video(tmp_path / "b.mp4", list(range(10)))
    res = run("trim", str(a), str(b), "--out", str(tmp_path / "o"), "--offsets", offsets)
    assert res.exit_code != 0 and message in res.output
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_trim_of_a_file_that_is_not_a_video(tmp_path):
    a = make_video(tmp_path / "a.mp4", list(range(10)))
    fake = tmp_path / "notes.mp4"
    fake.write_text("hello")
    res = run("trim", str(a), str(fake), "--out", str(tmp_path / "o"), "--offsets", "0,1")
    assert res.exit_code != 0 and "notes.mp4" in res.output and "Traceback" not in res.output


@pytest.mark.slow
def test_trim_of_the_example_videos_realigns_to_zero(tmp_path, monkeypatch):
    """End to end on real video, offline: estimate (MediaPipe + sesyn + refinement), write the
    copies, then align the copies again. They must start at the same instant (0 +- 1 frame) and
    their first frames and lengths must be what the estimated offset implies."""
    import videosync

    monkeypatch.setenv("VIDEOSYNC_CACHE_DIR", str(tmp_path / "cache"))
    example = "examples/pose2sim-balance"
    videos = [f"{example}/cam01.mp4", f"{example}/cam03.mp4"]  # cam03 lost its first 7 frames
    result, alignment = videosync.trim(videos, tmp_path / "out", common_end=True, pose_backend="mediapipe")
    k = alignment.inputs[1].offset_frames
    assert k == pytest.approx(-7, abs=2.0)
    skip = round(-k)  # cam01's frame i = cam03's frame i + k: cam01 is cut by -k frames
    ref, other = result.videos
    assert (ref.first_frame, other.first_frame) == (skip, 0)
    assert ref.n_frames == other.n_frames == min(100 - skip, 93)
    assert ref.fps == other.fps == 60.0
    again = videosync.align([str(v.output) for v in result.videos], pose_backend="mediapipe", min_confidence=0)
    assert abs(again.inputs[1].offset_frames) <= 1.0


def test_trim_passes_the_person_choice_to_align(tmp_path, monkeypatch):
    import videosync.api
    from videosync.errors import CannotSynchronizeError

    seen = []

    def fake_align(videos, **options):
        seen.append(options["person"])
        raise CannotSynchronizeError("stop here")

    monkeypatch.setattr(videosync.api, "align", fake_align)
    a = make_video(tmp_path / "a.mp4", list(range(10)))
    b = make_video(tmp_path / "b.mp4", list(range(10)))
    assert run("trim", str(a), str(b), "--out", str(tmp_path / "o")).exit_code != 0
    assert run("trim", str(a), str(b), "--out", str(tmp_path / "o"), "--person", "1").exit_code != 0
    assert seen == [None, 1]  # default: the person the cameras share; else that rank everywhere
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_trim_json_and_json_out(tmp_path):
    import json

    a = make_video(tmp_path / "a.mp4", list(range(0, 20)))
    b = make_video(tmp_path / "b.mp4", list(range(100, 120)))
    doc_path = tmp_path / "trim.json"
    res = run("trim", str(a), str(b), "-o", str(tmp_path / "out"), "--offsets", "0,6", "--json",
              "--json-out", str(doc_path))
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)  # stdout is the document alone
    assert doc == json.loads(doc_path.read_text())
    assert [v["first_frame"] for v in doc["videos"]] == [0, 6] and doc["alignment"] is None
    assert [v["output"] for v in doc["videos"]] == [str(tmp_path / "out/a.mp4"), str(tmp_path / "out/b.mp4")]

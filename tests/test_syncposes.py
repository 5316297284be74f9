"""sync-poses (issue 19, item 3): pose files re-numbered onto the reference's frames, in the
layout Pose2Sim's synchronization writes (pose-sync/camXX_json) and as .npz. Expected numbers
worked out by hand."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from videosync.cli.main import cli
from videosync.errors import VideosyncError
from videosync.poses import load_poses
from videosync.sync.timemap import Segment, TimeMap
from videosync.syncposes import reference_numbers, renamed, write_synced_poses

JSON = "single-person/pose-json-index-is-video-frame-minus-1"


def stepped(segments: list[tuple[int, int, float]], rate: float = 1.0) -> TimeMap:
    segs = [Segment(first, last, off, 0.5) for first, last, off in segments]
    return TimeMap(segs, [], [s.offset_frames for s in segs], rate, rate)


def test_renamed_replaces_the_last_number_at_the_same_width():
    assert renamed("cam01.0012.json", 7) == "cam01.0007.json"
    assert renamed("cam01_000000000012_keypoints.json", 5) == "cam01_000000000005_keypoints.json"
    assert renamed("cam01.0012.json", 12345) == "cam01.12345.json"


def test_numbers_of_an_input_that_lost_frames():
    """B's frames 0..9 show the reference's -2..7 (offset +2), then B lost 3 frames: its frames
    10..16 show the reference's 11..17 (offset -1). Frames before the reference's 0 get none."""
    numbers = reference_numbers(stepped([(0, 9, 2.0), (10, 16, -1.0)]), np.arange(17))
    assert numbers.tolist() == [-1, -1, 0, 1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 14, 15, 16, 17]


def test_numbers_of_a_faster_clock_keep_the_nearer_frame():
    """B runs twice as fast (rate 2, offset 0): its frame j shows the reference's j / 2. Frames
    0 and 1 both round to 0 (1 is 0.5 away: 0 keeps it); 3 (1.5) and 5 (2.5) round to 2 where 4
    is exact; 2 -> 1 and 6 -> 3."""
    numbers = reference_numbers(stepped([(0, 6, 0.0)], rate=2.0), np.arange(7))
    assert numbers.tolist() == [0, -1, 1, -1, 2, -1, 3]


def test_numbers_of_an_offset_of_half_a_frame_keep_every_frame():
    """Offset +2.5: B's frame j shows the reference's j - 2.5, exactly between two of its frames.
    The later frame of B takes a tie (as trim's does): B's 3..9 are the reference's 0..6 (B's 9,
    at 6.5, is the only one near 7 too: numbered 6, the first); B's 2 (at -0.5) loses 0 to B's 3.
    (Rounding half to even numbered B's 2..9 0, 0, 2, 2, 4, 4, 6, 6 and kept every other one.)"""
    numbers = reference_numbers(stepped([(0, 9, 2.5)]), np.arange(10))
    assert numbers.tolist() == [-1, -1, -1, 0, 1, 2, 3, 4, 5, 6]


def openpose_folder(path: Path, numbers: list[int], prefix: str) -> Path:
    path.mkdir()
    for n in numbers:
        kp = np.ones((17, 3))
        kp[:, 0] = 100 + 10 * np.arange(17) + n
        kp[:, 1] = 200 + 5 * np.arange(17)
        person = {"pose_keypoints_2d": kp.ravel().tolist()}
        (path / f"{prefix}.{n:04d}.json").write_text(json.dumps({"version": 1.3, "people": [person], "frame": n}))
    return path


def test_written_folders_follow_the_time_map_and_leave_lost_frames_out(tmp_path):
    """Reference frames 0..19; B (frames 0..16) lost 3 frames as above. B's copy holds files
    numbered 0..7 and 11..17 (the content of its frames 2..9 and 10..16); 8, 9, 10 have none."""
    a = openpose_folder(tmp_path / "cam01_json", list(range(20)), "cam01")
    b = openpose_folder(tmp_path / "cam02_json", list(range(17)), "cam02")
    tracks = [load_poses(a, fps=30, size=(640, 480)), load_poses(b, fps=30, size=(640, 480))]
    out = tmp_path / "pose-sync"
    written = write_synced_poses([a, b], tracks, [None, stepped([(0, 9, 2.0), (10, 16, -1.0)])], out)
    assert sorted(p.name for p in out.iterdir()) == ["cam01_json", "cam01_json.npz", "cam02_json", "cam02_json.npz"]
    assert sorted(p.name for p in (out / "cam01_json").iterdir()) == [f"cam01.{n:04d}.json" for n in range(20)]
    names = sorted(p.name for p in (out / "cam02_json").iterdir())
    assert names == [f"cam02.{n:04d}.json" for n in [*range(8), *range(11, 18)]]
    assert json.loads((out / "cam02_json" / "cam02.0000.json").read_text())["frame"] == 2  # B's frame 2
    assert json.loads((out / "cam02_json" / "cam02.0011.json").read_text())["frame"] == 10
    assert written[1].missing == [8, 9, 10] and (written[1].first_frame, written[1].last_frame) == (0, 17)
    synced = load_poses(out / "cam02_json.npz")
    assert synced.frame_index.tolist() == [*range(8), *range(11, 18)]
    assert np.allclose(synced.keypoints, tracks[1].keypoints[2:])
    with pytest.raises(VideosyncError, match="exists"):
        write_synced_poses([a, b], tracks, [None, stepped([(0, 16, 0.0)])], out)
    assert names == sorted(p.name for p in (out / "cam02_json").iterdir())  # untouched


def test_cli_with_given_offsets(tmp_path):
    """B's files are the reference's numbered 5 later (offset +5): its copy carries the
    reference's numbers 0..14 for B's 5..19."""
    a = openpose_folder(tmp_path / "cam01_json", list(range(20)), "cam01")
    b = openpose_folder(tmp_path / "cam02_json", list(range(5, 25)), "cam02")
    out = tmp_path / "pose-sync"
    res = CliRunner().invoke(cli, ["sync-poses", str(a), str(b), "-o", str(out), "--offsets", "0,5", "--fps", "30",
                                   "--size", "640x480", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert [o["first_frame"] for o in doc["outputs"]] == [0, 0] and doc["outputs"][1]["last_frame"] == 19
    assert sorted(p.name for p in (out / "cam02_json").iterdir()) == [f"cam02.{n:04d}.json" for n in range(20)]
    assert json.loads((out / "cam02_json" / "cam02.0000.json").read_text())["frame"] == 5


def test_inside_reading_once_a_folder_is_read_once_per_options(tmp_path, monkeypatch):
    from videosync.poses import load as pose_load

    a = openpose_folder(tmp_path / "cam01_json", list(range(5)), "cam01")
    reads = counted_reads(monkeypatch)
    with pose_load.reading_once():
        first = load_poses(a, fps=30, size=(640, 480))
        with pose_load.reading_once():  # an inner block shares the outer one's reads
            assert load_poses(str(a), fps=30, size=(640, 480)) is first
        other = load_poses(a, fps=25, size=(640, 480))
    assert reads == [(a.name, 0), (a.name, 0)] and other.fps == 25
    load_poses(a, fps=30, size=(640, 480))  # outside: read again
    assert reads == [(a.name, 0)] * 3


def counted_reads(monkeypatch) -> list[tuple[str, int]]:
    """The OpenPose folders read from now on: name and person."""
    from videosync.poses import load as pose_load

    reads = []
    original = pose_load.load_openpose_dir
    monkeypatch.setattr(pose_load, "load_openpose_dir",
                        lambda path, **kw: reads.append((Path(path).name, kw["person"])) or original(path, **kw))
    return reads


def test_cli_refuses_a_video_and_time_map_with_offsets(tmp_path):
    a = openpose_folder(tmp_path / "cam01_json", list(range(5)), "cam01")
    video = tmp_path / "cam02.mp4"
    video.write_bytes(b"")
    res = CliRunner().invoke(cli, ["sync-poses", str(a), str(video), "-o", str(tmp_path / "out"), "--offsets", "0,0"])
    assert res.exit_code == 1 and "pose files" in res.output
    res = CliRunner().invoke(cli, ["sync-poses", str(a), str(a), "-o", str(tmp_path / "o"), "--time-map",
                                   "--offsets", "0,0"])
    assert res.exit_code == 2
    assert not (tmp_path / "out").exists() and not (tmp_path / "o").exists()


@pytest.mark.slow
def test_real_demo_estimated_with_a_time_map(demo_dir, tmp_path, monkeypatch):
    """The real Pose2Sim demo (true offset 0): B is cam02 with its first 6 files removed and the
    rest renumbered from 0 (B's frame j is the reference's j + 6, offset -6). The copy gets the
    reference's numbers back: cam02.0006 .. cam02.0099, the same bytes as the originals. Each
    input is read once, by the alignment, for the writer too."""
    src = demo_dir / JSON / "cam02_json"
    b = tmp_path / "cam02_json"
    b.mkdir()
    for n in range(6, 100):
        shutil.copyfile(src / f"cam02.{n:04d}.json", b / f"cam02.{n - 6:04d}.json")
    out = tmp_path / "pose-sync"
    reads = counted_reads(monkeypatch)
    res = CliRunner().invoke(cli, ["sync-poses", str(demo_dir / JSON / "cam01_json"), str(b), "-o", str(out),
                                   "--time-map", "--fps", "60", "--json"])
    assert res.exit_code == 0, res.output
    # the main subject of each once (the writer's read too); another person only where one is seen
    assert len(set(reads)) == len(reads) and {("cam01_json", 0), ("cam02_json", 0)} <= set(reads), reads
    doc = json.loads(res.stdout)
    assert len(doc["alignment"]["inputs"][1]["segments"]) == 1
    assert doc["alignment"]["inputs"][1]["offset_frames"] == pytest.approx(-6, abs=1)
    names = sorted(p.name for p in (out / "cam02_json").iterdir())
    assert names == [f"cam02.{n:04d}.json" for n in range(6, 100)]
    assert (out / "cam02_json" / "cam02.0050.json").read_bytes() == (src / "cam02.0050.json").read_bytes()

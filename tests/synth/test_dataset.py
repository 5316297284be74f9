import json
import re
import logging
from pathlib import Path

import numpy as np
import pytest

import videosync.synth.dataset as ds
from videosync.errors import PoseFileError
from videosync.poses.npz import load_npz
from videosync.datasets import read_manifest
from videosync.synth import MocapError, Preset, SynthError, build_dataset
from videosync.synth.dataset import assign_splits, discover_clips, draw_pair

from tests.synth.mocap_fixtures import bvh_text, write_bvh

TINY = Preset("tiny", 30.0, 40, 10)   # 40-frame windows, offsets in [-10, 10]: clips need 50 frames


@pytest.fixture(scope="module")
def mocap(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("mocap")
    for i in range(8):
        write_bvh(root / "walks" / f"walk_{i}.bvh", 240, seed=i)     # 2 s -> 60 frames at 30 fps
    write_bvh(root / "walks" / "short.bvh", 150, seed=99)           # 38 frames: training only
    (root / "walks" / "broken.bvh").write_text("")                  # skipped with a warning
    return root


@pytest.fixture(scope="module")
def built(mocap, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("out") / "ds"
    build_dataset(mocap, out, preset=TINY, seed=3, views=3, pairs_per_recording=5)
    return out


def test_pairs_have_equal_length_windows_with_the_true_offset(built):
    man = read_manifest(built)
    assert man.pairs, "validation/test pairs expected"
    recs = {r.id: r for r in man.recordings}
    for pair, raw in zip(man.pairs, man.raw["pairs"]):
        a, b = load_npz(pair.a), load_npz(pair.b)
        assert len(a) == len(b) == TINY.window_frames
        np.testing.assert_array_equal(a.frame_index, np.arange(TINY.window_frames))
        np.testing.assert_array_equal(b.frame_index, np.arange(TINY.window_frames))
        u, v = load_npz(recs[pair.recording].views[raw["view_a"]]), load_npz(recs[pair.recording].views[raw["view_b"]])
        starts = [s for s in range(len(u) - TINY.window_frames + 1)
                  if np.array_equal(u.keypoints[s:s + TINY.window_frames], a.keypoints)]
        assert len(starts) == 1
        s, k = starts[0], int(pair.offset_frames)
        # Sign convention: frame i of a (instant s + i) is frame i + k of b, both cut from
        # synchronized views, so b's frame i + k must be instant s + i of view v.
        i = np.arange(TINY.window_frames)
        inside = (i + k >= 0) & (i + k < TINY.window_frames)
        assert inside.sum() == TINY.window_frames - abs(k)
        np.testing.assert_array_equal(b.keypoints[i[inside] + k], v.keypoints[s + i[inside]])


def test_nothing_in_a_pair_depends_on_its_offset(built):
    man = read_manifest(built)
    offsets = {p.offset_frames for p in man.pairs}
    assert len(offsets) >= 3
    shapes, keys = set(), set()
    for pair in man.pairs:
        a, b = load_npz(pair.a), load_npz(pair.b)
        shapes.add((a.keypoints.shape, b.keypoints.shape, a.frame_index[-1], b.frame_index[-1]))
        keys.add((tuple(sorted(a.meta)), tuple(sorted(b.meta))))
        assert re.fullmatch(re.escape(pair.recording) + r"-p\d\d", pair.id)   # names carry no offset
        for track in (a, b):
            assert not {"start", "offset", "offset_frames", "frame_start"} & set(track.meta)
    assert len(shapes) == 1 and len(keys) == 1


def test_splits_are_by_clip_and_deterministic(mocap, built, tmp_path):
    raw = json.loads((built / "manifest.json").read_text())
    splits = raw["splits"]
    seen = [c for s in splits.values() for c in s]
    assert len(seen) == len(set(seen)) == 9                                  # 8 walks + short clip
    assert splits["validation"] and splits["test"]
    assert "walks/short" in splits["train"]                                 # too short for pairs
    for rec in raw["recordings"]:
        assert rec["clip"] in splits[rec["split"]]
        assert len(rec["views"]) == 3
    for pair in raw["pairs"]:
        assert pair["split"] in ("validation", "test")
        assert -TINY.max_offset_frames <= pair["offset_frames"] <= TINY.max_offset_frames
    assert [s["path"] for s in raw["skipped"]] == ["walks/broken.bvh"]
    assert raw["version"] == 1 and raw["preset"] == "tiny" and raw["fps"] == 30.0 and raw["seed"] == 3
    assert raw["licences"] == [{"dataset": "walks", "licence": "unknown", "clips": 9}]
    again = build_dataset(mocap, tmp_path / "again", preset=TINY, seed=3, views=3, pairs_per_recording=5)
    assert again == raw
    first = raw["pairs"][0]
    np.testing.assert_array_equal(load_npz(built / first["a"]).keypoints,
                                  load_npz(tmp_path / "again" / first["a"]).keypoints)
    other = build_dataset(mocap, tmp_path / "other", preset=TINY, seed=4, views=3, pairs_per_recording=5)
    assert (other["splits"], other["pairs"]) != (raw["splits"], raw["pairs"])


def test_assign_splits_is_stable_and_complete():
    ids = [f"c{i}" for i in range(20)]
    a = assign_splits(ids, 1)
    assert a == assign_splits(list(reversed(ids)), 1)
    assert sorted(a) == sorted(ids)
    assert sum(v == "test" for v in a.values()) == 3 and sum(v == "validation" for v in a.values()) == 3
    assert set(assign_splits(ids[:2], 1).values()) == {"train"}


def test_draw_pair_keeps_both_windows_inside_the_clip():
    rng = np.random.default_rng(0)
    for _ in range(500):
        u, v, s, k = draw_pair(50, 3, TINY, rng)
        assert u != v and -10 <= k <= 10
        assert 0 <= s and s + 40 <= 50 and 0 <= s - k and s - k + 40 <= 50
    with pytest.raises(ValueError):
        draw_pair(49, 3, TINY, rng)


def test_discover_clips_keeps_one_file_per_capture(tmp_path):
    for rel in ("bvh/01_01.bvh", "amc/01_01.amc", "amc/01.asf", "bvh/02_03.bvh", "other/walk.bvh"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    clips, dups = discover_clips(tmp_path)
    assert [c.rel for c in clips] == ["amc/01_01.amc", "bvh/02_03.bvh", "other/walk.bvh"]
    assert dups == [{"path": "bvh/01_01.bvh", "same_capture_as": "amc/01_01.amc"}]


def test_read_manifest_rejects_broken_folders(built, tmp_path):
    with pytest.raises(PoseFileError, match="no manifest.json"):
        read_manifest(tmp_path)
    raw = json.loads((built / "manifest.json").read_text())
    (tmp_path / "manifest.json").write_text(json.dumps({**raw, "version": 7}))
    with pytest.raises(PoseFileError, match="unsupported manifest version 7"):
        read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps(raw))
    with pytest.raises(PoseFileError, match="is missing"):
        read_manifest(tmp_path)   # the listed .npz files are not in this folder
    (tmp_path / "manifest.json").write_text("{")
    with pytest.raises(PoseFileError, match="unreadable manifest"):
        read_manifest(tmp_path)


def test_a_failure_leaves_nothing_behind(mocap, tmp_path, monkeypatch):
    calls = {"n": 0}
    real = ds.save_npz

    def failing(track, path):
        calls["n"] += 1
        if calls["n"] > 5:
            raise OSError("disk full")
        return real(track, path)

    monkeypatch.setattr(ds, "save_npz", failing)
    with pytest.raises(OSError):
        build_dataset(mocap, tmp_path / "ds", preset=TINY, views=2)
    assert list(tmp_path.iterdir()) == []


def test_existing_non_empty_output_is_refused(mocap, tmp_path):
    out = tmp_path / "ds"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(SynthError, match="not empty"):
        build_dataset(mocap, out, preset=TINY)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_bad_inputs_name_the_file(tmp_path, caplog):
    with pytest.raises(MocapError, match="no .bvh or .amc motion files") as info:
        build_dataset(tmp_path, tmp_path / "out")
    assert str(tmp_path) in str(info.value)
    empty = tmp_path / "empty.bvh"
    empty.write_text("")
    with pytest.raises(MocapError, match="empty.bvh: empty file"):
        build_dataset(empty, tmp_path / "out")
    odd = tmp_path / "odd.bvh"
    odd.write_text(bvh_text(50).replace("Head", "Skull"))
    with pytest.raises(MocapError, match="odd.bvh: unknown skeleton"):
        build_dataset(odd, tmp_path / "out")
    # In a folder, bad files are skipped with a warning, but a folder with nothing usable fails.
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "a.bvh").write_text("")
    with caplog.at_level(logging.WARNING, logger="videosync"):
        with pytest.raises(MocapError, match="none of the 1 motion files could be used"):
            build_dataset(folder, tmp_path / "out")
    assert "a.bvh: empty file" in caplog.text
    assert not (tmp_path / "out").exists()

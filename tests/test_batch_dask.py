"""Batch on a Dask LocalCluster of 2 workers, over sessions cut from the real Pose2Sim demo.

The sessions and their true offsets are built in tests/batch_sessions.py (hand-derived from the
cuts). These tests start real clusters and a video session needs MediaPipe: all slow.
"""

from __future__ import annotations

import csv
import glob
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import videosync
from videosync.estimate.cache import video_hash
from tests.batch_sessions import BAD, EXPECTED, VIDEO_SESSION, build_sessions, build_video_session
from tests.conftest import DEMO, REPO

pytestmark = pytest.mark.slow
pytest.importorskip("distributed")
psutil = pytest.importorskip("psutil")  # comes with distributed

SINGLE = DEMO / "single-person"
VIDEOSYNC = [sys.executable, "-c", "from videosync.cli.main import cli; cli()"]


@pytest.fixture(scope="module")
def pose_cache(tmp_path_factory):
    """A fresh pose cache for this module; the workers inherit it with the environment."""
    if not DEMO.exists():
        pytest.skip("../shared/data/pose2sim-demo is not present")
    patch = pytest.MonkeyPatch()
    path = tmp_path_factory.mktemp("pose-cache")
    patch.setenv("VIDEOSYNC_CACHE_DIR", str(path))
    yield path
    patch.undo()


@pytest.fixture(scope="module")
def cluster(pose_cache):
    """A LocalCluster of 2 workers that the runs in this process share (one start, not one per
    run); the command-line runs below start their own, the default."""
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as local:
        yield local.scheduler_address


@pytest.fixture(scope="module")
def uninterrupted(cluster, tmp_path_factory):
    """Every demo session and the video session, synchronized in one run."""
    root = build_sessions(SINGLE, tmp_path_factory.mktemp("all") / "sessions")
    build_video_session(SINGLE, root)
    out = root.parent / "out"
    return root, out, videosync.align_many(root, out, scheduler=cluster)


def table(out: Path, root: Path, sessions=None) -> list[dict]:
    """results.csv without the seconds taken (the one column that differs between runs) and with
    paths relative to the sessions' folder."""
    rows = list(csv.DictReader((out / "results.csv").open()))
    return [{k: (v.replace(str(root), "") if k == "reason" else v) for k, v in r.items() if k != "seconds"}
            for r in rows if sessions is None or r["session"] in sessions]


def test_good_sessions_within_one_frame_and_bad_ones_with_their_reasons(uninterrupted, pose_cache, cluster):
    root, out, result = uninterrupted
    assert result.runner == f"on the Dask cluster at {cluster} (2 workers now)"
    assert result.left_out == [root / "notes"]
    docs = {doc["session"]: doc for doc in result.results}
    for name, expected in [*EXPECTED.items(), VIDEO_SESSION]:
        assert docs[name]["status"] == "ok", docs[name]["reason"]
        got = {row["input"]: row["offset_frames"] for row in docs[name]["rows"]}
        assert got.keys() == expected.keys()
        for label, k in expected.items():
            assert got[label] == pytest.approx(k, abs=1.0), (name, label, got)
    for name, reason in BAD.items():
        assert docs[name]["status"] == "failed" and reason in docs[name]["reason"], docs[name]
    assert len(table(out, root)) == sum(len(e) for e in EXPECTED.values()) + len(VIDEO_SESSION[1]) + len(BAD)
    # the videos' poses were estimated by their own tasks, into the cache the sync task read
    cached = {p.name[:32] for p in (pose_cache / "poses").glob("*.npz")}
    assert {video_hash(root / VIDEO_SESSION[0] / name)[:32] for name in VIDEO_SESSION[1]} <= cached


def test_a_rerun_skips_finished_sessions(uninterrupted):
    root, out, first = uninterrupted
    stamps = {p: p.stat().st_mtime_ns for p in out.glob("*.json")}
    before = (out / "results.csv").read_bytes()
    again = videosync.align_many(root, out)
    assert again.runner == "nothing to do" and again.skipped == len(first.results)
    assert {p: p.stat().st_mtime_ns for p in out.glob("*.json")} == stamps
    assert (out / "results.csv").read_bytes() == before


def _start(root: Path, out: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([*VIDEOSYNC, "batch", str(root), "-o", str(out), "--workers", "2"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_new_result(out: Path, known: set[str], proc: subprocess.Popen) -> set[str]:
    """Wait until a session result not in ``known`` appears (the one-camera session's is written
    before any work starts); return the results then."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        found = {Path(p).name for p in glob.glob(str(out / "*.json"))} - {"s06-one-camera.json"}
        if found - known:
            return found
        time.sleep(0.05)
    raise AssertionError(f"no new result within 120 s (exit code {proc.poll()})")


def test_interrupted_and_killed_runs_resume_to_the_same_table(uninterrupted, cluster, tmp_path):
    full_root, full_out, _ = uninterrupted
    root = build_sessions(SINGLE, tmp_path / "sessions")
    out = tmp_path / "out"
    names = set(EXPECTED) | set(BAD)

    proc = _start(root, out)  # 1. Ctrl-C after the first result: exit 130 and one line
    done = _wait_for_new_result(out, set(), proc)
    workers = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1].startswith("interrupted: ") and "Traceback" not in err
    assert not psutil.wait_procs(workers, timeout=20)[1]

    stamps = {p.name: p.stat().st_mtime_ns for p in out.glob("*.json")}
    proc = _start(root, out)  # 2. resumed, then killed outright after its first new result
    _wait_for_new_result(out, set(stamps), proc)
    workers = psutil.Process(proc.pid).children(recursive=True)
    proc.kill()
    proc.wait()
    assert not psutil.wait_procs(workers, timeout=20)[1], "workers outlived their killed batch"
    left = names - {p.stem for p in out.glob("*.json")}
    assert left, "the batch ended before it was killed: nothing left to resume"
    assert all((out / n).stat().st_mtime_ns == t for n, t in stamps.items())  # finished ones not redone

    resumed = videosync.align_many(root, out, scheduler=cluster)  # 3. resumed to the end
    assert resumed.skipped == len(names) - len(left)
    assert table(out, root) == table(full_out, full_root, names)


"""videosync.align_many / batch: session discovery, result files, resume, in this process.

The runs here use synthetic pose files (fast); the runs on a Dask LocalCluster over sessions cut
from the real Pose2Sim demo are in test_batch_dask.py.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

import videosync
from videosync.batch import runners
from videosync.batch.results import rows_of, write_table
from videosync.batch.sessions import Session, discover_sessions, session_inputs
from videosync.batch.tasks import failure, pose_window
from videosync.errors import CannotSynchronizeError, PoseFileError, VideosyncError
from videosync.poses import save_npz
from tests.sync.synth import sampled_track


def touch(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# -- discovery -------------------------------------------------------------------------------

def test_pose_data_is_preferred_to_its_video_and_cameras_come_in_natural_order(tmp_path):
    s = tmp_path / "s"
    for name in ("cam10.mp4", "cam2.mp4", "cam1.mp4", "cam2_json/cam2.0000.json", "notes.txt"):
        touch(s / name)
    save_npz(sampled_track(10, 30.0), s / "cam1.npz")
    # cam2_json was made from cam2.mp4 and cam1.npz has cam1.mp4's name: neither video is an input
    assert [p.name for p in session_inputs(s)] == ["cam1.npz", "cam2_json", "cam10.mp4"]


def test_pose2sim_layout_one_level_down(tmp_path):
    s = tmp_path / "trial"
    for name in ("videos/cam01.mp4", "videos/cam02.mp4", "pose/cam01_json/cam01.0000.json",
                 "pose/cam02_json/cam02.0000.json", "calibration/Calib.toml"):
        touch(s / name)
    inputs = session_inputs(s)
    assert [p.relative_to(s).as_posix() for p in inputs] == ["pose/cam01_json", "pose/cam02_json"]
    assert Session("trial", tuple(inputs), s).label(inputs[1]) == "pose/cam02_json"


def test_discovery_from_a_folder_a_glob_and_a_csv_list(tmp_path):
    for name in ("day1/a/x.mp4", "day1/a/y.mp4", "day1/b/x.mp4", "day1/b/y.mp4", "day1/empty/readme.txt",
                 "day2/a/x.mp4", "day2/a/y.mp4", "loose/u.mp4", "loose/v.mp4"):
        touch(tmp_path / name)
    sessions, left_out = discover_sessions(tmp_path / "day1")
    assert [s.name for s in sessions] == ["a", "b"] and left_out == [tmp_path / "day1" / "empty"]
    # a glob over two days: names are unique relative to the common parent
    sessions, _ = discover_sessions(str(tmp_path / "day*" / "a"))
    assert [s.name for s in sessions] == ["day1/a", "day2/a"]
    touch(tmp_path / "list.csv", "session,path\nfirst,day1/a\nmine,loose/u.mp4\nmine,loose/v.mp4\n")
    sessions, _ = discover_sessions(tmp_path / "list.csv")
    assert [(s.name, [p.name for p in s.inputs]) for s in sessions] == [
        ("first", ["x.mp4", "y.mp4"]), ("mine", ["u.mp4", "v.mp4"])]
    touch(tmp_path / "folders.csv", "path\nday1/b\nday2/a\n")  # no session column: a folder per row
    sessions, _ = discover_sessions(tmp_path / "folders.csv")
    assert [(s.name, len(s.inputs)) for s in sessions] == [("day1/b", 2), ("day2/a", 2)]


@pytest.mark.parametrize("source, message", [
    ("nowhere", "no such folder, glob pattern or .csv"),
    ("bad.csv", "needs a header with a 'path' column"),
    ("gone.csv", "no such folder"),
])
def test_discovery_errors_name_the_problem(tmp_path, source, message):
    touch(tmp_path / "bad.csv", "folder\nx\n")
    with pytest.raises(VideosyncError, match=message):
        discover_sessions(tmp_path / source)


# -- the pieces of a result --------------------------------------------------------------------

def test_failures_are_classified_by_the_error_kind():
    assert failure(CannotSynchronizeError("no overlap"))["status"] == "refused"
    bad = failure(PoseFileError("unreadable", "a.npz"))
    assert bad["status"] == "failed" and bad["reason"] == "a.npz: unreadable" and bad["exit_code"] == PoseFileError.exit_code
    try:
        1 / 0
    except ZeroDivisionError as exc:
        bug = failure(exc)
    assert bug["status"] == "error" and bug["reason"] == "ZeroDivisionError: division by zero" and "Traceback" in bug["traceback"]


def test_pose_tasks_ask_for_the_window_align_will_read():
    """align reads the reference over [start, start + duration] and the others with max_offset
    frames more on each side (api.align's load); a pose task must ask for the same frames."""
    opts = {"start": 2.0, "duration": 5.0, "max_offset_frames": 30, "person": None}
    assert pose_window(0, opts) == {"person": 0, "pose_backend": "auto", "start": 2.0, "duration": 5.0, "margin_frames": 0.0}
    assert pose_window(2, {**opts, "person": 1, "pose_backend": "mediapipe"})["margin_frames"] == 30.0
    assert pose_window(1, {})["margin_frames"] == 0.0


def test_table_rows_and_the_uncertainty_column(tmp_path):
    ok = {"session": "s1", "status": "ok", "reason": "", "seconds": 2.5, "rows": [
        {"input": "a.npz", "offset_frames": 0.0, "offset_seconds": 0.0, "confidence": 1.0},
        {"input": "b.npz", "offset_frames": 9.0, "offset_seconds": 0.3, "uncertainty_frames": 0.4, "confidence": 0.9}]}
    bad = {"session": "s2", "status": "failed", "reason": "b.npz: unreadable", "seconds": 0.1}
    assert [r["input"] for r in rows_of(ok)] == ["a.npz", "b.npz"] and rows_of(ok)[0]["uncertainty_frames"] is None
    assert rows_of(bad) == [{"session": "s2", "input": "", "offset_frames": None, "offset_seconds": None,
                             "uncertainty_frames": None, "confidence": None, "status": "failed",
                             "reason": "b.npz: unreadable", "seconds": 0.1}]
    (table, *_) = write_table(tmp_path, [ok, bad])
    rows = list(csv.DictReader(table.open()))
    assert [(r["session"], r["input"], r["offset_frames"], r["uncertainty_frames"], r["status"]) for r in rows] == [
        ("s1", "a.npz", "0.0", "", "ok"), ("s1", "b.npz", "9.0", "0.4", "ok"), ("s2", "", "", "", "failed")]


def test_parquet_table_when_pyarrow_is_installed(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    doc = {"session": "s1", "status": "ok", "reason": "", "seconds": 1.0,
           "rows": [{"input": "b.npz", "offset_frames": -3.0, "offset_seconds": -0.1, "confidence": 0.8}]}
    paths = write_table(tmp_path, [doc])
    assert [p.name for p in paths] == ["results.csv", "results.parquet"]
    table = pq.read_table(paths[1]).to_pylist()
    assert table[0]["offset_frames"] == -3.0 and table[0]["uncertainty_frames"] is None


# -- whole runs, in this process ---------------------------------------------------------------

@pytest.fixture
def synthetic_sessions(tmp_path):
    """good-9: b starts 9 frames earlier in the motion, so b's frame i + 9 shows a's frame i (k = +9);
    good-m4: b starts 4 frames later (k = -4); broken: b.npz is not a pose file."""
    root = tmp_path / "sessions"
    for name, shift in (("good-9", 9), ("good-m4", -4)):
        save_npz(sampled_track(240, 30.0, start_seconds=1.0), root / name / "a.npz")
        save_npz(sampled_track(240, 30.0, start_seconds=1.0 - shift / 30), root / name / "b.npz")
    save_npz(sampled_track(240, 30.0, start_seconds=1.0), root / "broken" / "a.npz")
    touch(root / "broken" / "b.npz", "not a zip file")
    return root


def test_sequential_batch_results_resume_and_redo(synthetic_sessions, tmp_path):
    out = tmp_path / "out"
    seen = []
    result = videosync.align_many(synthetic_sessions, out, sequential=True, method="simple",
                                  on_progress=lambda p: seen.append((p.done, p.failed, p.total)))
    assert seen == [(0, 0, 3), (1, 1, 3), (2, 1, 3), (3, 1, 3)]  # broken, good-9, good-m4 (name order)
    by_name = {doc["session"]: doc for doc in result.results}
    assert by_name["good-9"]["rows"][1]["offset_frames"] == pytest.approx(9, abs=0.2)
    assert by_name["good-m4"]["rows"][1]["offset_frames"] == pytest.approx(-4, abs=0.2)
    assert by_name["broken"]["status"] == "failed" and "broken/b.npz" in by_name["broken"]["reason"]
    assert json.loads((out / "good-9.json").read_text())["alignment"]["method"] == "simple"
    stamps = {p.name: p.stat().st_mtime_ns for p in out.glob("*.json")}

    again = videosync.align_many(synthetic_sessions, out, sequential=True, method="simple")
    assert again.runner == "nothing to do" and again.skipped == 3 and again.stale == []
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.json")} == stamps
    assert [d["status"] for d in again.results] == ["failed", "ok", "ok"]

    other = videosync.align_many(synthetic_sessions, out, sequential=True, method="ssm")
    assert other.runner == "nothing to do" and other.stale == ["broken", "good-9", "good-m4"]
    redone = videosync.align_many(synthetic_sessions, out, sequential=True, method="simple", redo=True)
    assert redone.skipped == 0 and all(p.stat().st_mtime_ns > stamps[p.name] for p in out.glob("*.json"))


def test_a_session_that_ended_in_an_error_is_done_again(synthetic_sessions, tmp_path):
    out = tmp_path / "out"
    touch(out / "good-9.json", json.dumps({"session": "good-9", "status": "error", "reason": "KilledWorker: ..."}))
    result = videosync.align_many(synthetic_sessions, out, sequential=True, method="simple")
    assert result.skipped == 0 and [d["status"] for d in result.results] == ["failed", "ok", "ok"]


def test_without_dask_batch_runs_in_this_process_and_says_so(synthetic_sessions, tmp_path, monkeypatch):
    monkeypatch.setattr(runners, "dask_available", lambda: False)
    result = videosync.align_many({"one": [synthetic_sessions / "good-9" / "a.npz", synthetic_sessions / "good-9" / "b.npz"]},
                                  tmp_path / "out", method="simple")
    assert result.runner == f"sequentially in this process: {runners.DASK_MISSING}"
    assert result.results[0]["rows"][1]["offset_frames"] == pytest.approx(9, abs=0.2)
    with pytest.raises(VideosyncError, match="need Dask"):
        videosync.align_many(synthetic_sessions, tmp_path / "out2", scheduler="tcp://127.0.0.1:8786")


def test_options_align_does_not_take_are_refused_before_any_work(synthetic_sessions, tmp_path):
    with pytest.raises(TypeError, match="max_offset"):
        videosync.align_many(synthetic_sessions, tmp_path / "out", max_offset=30)
    with pytest.raises(TypeError, match="on_progress|on_message"):
        videosync.align_many(synthetic_sessions, tmp_path / "out", on_message=print)
    assert not (tmp_path / "out").exists()


def test_an_output_that_is_a_file_is_refused(synthetic_sessions, tmp_path):
    touch(tmp_path / "out")
    with pytest.raises(VideosyncError, match="must be a folder"):
        videosync.align_many(synthetic_sessions, tmp_path / "out", sequential=True)
    assert os.path.getsize(tmp_path / "out") == 0


class _CountingBackend:
    """Stands in for MediaPipe (same name and model, so the same cache entries): one person whose
    joints move with the frame number. Counts how many times a video is put through it."""

    made = 0

    def __init__(self) -> None:
        from videosync.estimate.mediapipe_backend import MODEL_NAME

        type(self).made += 1
        self.name, self.model = "mediapipe", MODEL_NAME

    def estimate(self, frames, info):
        import numpy as np

        from tests.sync.synth import pose_at

        for frame in frames:
            yield frame.index, pose_at(np.array([frame.index / info.fps]))[None, 0].astype(np.float32) * 2

    def describe(self):
        return {"backend": self.name, "model": self.model}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


def test_each_video_is_estimated_once_align_reads_what_its_pose_task_cached(demo_dir, tmp_path, monkeypatch):
    """With an analysis window (start, duration, max offset), a pose task must cache the very
    frames align then asks for, or every video is estimated twice."""
    from videosync.estimate import api as estimate_api

    monkeypatch.setenv("VIDEOSYNC_CACHE_DIR", str(tmp_path / "cache"))  # fake poses stay out of the real cache
    monkeypatch.setattr(estimate_api, "create_backend", lambda *a, **k: _CountingBackend())
    monkeypatch.setattr(_CountingBackend, "made", 0)
    videos = demo_dir / "single-person" / "videos"
    videosync.align_many({"s": [videos / "cam01.mp4", videos / "cam02.mp4"]}, tmp_path / "out", sequential=True,
                         pose_backend="mediapipe", start=0.2, duration=0.5, max_offset_frames=10, method="simple")
    assert _CountingBackend.made == 2


def test_pose_tasks_go_to_the_workers_that_have_the_resources_they_ask_for(demo_dir, tmp_path, monkeypatch):
    """A cluster of a GPU worker and a CPU worker (threads of this process, so the stand-in
    backend applies): every video's pose estimation runs on the GPU worker."""
    distributed = pytest.importorskip("distributed")
    from videosync.estimate import api as estimate_api

    where = []

    class Recording(_CountingBackend):
        def __init__(self) -> None:
            super().__init__()
            where.append(distributed.get_worker().name)

    monkeypatch.setenv("VIDEOSYNC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(estimate_api, "create_backend", lambda *a, **k: Recording())
    videos = demo_dir / "single-person" / "videos"
    worker = {"cls": distributed.Worker, "options": {"nthreads": 1}}
    spec = {"gpu": {**worker, "options": {"nthreads": 1, "resources": {"GPU": 1}}}, "cpu": worker}
    sessions = {"s": [videos / "cam01.mp4", videos / "cam02.mp4"], "t": [videos / "cam03.mp4", videos / "cam04.mp4"]}
    with distributed.SpecCluster(workers=spec, scheduler={"cls": distributed.Scheduler, "options": {"dashboard_address": ":0"}}) as cluster:
        result = videosync.align_many(sessions, tmp_path / "out", scheduler=cluster.scheduler_address,
                                      pose_resources={"GPU": 1}, pose_backend="mediapipe", duration=0.3,
                                      method="simple", min_confidence=0)
    assert where == ["gpu"] * 4, where
    assert [d["status"] for d in result.results] == ["ok", "ok"], result.results
    with pytest.raises(VideosyncError, match="need a cluster whose workers declare them"):
        videosync.align_many(sessions, tmp_path / "out2", pose_resources={"GPU": 1})

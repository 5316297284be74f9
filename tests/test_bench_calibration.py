"""The calibration benchmark's runner: evidence, cache, one align call per role, real-pair cuts,
and (slow) the whole script on a few cases."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from videosync.poses.track import PoseTrack
from videosync.reliability import read_records
from videosync.synth.cases import CaseSpec, build_case, catalogue

from tests.synth.mocap_fixtures import write_bvh

from benchmarks.calibration.real import pair
from benchmarks.calibration.runner import Job, code_fingerprint, estimate_evidence, flatten, pending, run_align


@dataclasses.dataclass
class Inner:
    score: float
    curve: np.ndarray
    ok: bool = True


def test_flatten_keeps_every_scalar_and_drops_long_arrays():
    value = {"a": 1, "b": np.float32(0.5), "c": float("nan"), "d": Inner(2.0, np.arange(100)),
             "e": (3, 4), "f": [{"x": 1}, {"x": 2}], "g": np.arange(3), "h": "text", "i": object()}
    assert flatten(value) == {"a": 1, "b": 0.5, "c": None, "d.score": 2.0, "d.ok": True, "e.0": 3, "e.1": 4,
                              "f.0.x": 1, "f.1.x": 2, "g.0": 0, "g.1": 1, "g.2": 2, "h": "text"}


def test_the_engines_own_evidence_wins_over_its_diagnostics():
    @dataclasses.dataclass
    class Estimate:
        confidence: float
        diagnostics: dict
        evidence: dict | None = None
        notes: list = dataclasses.field(default_factory=list)

    assert estimate_evidence(Estimate(0.5, {"x": 1}, {"votes": 2.0})) == ({"votes": 2.0}, "evidence")
    got, source = estimate_evidence(Estimate(0.5, {"x": 1, "arr": np.zeros(50)}, notes=["n"]))
    assert source == "diagnostics"
    assert got == {"x": 1, "estimate.confidence": 0.5, "estimate.evidence": None, "estimate.n_notes": 1}


def test_the_fingerprint_follows_the_engine_not_the_report(tmp_path):
    for rel in ("videosync/sync/fit.py", "videosync/reliability.py", "videosync/cli/main.py",
                "models/sesyn.pt", "models/MODEL_CARD.md", "benchmarks/calibration/runner.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(rel)
    first = code_fingerprint(tmp_path)
    for rel in ("videosync/reliability.py", "videosync/cli/main.py", "models/MODEL_CARD.md"):
        (tmp_path / rel).write_text("changed")
    assert code_fingerprint(tmp_path) == first
    for rel in ("videosync/sync/fit.py", "models/sesyn.pt", "benchmarks/calibration/runner.py"):
        (tmp_path / rel).write_text("changed " + rel)
        assert code_fingerprint(tmp_path) != first
        first = code_fingerprint(tmp_path)


def test_only_jobs_missing_a_role_for_this_spec_and_code_are_pending(tmp_path):
    path = tmp_path / "r.jsonl"
    recs = [{"case": "a", "role": "engine", "spec": "s1", "fingerprint": "f"},
            {"case": "a", "role": "baseline", "spec": "s1", "fingerprint": "f"},
            {"case": "b", "role": "engine", "spec": "s1", "fingerprint": "f"},
            {"case": "c", "role": "engine", "spec": "s1", "fingerprint": "old"},
            {"case": "c", "role": "baseline", "spec": "s1", "fingerprint": "old"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    jobs = [Job(c, "calib", "synthetic", d) for c, d in (("a", "s1"), ("b", "s1"), ("c", "s1"), ("a", "s2"))]
    roles = ("engine", "baseline")
    assert [(j.case, j.digest) for j in pending(jobs, path, "f", roles, redo=False)] == [("b", "s1"), ("c", "s1"), ("a", "s2")]
    assert len(pending(jobs, path, "f", roles, redo=True)) == 4


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    root = tmp_path_factory.mktemp("mocap")
    write_bvh(root / "walk.bvh", 720, seed=1)
    clips = {c.clip_id: c for c in catalogue(root)}
    spec = CaseSpec(id="t-0000", split="calib", seed=3, clips=tuple(clips), repeated=True, overlap_s=4.0, offset_s=0.3,
                    fps_a=30.0, fps_b=30.0, rate_unknown=False, body="full", camera=("train", "train"),
                    noise=("clean", "clean"))
    return build_case(spec, clips)


def test_one_align_call_gives_the_answer_its_error_and_the_evidence(case):
    out = run_align(case.a, case.b, case.truth, {"method": "speed-xcorr", "refine": False})
    assert not out["refused"] and out["crash"] is None
    answer = out["answer"]
    assert set(answer) >= {"offset_frames", "rate", "confidence", "uncertainty_frames", "candidates"}
    assert out["error_frames"] == pytest.approx(abs(answer["offset_frames"] - 9.0), abs=1e-3)  # 0.3 s at 30 fps
    assert out["within_1"] == (out["error_frames"] <= 1.0)
    assert "method_confidence" in out["evidence"] and out["evidence_from"] == "assessment"
    assert out["inputs"][1]["fps_source"] == "video" and out["wall_s"] > 0
    json.dumps(out)  # every field is JSON


def test_a_refusal_is_recorded_with_its_message(case):
    empty = case.b.with_keypoints(np.zeros_like(case.b.keypoints))
    out = run_align(case.a, empty, case.truth, {"method": "speed-xcorr", "refine": False})
    assert out["refused"] and out["answer"] is None and "cannot synchronize" in out["refusal"]
    assert out["crash"] is None


def test_real_pairs_are_equal_windows_with_the_cut_offset():
    kp = np.ones((100, 17, 3), dtype=np.float32)
    track = PoseTrack(kp, fps=60.0, width=100, height=100)
    a, b = pair(track, track, 5, length=80)
    assert len(a.track) == len(b.track) == 80
    assert a.track.frame_index[0] == b.track.frame_index[0] == 0
    np.testing.assert_allclose(a.times[0] - b.times[0], 5 / 60)  # A starts at frame 12, B at 7
    from videosync.synth.scenarios import true_offsets

    assert true_offsets(a, b, 1.0).offset_range == pytest.approx((5.0, 5.0))


@pytest.mark.slow
def test_the_benchmark_runs_resumes_and_reports(tmp_path, mocap_dir, demo_dir):
    from benchmarks import bench_calibration

    args = ["--split", "report", "--limit", "2", "--workers", "1", "--real", "openpose-json", "--out", str(tmp_path),
            "--doc", str(tmp_path / "results.md"), "--figures", str(tmp_path / "figures")]
    bench_calibration.main(args)
    lines = (tmp_path / "report.jsonl").read_text().splitlines()
    records = read_records(tmp_path / "report.jsonl")
    assert len(lines) == len(records) == 8  # 2 synthetic + 2 real pairs, engine and baseline
    assert {r["role"] for r in records} == {"engine", "baseline"}
    assert {r["kind"] for r in records} == {"synthetic", "real"}
    doc = (tmp_path / "results.md").read_text()
    assert "<!-- begin bench_calibration_report -->" in doc and "ECE" in doc
    assert (tmp_path / "figures" / "calibration_report.png").is_file()
    bench_calibration.main(args)  # everything cached: nothing appended
    assert (tmp_path / "report.jsonl").read_text().splitlines() == lines

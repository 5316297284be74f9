"""Run every case through ``videosync.align`` and append one JSON line per case and method.

Each case runs twice: the engine as users run it (``align([a, b], min_confidence=0.0)``: the
forced guess, sesyn with the geometric refinement, default options) and a simple baseline
(``method="speed-xcorr"``, no refinement). A record (:func:`run_align`) holds::

    case, split, kind ("synthetic" | "real"), role ("engine" | "baseline"), method, refine,
    fingerprint (of the code and model), spec (digest of the case), tags, truth (scenarios.Truth),
    refused (no answer even at threshold 0), refusal (its message), crash (an exception that is
    not a refusal), answer {offset_frames, offset_seconds, rate, confidence, and, once results
    carry them, uncertainty_frames, uncertainty_seconds, candidates, segments},
    error_frames (worst over the overlap, frames of B), within_1, wall_s,
    evidence (the pair estimate's ``evidence`` dict if it has one, else every scalar of its
    diagnostics, fit and fields), evidence_from, notes, warnings, inputs (what the engine read
    from each track: fps and where it came from, image size source, frames, quarter turns)

Results are cached by case, spec digest and code fingerprint: a rerun skips what is done (the
file is append-only, so a killed run loses at most the cases in flight), and recomputes
everything after a change of the engine, the model or the cases.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import time
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np

from videosync.reliability import WITHIN_FRAMES, read_records

REPO = Path(__file__).resolve().parents[2]
#: The two ways each case is run: role -> align options besides ``min_confidence=0``.
ENGINE = {"method": "sesyn", "refine": True}
BASELINES = {"speed-xcorr": {"method": "speed-xcorr", "refine": False},
             "simple": {"method": "simple", "refine": False}}
#: Answer fields read from the result when present (added by the trust issue).
OPTIONAL_ANSWER = ("uncertainty_frames", "uncertainty_seconds", "candidates", "segments")
#: Code that does not change an answer: edits to it keep the cache.
NOT_ENGINE = ("videosync/reliability.py", "videosync/cli/")


def code_fingerprint(repo: Path = REPO) -> str:
    """sha256 (16 hex digits) of the package's code, the model files and this benchmark's parts."""
    files = sorted(p for p in (repo / "videosync").rglob("*.py")
                   if not any(p.relative_to(repo).as_posix().startswith(n) for n in NOT_ENGINE))
    files += sorted(p for p in (repo / "models").iterdir() if p.is_file() and p.suffix != ".md")
    files += sorted((repo / "benchmarks" / "calibration").glob("*.py"))
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(repo).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# ---------------------------------------------------------------------------------- evidence
def _scalar(value: Any) -> Any:
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer, int)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return float(value) if math.isfinite(value) else None
    return value


def flatten(value: Any, prefix: str = "", depth: int = 3, limit: int = 8) -> dict[str, Any]:
    """Every scalar in ``value`` (dicts, dataclasses, short sequences, nested ``depth`` deep) as
    ``{"a.b.0": scalar}``; arrays longer than ``limit`` and other objects are left out; NaN and
    infinity become None (JSON has neither)."""
    key = prefix.rstrip(".")
    if value is None or isinstance(value, (bool, int, float, str, np.bool_, np.integer, np.floating)):
        return {key: _scalar(value)}
    if depth < 0:
        return {}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, np.ndarray):
        value = value.tolist() if value.size <= limit else None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, (list, tuple)) and len(value) <= limit:
        items = enumerate(value)
    else:
        return {}
    out: dict[str, Any] = {}
    for k, v in items:
        out.update(flatten(v, f"{prefix}{k}.", depth - 1, limit))
    return out


def estimate_evidence(estimate: Any) -> tuple[dict[str, Any], str]:
    """What the pair estimate says about itself: its ``evidence`` dict once the engine has one,
    else every scalar of its diagnostics, its fit (``fit.``) and its own fields (``estimate.``)."""
    evidence = getattr(estimate, "evidence", None)
    if isinstance(evidence, dict):
        return flatten(evidence), "evidence"
    out = flatten(getattr(estimate, "diagnostics", {}) or {})
    if getattr(estimate, "fit", None) is not None:
        out.update(flatten(estimate.fit, "fit.", depth=1))
    own = {f.name: getattr(estimate, f.name) for f in dataclasses.fields(estimate)
           if f.name not in ("diagnostics", "fit", "notes")} if dataclasses.is_dataclass(estimate) else {}
    out.update(flatten(own, "estimate.", depth=1))
    out["estimate.n_notes"] = len(getattr(estimate, "notes", []) or [])
    return {k: v for k, v in out.items() if k}, "diagnostics"


# ---------------------------------------------------------------------------------- one call
def plain(value: Any) -> Any:
    """``value`` as JSON data: dataclasses as dicts, numpy values as lists and numbers."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [plain(v) for v in value]
    return _scalar(value)


def _optional(result: Any, name: str) -> Any:
    """An answer field of the input's entry, the pair or its estimate, whichever has it."""
    for holder in (result.inputs[1], result.pairs[0] if result.pairs else None,
                   result.pairs[0].estimate if result.pairs else None):
        value = getattr(holder, name, None)
        if value is not None:
            return plain(value)
    return None


def run_align(a: Any, b: Any, truth: Any, options: dict[str, Any]) -> dict[str, Any]:
    """One ``align`` call, forced (``min_confidence=0``), as the record's answer part."""
    import videosync
    from videosync.errors import CannotSynchronizeError

    out: dict[str, Any] = {"refused": False, "refusal": None, "crash": None, "answer": None,
                           "evidence": {}, "evidence_from": None, "notes": [], "warnings": []}
    start = time.perf_counter()
    try:
        result = videosync.align([a, b], min_confidence=0.0, **options)
    except CannotSynchronizeError as exc:
        out.update(refused=True, refusal=str(exc), refusal_reason=getattr(exc, "reason", None))
    except Exception as exc:  # a bug: recorded so that the run goes on and the report counts it
        out.update(refused=True, crash=f"{exc.__class__.__name__}: {exc}",
                   refusal=traceback.format_exc(limit=3)[-600:])
    out["wall_s"] = round(time.perf_counter() - start, 4)
    if not out["refused"]:
        entry = result.inputs[1]
        answer = {"offset_frames": float(entry.offset_frames), "offset_seconds": float(entry.offset_seconds),
                  "rate": float(entry.rate), "confidence": float(entry.confidence)}
        answer.update({name: _optional(result, name) for name in OPTIONAL_ANSWER})
        estimate = result.pairs[0].estimate if result.pairs else None
        assessment = result.pairs[0].assessment if result.pairs else None
        if assessment is not None:  # the engine's own evidence (videosync.trust.evidence)
            evidence, source = dict(assessment.evidence), "assessment"
            answer["reason"] = None if entry.reason is None else str(entry.reason)
        else:
            evidence, source = estimate_evidence(estimate) if estimate is not None else ({}, None)
        error = truth.worst_error(answer["offset_frames"], answer["rate"])
        out.update(answer=answer, evidence=evidence, evidence_from=source, notes=list(getattr(estimate, "notes", [])),
                   warnings=list(result.warnings), error_frames=round(error, 4), within_1=error <= WITHIN_FRAMES,
                   inputs=[track_facts(t) for t in result.tracks])
    return out


def track_facts(track: Any) -> dict[str, Any]:
    """What the engine knows about an input track (not the truth)."""
    return {"fps": track.fps, "fps_source": track.meta.get("fps_source"), "size_source": track.size_source,
            "frames": len(track), "valid_frames": track.n_valid, "upright_turns": track.meta.get("upright_turns", 0)}


# ---------------------------------------------------------------------------------- jobs
@dataclass
class Job:
    """One case to run: a synthetic spec (built in the worker) or a real pair (tracks given)."""

    case: str
    split: str
    kind: str
    digest: str
    spec: dict[str, Any] | None = None
    real: Any = None


_CLIPS: dict[str, Any] = {}


def init_worker(clips: dict[str, Any]) -> None:
    """Each worker: one torch thread (two workers share the machine's cores), the clip catalogue."""
    import torch

    torch.set_num_threads(1)
    _CLIPS.clear()
    _CLIPS.update(clips)


def run_job(job: Job, roles: dict[str, dict[str, Any]], fingerprint: str) -> list[dict[str, Any]]:
    """Every role's record for one case."""
    if job.kind == "synthetic":
        from videosync.synth.cases import CaseSpec, build_case

        case = build_case(CaseSpec.from_json(job.spec), _CLIPS)
        a, b, truth, tags = case.a, case.b, case.truth, case.tags
    else:
        a, b, truth, tags = job.real.a, job.real.b, job.real.truth, job.real.tags
    head = {"case": job.case, "split": job.split, "kind": job.kind, "fingerprint": fingerprint,
            "spec": job.digest, "tags": tags, "truth": truth.to_json()}
    return [{**head, "role": role, **options, **run_align(a, b, truth, options)} for role, options in roles.items()]


def pending(jobs: list[Job], path: Path, fingerprint: str, roles: Iterable[str], redo: bool) -> list[Job]:
    """The jobs without a record of the same spec and fingerprint for every role."""
    if redo:
        return list(jobs)
    done: dict[str, set[str]] = {}
    for rec in read_records(path, fingerprint):
        done.setdefault(f"{rec['case']}/{rec.get('spec')}", set()).add(rec["role"])
    need = set(roles)
    return [j for j in jobs if not need <= done.get(f"{j.case}/{j.digest}", set())]


def run_jobs(jobs: list[Job], path: Path, roles: dict[str, dict[str, Any]], fingerprint: str, clips: dict[str, Any],
             workers: int = 2, on_done: Callable[[int], None] | None = None) -> int:
    """Run ``jobs`` (in ``workers`` processes; 1 runs them here), appending each record to
    ``path`` as soon as it is made. Returns the number of jobs run."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        def write(records: list[dict[str, Any]]) -> None:
            fh.write("".join(json.dumps(r) + "\n" for r in records))
            fh.flush()
            if on_done:
                on_done(1)

        if workers <= 1:
            init_worker(clips)
            for job in jobs:
                write(run_job(job, roles, fingerprint))
            return len(jobs)
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=init_worker,
                                 initargs=(clips,)) as pool:
            queue = list(reversed(jobs))
            running = set()
            try:
                while queue or running:
                    while queue and len(running) < 2 * workers:  # a few ahead, not all at once
                        running.add(pool.submit(run_job, queue.pop(), roles, fingerprint))
                    finished, running = wait(running, return_when=FIRST_COMPLETED)
                    for future in finished:
                        write(future.result())
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    return len(jobs)

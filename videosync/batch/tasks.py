"""The work of a batch, as plain functions a Dask worker (or this process) runs.

Two kinds of task: the pose estimation of one video (the expensive part, so each video is a task
of its own that any worker, or a GPU worker, can take), and the synchronization of one session,
which runs after its videos' pose tasks and finds their poses in the pose cache
(:mod:`videosync.estimate.cache`). Both catch every exception and return plain data, so one bad
session is a recorded result and never an error that stops the others.
"""

from __future__ import annotations

import time
import traceback
from typing import Any

from videosync.batch.sessions import Session
from videosync.errors import CannotSynchronizeError, VideosyncError
from videosync.video.probe import is_video_path


def failure(exc: BaseException) -> dict[str, Any]:
    """Status, reason and exit code of an exception (see :data:`~videosync.batch.results.STATUSES`)."""
    if isinstance(exc, CannotSynchronizeError):
        status = "refused"
    elif isinstance(exc, VideosyncError):
        status = "failed"
    else:
        return {"status": "error", "reason": f"{type(exc).__name__}: {exc}", "exit_code": None,
                "traceback": "".join(traceback.format_exception(exc))}
    return {"status": status, "reason": str(exc), "exit_code": exc.exit_code}


def pose_window(index: int, options: dict[str, Any]) -> dict[str, Any]:
    """The part of input ``index`` whose poses :func:`videosync.align` will ask for.

    The same window as align's, so that align finds this task's poses in the cache: the reference
    (index 0) over ``[start, start + duration]``, the others widened by ``max_offset_frames``.
    """
    return {
        "person": options.get("person") or 0,
        "pose_backend": options.get("pose_backend", "auto"),
        "start": options.get("start"),
        "duration": options.get("duration"),
        "margin_frames": float(options.get("max_offset_frames") or 0) if index else 0.0,
    }


def estimate_task(path: str, index: int, options: dict[str, Any]) -> dict[str, Any]:
    """Estimate the poses of one video into the pose cache; report how it went, never raise."""
    from videosync.api import load_input

    began = time.perf_counter()
    try:
        load_input(path, **pose_window(index, options))
        outcome: dict[str, Any] = {"status": "ok"}
    except Exception as exc:  # noqa: BLE001 - recorded as this session's result
        outcome = failure(exc)
    return {"path": path, **outcome, "seconds": time.perf_counter() - began}


def video_inputs(session: Session) -> list[tuple[int, str]]:
    """``(index, path)`` of the session's inputs that need pose estimation."""
    return [(i, str(p)) for i, p in enumerate(session.inputs) if is_video_path(p)]


def document(session: Session, options: dict[str, Any], seconds: float | None, **fields: Any) -> dict[str, Any]:
    """The JSON document of one session's result (see :mod:`videosync.batch.results`)."""
    from videosync import __version__

    doc = {"session": session.name, "folder": str(session.folder) if session.folder else None,
           "inputs": [str(p) for p in session.inputs], "status": "ok", "reason": "",
           "seconds": None if seconds is None else round(seconds, 3), "options": options,
           "videosync": __version__}
    doc.update(fields)
    return doc


def sync_task(session: Session, poses: list[dict[str, Any]], options: dict[str, Any],
              trim_dir: str | None = None, overwrite: bool = False) -> dict[str, Any]:
    """Synchronize one session (after its pose tasks, whose reports are ``poses``); never raise."""
    began = time.perf_counter()
    pose_seconds = sum(p["seconds"] for p in poses)
    bad = next((p for p in poses if p["status"] != "ok"), None)
    if bad is not None:
        return document(session, options, pose_seconds, **{k: v for k, v in bad.items() if k not in ("path", "seconds")})
    fields: dict[str, Any] = {}
    try:
        from videosync.api import align

        # full: the pose tasks estimated every frame (cached); other frames would be estimated again
        result = align([str(p) for p in session.inputs], **{**options, "full": True})
        fields["alignment"] = result.to_json()
        fields["rows"] = [_row(session, entry) for entry in result.inputs]
        if trim_dir is not None:
            fields["trimmed"] = _trim(session, result, trim_dir, overwrite)
    except Exception as exc:  # noqa: BLE001 - recorded as this session's result
        fields.update(failure(exc))
    return document(session, options, pose_seconds + time.perf_counter() - began, **fields)


def _row(session: Session, entry) -> dict[str, Any]:
    uncertainty = getattr(entry, "uncertainty_frames", None)  # appears once align reports it
    return {
        "input": session.label(entry.path),
        "offset_frames": round(float(entry.offset_frames), 3),
        "offset_seconds": round(float(entry.offset_seconds), 6),
        "uncertainty_frames": None if uncertainty is None else round(float(uncertainty), 3),
        "confidence": round(float(entry.confidence), 4),
    }


def _trim(session: Session, result, trim_dir: str, overwrite: bool) -> list[str] | str:
    """Synchronized copies of the session's videos; a session of pose data has none to make."""
    if not all(is_video_path(p) for p in session.inputs):
        return "not trimmed: the inputs are pose data, not videos"
    from videosync.api import trim

    try:
        written, _ = trim([str(p) for p in session.inputs], trim_dir,
                          offsets_frames=[e.offset_frames for e in result.inputs], overwrite=overwrite)
    except VideosyncError as exc:
        raise VideosyncError(f"trim: {exc}") from exc
    return [str(v.output) for v in written.videos]

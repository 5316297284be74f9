"""What a batch writes: one JSON document per session, and the summary table of all of them.

The per-session JSON is the record of truth (written atomically as each session ends, so a crash
loses at most the sessions in flight); ``results.csv`` (and ``results.parquet`` when pyarrow is
installed) is rebuilt from those documents at the end of every run, so a resumed run gives the
same table as one that was never interrupted.
"""

from __future__ import annotations

import csv
import json
import logging
from pathlib import Path
from typing import Any

from videosync.batch.sessions import Session
from videosync.fileio import atomic_path

log = logging.getLogger(__name__)

#: ``ok``: synchronized; ``refused``: the inputs were read but do not give a trustworthy offset
#: (CannotSynchronizeError); ``failed``: an input or output problem (unreadable file, no person);
#: ``error``: anything else (a lost worker, a bug), which says nothing about the data.
STATUSES = ("ok", "refused", "failed", "error")
#: Statuses that are a verdict on the session's data: a re-run skips them unless asked to redo.
FINAL = ("ok", "refused", "failed")

COLUMNS = ("session", "input", "offset_frames", "offset_seconds", "uncertainty_frames", "confidence",
           "status", "reason", "seconds")

TABLE_CSV = "results.csv"
TABLE_PARQUET = "results.parquet"


def result_path(out_dir: Path, session: Session) -> Path:
    return out_dir / f"{session.name}.json"


def read_result(out_dir: Path, session: Session) -> dict[str, Any] | None:
    """The session's recorded result, or None when there is none (an unreadable one counts as none)."""
    path = result_path(out_dir, session)
    if not path.is_file():
        return None
    try:
        doc = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        log.warning("%s: unreadable, the session is done again (%s)", path, exc)
        return None
    return doc if isinstance(doc, dict) and doc.get("status") in STATUSES else None


def write_result(out_dir: Path, doc: dict[str, Any]) -> Path:
    path = out_dir / f"{doc['session']}.json"
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(doc, indent=2) + "\n")
    return path


def rows_of(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The table rows of one session: one per input when it has offsets, else one with the reason."""
    common = {"session": doc["session"], "status": doc["status"], "reason": doc.get("reason", ""),
              "seconds": doc.get("seconds")}
    entries = doc.get("rows") or [{"input": ""}]
    return [{**dict.fromkeys(COLUMNS, None), **common, **entry} for entry in entries]


def write_table(out_dir: Path, docs: list[dict[str, Any]]) -> list[Path]:
    """``results.csv`` (and ``results.parquet`` if pyarrow is importable) of these sessions."""
    rows = [row for doc in docs for row in rows_of(doc)]
    written = [out_dir / TABLE_CSV]
    with atomic_path(written[0]) as tmp:
        with open(tmp, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return written
    table = pa.Table.from_pylist(rows, schema=_schema(pa))
    written.append(out_dir / TABLE_PARQUET)
    with atomic_path(written[1], suffix=".parquet") as tmp:
        pq.write_table(table, tmp)
    return written


def _schema(pa):
    number = {"offset_frames", "offset_seconds", "uncertainty_frames", "confidence", "seconds"}
    return pa.schema([(c, pa.float64() if c in number else pa.string()) for c in COLUMNS])

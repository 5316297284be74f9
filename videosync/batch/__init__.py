"""Batch synchronization of many sessions, on this machine or a Dask cluster (``videosync batch``).

:func:`align_many` is the entry point; :mod:`.sessions` finds the sessions, :mod:`.tasks` is the
work one worker does, :mod:`.runners` hands it to Dask (or runs it here), :mod:`.results` writes
the per-session JSON and the summary table.
"""

from videosync.batch.api import BatchProgress, BatchResult, align_many
from videosync.batch.sessions import Session, discover_sessions

__all__ = ["BatchProgress", "BatchResult", "Session", "align_many", "discover_sessions"]

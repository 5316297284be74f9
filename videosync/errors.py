"""The one way videosync reports a problem with its input.

Library code raises a :class:`VideosyncError` whose message starts with the offending path, e.g.
``"cam1.npz: no frame has a valid joint"``. The CLI prints that one line and exits non-zero; any
other exception escaping the library is a bug, not a user error.
"""

from __future__ import annotations

from pathlib import Path


class VideosyncError(Exception):
    """A problem the user can fix (bad input, missing model, impossible request)."""

    exit_code = 1

    def __init__(self, message: str, path: str | Path | None = None) -> None:
        self.path = str(path) if path is not None else None
        super().__init__(f"{path}: {message}" if path is not None else message)


class PoseFileError(VideosyncError):
    """A pose file or folder is missing, unreadable, empty or in an unknown layout."""

    exit_code = 2


class VideoError(VideosyncError):
    """A video cannot be opened, decoded or written."""

    exit_code = 2


class ModelError(VideosyncError):
    """No usable SeSyn-Net checkpoint."""

    exit_code = 3


class CannotSynchronizeError(VideosyncError):
    """The inputs are valid but do not determine an offset (too little overlap, no motion...).

    Raised instead of returning a number we do not trust: a confident wrong offset (worst of all a
    silent 0) is the most harmful thing this tool can output.
    """

    exit_code = 4

    def __init__(self, reason: str, path: str | Path | None = None) -> None:
        super().__init__(f"cannot synchronize: {reason}", path)

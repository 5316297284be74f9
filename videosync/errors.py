"""The one way videosync reports a problem with its input.

Library code raises a :class:`VideosyncError` whose message starts with the offending path, e.g.
``"cam1.npz: no frame has a valid joint"``. The CLI prints that one line and exits with the
error's ``exit_code`` (:data:`EXIT_CODES`); any other exception escaping the library is a bug, not
a user error.
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

    exit_code = 5


class VideoError(VideosyncError):
    """A video cannot be opened, decoded or written."""

    exit_code = 5


class NoPersonError(VideoError):
    """Pose estimation found nobody in a video (its sound may still synchronize it)."""


class OutputError(VideosyncError):
    """An output cannot be written: a full or read-only disk, a missing folder, or a path that would
    replace an input."""


class OutputExistsError(OutputError):
    """An output file exists and ``overwrite`` was not given. The CLI shows :attr:`cli_message`,
    which names its option rather than the Python argument."""

    def __init__(self, path: str | Path) -> None:
        super().__init__("already exists (pass overwrite=True to replace it)", path)
        self.cli_message = f"{path}: already exists (add --overwrite to replace it)"

    def __reduce__(self):  # rebuilt from the path when pickled (Dask workers send errors back)
        return type(self), (self.path,)


class ModelError(VideosyncError):
    """No usable SeSyn-Net checkpoint."""

    exit_code = 3


class CannotSynchronizeError(VideosyncError):
    """The inputs are valid but do not determine an offset (too little overlap, no motion...).

    Raised instead of returning a number we do not trust: a confident wrong offset (worst of all a
    silent 0) is the most harmful thing this tool can output.
    """

    exit_code = 4

    def __init__(self, message: str, path: str | Path | None = None, *, reason: str | None = None,
                 candidates: list | None = None) -> None:
        super().__init__(f"cannot synchronize: {message}", path)
        #: the key of :class:`videosync.trust.reasons.Reason` when known (``"repeated_motion"``)
        self.reason = reason
        #: the candidate offsets (``{"offset_frames", "probability"}``) when the motion repeats
        self.candidates = list(candidates or [])


#: click's own code for a usage error (unknown command or option, a bad value); ours stay clear of it.
USAGE_EXIT_CODE = 2
#: Ctrl-C, as shells report a process ended by SIGINT (128 + 2).
INTERRUPTED_EXIT_CODE = 130

#: Every exit status of the ``videosync`` command and what it means (its --help shows this table).
EXIT_CODES: dict[int, str] = {
    0: "success",
    VideosyncError.exit_code: "a problem with an input or output you can fix (the message says which)",
    USAGE_EXIT_CODE: "usage error: unknown command or option, bad option value",
    ModelError.exit_code: "the model cannot be used (missing, unreadable or incompatible)",
    CannotSynchronizeError.exit_code: "cannot synchronize: the inputs do not determine an offset",
    PoseFileError.exit_code: "an input cannot be read: a pose file or folder, a video",
    INTERRUPTED_EXIT_CODE: "interrupted (Ctrl-C)",
}

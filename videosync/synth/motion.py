"""The parsed-motion type shared by the BVH and ASF/AMC readers, and their one error class.

Both parsers end in the same thing: global joint positions and orientations per frame, in the
file's own length unit. Keeping units and skeleton naming out of the parsers lets
:mod:`videosync.synth.skeletons` decide them per skeleton family in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from videosync.errors import PoseFileError


class MocapError(PoseFileError):
    """A motion-capture file is missing, empty, malformed or of an unknown skeleton."""


@dataclass
class Motion:
    """Forward-kinematics result of one motion file.

    Attributes:
        names: joint names; for ASF/AMC a "joint" is a bone's *end* point and ``root``.
        parents: ``(J,)`` index of each joint's parent, -1 for the root.
        positions: ``(T, J, 3)`` global positions in file units.
        rotations: ``(T, J, 3, 3)`` global orientation of each joint's local frame (for BVH the
            joint's frame; for ASF the bone's motion relative to the rest pose).
        fps: frame rate (the file's, or the format's convention when the file stores none).
        source: path the motion was read from.
        format: ``"bvh"`` or ``"asf/amc"``.
        unit_m: metres per file unit when the file states it (ASF ``:units length``), else None.
        meta: free-form details (frame time, ASF path...).
    """

    names: tuple[str, ...]
    parents: np.ndarray
    positions: np.ndarray
    rotations: np.ndarray
    fps: float
    source: str
    format: str
    unit_m: float | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.positions)

    def index(self, name: str) -> int:
        """Index of joint ``name``; a MocapError naming the file when absent."""
        try:
            return self.names.index(name)
        except ValueError:
            raise MocapError(f"no joint named {name!r}", self.source) from None

    def drop_first_frames(self, n: int) -> Motion:
        """Copy without the first ``n`` frames (the T-pose some converters prepend)."""
        return Motion(
            names=self.names,
            parents=self.parents,
            positions=self.positions[n:],
            rotations=self.rotations[n:],
            fps=self.fps,
            source=self.source,
            format=self.format,
            unit_m=self.unit_m,
            meta=dict(self.meta),
        )


def read_text(path: str | Path) -> str:
    """Whole file as text, decoded as latin-1 so that any byte (HDM05's ``f\\xfcr``) is accepted.

    Every structural token in BVH/ASF/AMC is ASCII, so latin-1 never misreads one; only names in
    comments could come out differently from their intended encoding, which nothing uses.
    """
    path = Path(path)
    if not path.exists():
        raise MocapError("no such file", path)
    if path.is_dir():
        raise MocapError("is a folder, expected a motion file", path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MocapError(f"cannot read ({exc.strerror or exc})", path) from None
    if not data.strip():
        raise MocapError("empty file", path)
    return data.decode("latin-1")


def parse_float(token: str, path: str | Path, what: str) -> float:
    """``float(token)`` with a one-line MocapError saying what was expected."""
    try:
        return float(token)
    except ValueError:
        raise MocapError(f"expected a number for {what}, got {token!r}", path) from None

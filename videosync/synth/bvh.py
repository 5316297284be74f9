"""BVH (Biovision hierarchy) reader with forward kinematics vectorised over frames.

Why our own reader: the PyPI BVH packages either stop at parsing (no FK), are unmaintained, or
do not treat per-joint position channels the way the Bandai Namco files need (their non-root
joints carry the bone offset as channel values). The format is small; the pitfalls are handled
here and pinned by tests:

* rotation order is taken from each joint's own CHANNELS line (``Zrotation Xrotation Yrotation``
  means ``R = Rz @ Rx @ Ry``, i.e. intrinsic Euler angles in that order);
* a joint with position channels is translated by the channel values, not by its OFFSET;
* End Sites become extra joints (named ``"<parent>/End Site"``) so a head-top point is kept;
* any line ending (``\\r``, ``\\n``, ``\\r\\n``) and any ``Frame Time`` spelling is accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from videosync.synth.motion import MocapError, Motion, parse_float, read_text

_AXES = {"X": 0, "Y": 1, "Z": 2}


@dataclass
class BvhJoint:
    """One node of the hierarchy: its static offset and where its channels sit in a frame row."""

    name: str
    parent: int
    offset: np.ndarray
    channels: tuple[str, ...]
    first_column: int


@dataclass
class BvhData:
    """The parsed file before FK: hierarchy, raw channel values ``(T, C)`` and frame time."""

    joints: list[BvhJoint]
    values: np.ndarray
    frame_time: float
    source: str


class _Tokens:
    """Whitespace tokens with a cursor; errors name the file and what was expected."""

    def __init__(self, tokens: list[str], path: str) -> None:
        self.tokens = tokens
        self.pos = 0
        self.path = path

    def next(self, what: str) -> str:
        if self.pos >= len(self.tokens):
            raise MocapError(f"file ends early, expected {what}", self.path)
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def expect(self, *words: str) -> str:
        tok = self.next(" or ".join(words))
        if tok.upper() not in {w.upper() for w in words}:
            raise MocapError(f"expected {' or '.join(words)}, got {tok!r}", self.path)
        return tok

    def peek(self) -> str:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ""


def parse_bvh(path: str | Path, max_frames: int | None = None) -> BvhData:
    """Read hierarchy and motion data; checks frame and channel counts against the header.

    ``max_frames`` keeps only the first frames (tests and quick looks at big files).
    """
    source = str(path)
    text = read_text(path)
    head, sep, motion = text.partition("MOTION")
    if not sep:
        raise MocapError("not a BVH file (no MOTION section)", source)
    tok = _Tokens(head.split(), source)
    if tok.next("HIERARCHY").upper() != "HIERARCHY":
        raise MocapError("not a BVH file (does not start with HIERARCHY)", source)
    joints: list[BvhJoint] = []
    tok.expect("ROOT")
    _read_joint(tok, joints, -1, False, source)
    if tok.pos != len(tok.tokens):
        raise MocapError(f"unexpected {tok.peek()!r} after the hierarchy (several roots?)", source)
    n_columns = sum(len(j.channels) for j in joints)
    values, frame_time = _read_motion(motion, n_columns, max_frames, source)
    return BvhData(joints, values, frame_time, source)


def _read_joint(tok: _Tokens, joints: list[BvhJoint], parent: int, is_end: bool, source: str) -> None:
    """Append the joint (or End Site) whose block starts at ``tok``, then its children, to ``joints``."""
    if is_end:
        tok.expect("Site")
        name = f"{joints[parent].name}/End Site"
    else:
        name = tok.next("a joint name")
    tok.expect("{")
    tok.expect("OFFSET")
    offset = np.array([parse_float(tok.next("an offset"), source, f"OFFSET of {name}") for _ in range(3)])
    channels: tuple[str, ...] = ()
    if not is_end and tok.peek().upper() == "CHANNELS":
        tok.next("CHANNELS")
        count_tok = tok.next("a channel count")
        if not count_tok.isdigit():
            raise MocapError(f"bad channel count {count_tok!r} for joint {name}", source)
        channels = tuple(tok.next("a channel name") for _ in range(int(count_tok)))
        for ch in channels:
            if len(ch) != 9 or ch[0].upper() not in _AXES or ch[1:].lower() not in ("position", "rotation"):
                raise MocapError(f"unknown channel {ch!r} for joint {name}", source)
    index = len(joints)
    joints.append(BvhJoint(name, parent, offset, channels, sum(len(j.channels) for j in joints)))
    while True:
        word = tok.next(f"JOINT, End Site or '}}' in {name}")
        if word == "}":
            return
        if word.upper() == "JOINT" and not is_end:
            _read_joint(tok, joints, index, False, source)
        elif word.upper() == "END" and not is_end:
            _read_joint(tok, joints, index, True, source)
        else:
            raise MocapError(f"unexpected {word!r} in joint {name}", source)


def _read_motion(motion: str, n_columns: int, max_frames: int | None, source: str) -> tuple[np.ndarray, float]:
    """The ``(frames, n_columns)`` channel values and the frame time of a MOTION section."""
    words = motion.split(maxsplit=5)
    # Expected: Frames: N Frame Time: t <values>
    if len(words) < 5 or words[0].lower() != "frames:" or words[2].lower() != "frame" or words[3].lower() != "time:":
        raise MocapError("MOTION section must start with 'Frames: N' and 'Frame Time: t'", source)
    if not words[1].isdigit():
        raise MocapError(f"bad frame count {words[1]!r}", source)
    n_frames = int(words[1])
    frame_time = parse_float(words[4], source, "Frame Time")
    if not frame_time > 0:
        raise MocapError(f"Frame Time must be positive, got {frame_time}", source)
    if n_frames == 0:
        raise MocapError("the file holds no frames", source)
    body = words[5] if len(words) > 5 else ""
    if max_frames is not None and max_frames < n_frames:
        # Only the needed lines are converted; their count is still checked below.
        body = "\n".join([ln for ln in body.splitlines() if ln.strip()][:max_frames])
        n_frames = max_frames
    try:
        values = np.array(body.split(), dtype=np.float64)
    except ValueError as exc:
        raise MocapError(f"non-numeric motion data ({exc})", source) from None
    if n_columns == 0:
        raise MocapError("no joint has channels", source)
    if values.size != n_frames * n_columns:
        raise MocapError(
            f"expected {n_frames} frames x {n_columns} channels = {n_frames * n_columns} values, "
            f"found {values.size}",
            source,
        )
    if not np.all(np.isfinite(values)):
        raise MocapError("motion data contain NaN or infinite values", source)
    return values.reshape(n_frames, n_columns), frame_time


def forward_kinematics(data: BvhData) -> Motion:
    """Global joint positions and orientations for every frame (file units, degrees in file)."""
    n_frames = len(data.values)
    n_joints = len(data.joints)
    positions = np.zeros((n_frames, n_joints, 3))
    rotations = np.zeros((n_frames, n_joints, 3, 3))
    for j, joint in enumerate(data.joints):
        translation = np.repeat(joint.offset[None, :], n_frames, axis=0)
        order = ""
        rot_columns: list[int] = []
        for c, ch in enumerate(joint.channels):
            axis, kind = ch[0].upper(), ch[1:].lower()
            column = joint.first_column + c
            if kind == "position":
                translation[:, _AXES[axis]] = data.values[:, column]
            else:
                order += axis
                rot_columns.append(column)
        if order:
            if len(set(order)) != len(order):
                raise MocapError(f"joint {joint.name} repeats a rotation axis ({order})", data.source)
            # Upper-case sequence = intrinsic rotations: R = R_first @ R_second @ R_third.
            local = Rotation.from_euler(order, data.values[:, rot_columns], degrees=True).as_matrix()
        else:
            local = np.broadcast_to(np.eye(3), (n_frames, 3, 3))
        if joint.parent < 0:
            positions[:, j] = translation
            rotations[:, j] = local
        else:
            parent_rot = rotations[:, joint.parent]
            positions[:, j] = positions[:, joint.parent] + np.einsum("tij,tj->ti", parent_rot, translation)
            rotations[:, j] = parent_rot @ local
    return Motion(
        names=tuple(jt.name for jt in data.joints),
        parents=np.array([jt.parent for jt in data.joints], dtype=np.int64),
        positions=positions,
        rotations=rotations,
        fps=_snap_fps(1.0 / data.frame_time),
        source=data.source,
        format="bvh",
        meta={"frame_time": data.frame_time},
    )


def _snap_fps(fps: float) -> float:
    """Undo the rounding of written frame times (``.0083333`` -> 120.0005 -> 120)."""
    nearest = round(fps)
    return float(nearest) if nearest > 0 and abs(fps - nearest) < 1e-2 else fps


def read_bvh(path: str | Path, max_frames: int | None = None) -> Motion:
    """Parse a BVH file and run forward kinematics."""
    return forward_kinematics(parse_bvh(path, max_frames=max_frames))

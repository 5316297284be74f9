"""Small synthetic BVH files in the cgspeed 3dsMax naming, so dataset tests need no shared data."""

from __future__ import annotations

from pathlib import Path

import numpy as np

# (name, parent, offset in CMU units); all joints rotate ZYX, the root also translates.
_JOINTS = [
    ("Hips", None, (0, 0, 0)),
    ("LeftHip", "Hips", (1.7, -0.5, 0)), ("LeftKnee", "LeftHip", (0, -7.5, 0)), ("LeftAnkle", "LeftKnee", (0, -7.5, 0)),
    ("RightHip", "Hips", (-1.7, -0.5, 0)), ("RightKnee", "RightHip", (0, -7.5, 0)),
    ("RightAnkle", "RightKnee", (0, -7.5, 0)),
    ("Chest", "Hips", (0, 5, 0)), ("Head", "Chest", (0, 5.5, 0)),
    ("LeftShoulder", "Chest", (3, 4, 0)), ("LeftElbow", "LeftShoulder", (5, 0, 0)),
    ("LeftWrist", "LeftElbow", (4.5, 0, 0)),
    ("RightShoulder", "Chest", (-3, 4, 0)), ("RightElbow", "RightShoulder", (-5, 0, 0)),
    ("RightWrist", "RightElbow", (-4.5, 0, 0)),
]


def bvh_text(n_frames: int, seed: int = 0, frame_time: str = "0.0083333", newline: str = "\n") -> str:
    """A walking-ish 3dsMax-named BVH: root moves forward, legs and arms swing with a random phase."""
    rng = np.random.default_rng(seed)
    children: dict[str | None, list[int]] = {}
    for i, (_, parent, _) in enumerate(_JOINTS):
        children.setdefault(parent, []).append(i)
    lines: list[str] = ["HIERARCHY"]

    def emit(i: int, depth: int) -> None:
        name, parent, off = _JOINTS[i]
        pad = "\t" * depth
        lines.append(f"{pad}{'ROOT' if parent is None else 'JOINT'} {name}")
        lines.append(f"{pad}{{")
        lines.append(f"{pad}\tOFFSET {off[0]} {off[1]} {off[2]}")
        chans = "Xposition Yposition Zposition " if parent is None else ""
        lines.append(f"{pad}\tCHANNELS {6 if parent is None else 3} {chans}Zrotation Yrotation Xrotation")
        for c in children.get(name, []):
            emit(c, depth + 1)
        if name not in children:
            lines.extend([f"{pad}\tEnd Site", f"{pad}\t{{", f"{pad}\t\tOFFSET 0 1 0", f"{pad}\t}}"])
        lines.append(f"{pad}}}")

    emit(0, 0)
    t = np.arange(n_frames) / 120.0
    phase = rng.uniform(0, 2 * np.pi)
    freq = rng.uniform(0.8, 1.5)
    swing = 25 * np.sin(2 * np.pi * freq * t + phase)
    rows = []
    for k in range(n_frames):
        vals = [0.5 * np.sin(t[k]), 17.0, 20.0 * t[k], 0.0, 10.0 * np.sin(t[k]), 0.0]
        for name, parent, _ in _JOINTS[1:]:
            x = 0.0
            if name in ("LeftHip", "RightShoulder"):
                x = swing[k]
            elif name in ("RightHip", "LeftShoulder"):
                x = -swing[k]
            elif name.endswith("Knee"):
                x = 20 + 15 * np.sin(2 * np.pi * freq * t[k] + phase + (0 if "Left" in name else np.pi))
            elif name.endswith("Elbow"):
                x = -20.0
            vals += [0.0, 0.0, x]
        rows.append(" ".join(f"{v:.4f}" for v in vals))
    lines += ["MOTION", f"Frames: {n_frames}", f"Frame Time: {frame_time}", *rows]
    return newline.join(lines) + newline


def write_bvh(path: Path, n_frames: int, seed: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(bvh_text(n_frames, seed))
    return path

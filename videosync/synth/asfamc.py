"""Acclaim ASF (skeleton) / AMC (motion) reader with forward kinematics vectorised over frames.

The ASF gives each bone a rest direction and length in *global* coordinates plus an ``axis``
(the C matrix): the local frame in which the AMC angles are expressed. A bone's motion relative
to the rest pose is therefore ``C @ M @ C^-1`` (M built from the bone's ``dof`` angles, applied in
the listed order), chained from the root. Bone positions are bone *end* points; the start of a
bone is its parent's end point.

Rotation conventions (checked against the cgspeed BVH conversion of the same CMU trial, see the
tests): an angle list in order ``a1 a2 a3`` is applied as extrinsic rotations, i.e.
``R = R_a3 @ R_a2 @ R_a1``; the same holds for the ``axis`` angles (``XYZ``) and the root's
``order``.

AMC files store no frame rate; CMU and HDM05 capture at 120 Hz, which is the default here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from videosync.synth.motion import MocapError, Motion, parse_float, read_text

#: Frame rate assumed for AMC files (they store none); CMU and HDM05 capture at 120 Hz.
AMC_DEFAULT_FPS = 120.0

_ROT_DOFS = ("rx", "ry", "rz")


@dataclass
class AsfBone:
    name: str
    direction: np.ndarray
    length: float
    axis_angles: np.ndarray
    axis_order: str
    dof: tuple[str, ...]


@dataclass
class AsfSkeleton:
    """The parsed ASF: bones, hierarchy (child -> parent) and unit conventions."""

    bones: dict[str, AsfBone]
    parent: dict[str, str]
    root_order: tuple[str, ...]
    root_axis: str
    root_position: np.ndarray
    root_orientation: np.ndarray
    length_unit: float
    degrees: bool
    source: str
    children: dict[str, list[str]] = field(default_factory=dict)

    @property
    def metres_per_unit(self) -> float:
        """``:units length L`` means one file unit is 1/L inch (CMU: 1/0.45 in = 0.056444 m)."""
        return 0.0254 / self.length_unit


def _sections(text: str) -> list[tuple[str, list[list[str]]]]:
    """Split ASF text into (keyword, token lines) per ``:section``; comments dropped."""
    out: list[tuple[str, list[list[str]]]] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith(":"):
            parts = line[1:].split()
            out.append((parts[0].lower() if parts else "", [parts[1:]] if len(parts) > 1 else []))
        elif out:
            out[-1][1].append(line.split())
    return out


def parse_asf(path: str | Path) -> AsfSkeleton:
    """Read an ASF skeleton; every missing or malformed field is a MocapError naming the file."""
    source = str(path)
    sections = _sections(read_text(path))
    if not sections:
        raise MocapError("not an ASF file (no ':' sections)", source)
    names = {name for name, _ in sections}
    for needed in ("root", "bonedata", "hierarchy"):
        if needed not in names:
            raise MocapError(f"not an ASF file (no :{needed} section)", source)
    head = _AsfHead()
    bones: dict[str, AsfBone] = {}
    parent: dict[str, str] = {}
    for name, lines in sections:
        if name == "units":
            head.read_units(lines, source)
        elif name == "root":
            head.read_root(lines, source)
        elif name == "bonedata":
            bones.update(_read_bonedata(lines, source))
        elif name == "hierarchy":
            _read_hierarchy(lines, parent, source)
    _check_hierarchy(bones, parent, source)
    root_order, root_axis = head.root_order, head.root_axis
    rot_root = [o for o in root_order if o.startswith("R")]
    if sorted(root_order) != sorted(set(root_order)) or not set(root_order) <= {"TX", "TY", "TZ", "RX", "RY", "RZ"}:
        raise MocapError(f"bad :root order {' '.join(root_order)}", source)
    if len(rot_root) and len(root_axis) != 3:
        raise MocapError(f"bad :root axis {root_axis!r}", source)
    children: dict[str, list[str]] = {}
    for child, par in parent.items():
        children.setdefault(par, []).append(child)
    skel = AsfSkeleton(bones, parent, root_order, root_axis, head.root_position, head.root_orientation,
                       head.length_unit, head.degrees, source, children)
    _topological_order(skel)  # raises on cycles / unreachable bones
    return skel


@dataclass
class _AsfHead:
    """The :units and :root sections (ASF's defaults until they say otherwise)."""

    length_unit: float = 1.0
    degrees: bool = True
    root_order: tuple[str, ...] = ("TX", "TY", "TZ", "RX", "RY", "RZ")
    root_axis: str = "XYZ"
    root_position: np.ndarray = field(default_factory=lambda: np.zeros(3))
    root_orientation: np.ndarray = field(default_factory=lambda: np.zeros(3))

    def read_units(self, lines: list[list[str]], source: str) -> None:
        for words in lines:
            if words[0].lower() == "length" and len(words) > 1:
                self.length_unit = parse_float(words[1], source, ":units length")
                if not self.length_unit > 0:
                    raise MocapError(f":units length must be positive, got {self.length_unit}", source)
            elif words[0].lower() == "angle" and len(words) > 1:
                self.degrees = not words[1].lower().startswith("rad")

    def read_root(self, lines: list[list[str]], source: str) -> None:
        for words in lines:
            key, vals = words[0].lower(), words[1:]
            if key == "order":
                self.root_order = tuple(v.upper() for v in vals)
            elif key == "axis" and vals:
                self.root_axis = vals[0].upper()
            elif key in ("position", "orientation"):
                vec = np.array([parse_float(v, source, f":root {key}") for v in vals[:3]])
                if len(vec) != 3:
                    raise MocapError(f":root {key} needs 3 values", source)
                if key == "position":
                    self.root_position = vec
                else:
                    self.root_orientation = vec


def _read_bonedata(lines: list[list[str]], source: str) -> dict[str, AsfBone]:
    """The bones of a :bonedata section (``begin`` ... ``end`` blocks), by name."""
    bones: dict[str, AsfBone] = {}
    current: dict[str, list[str]] | None = None
    for words in lines:
        key = words[0].lower()
        if key == "begin":
            current = {}
        elif key == "end":
            if current is None:
                raise MocapError("'end' without 'begin' in :bonedata", source)
            bone = _make_bone(current, source)
            bones[bone.name] = bone
            current = None
        elif current is not None and not key.startswith("("):
            current[key] = words[1:]
    if current is not None:
        raise MocapError("unterminated bone block in :bonedata", source)
    return bones


def _read_hierarchy(lines: list[list[str]], parent: dict[str, str], source: str) -> None:
    """Add each child's parent named by a :hierarchy section to ``parent``."""
    for words in lines:
        if words[0].lower() in ("begin", "end"):
            continue
        for child in words[1:]:
            if child in parent:
                raise MocapError(f"bone {child!r} has two parents in :hierarchy", source)
            parent[child] = words[0]


def _check_hierarchy(bones: dict[str, AsfBone], parent: dict[str, str], source: str) -> None:
    """Every bone the hierarchy names exists, and every bone has a parent."""
    for child, par in parent.items():
        if child not in bones:
            raise MocapError(f":hierarchy names unknown bone {child!r}", source)
        if par != "root" and par not in bones:
            raise MocapError(f":hierarchy names unknown bone {par!r}", source)
    orphans = sorted(set(bones) - set(parent))
    if orphans:
        raise MocapError(f"bones without a parent in :hierarchy: {', '.join(orphans)}", source)


def _make_bone(fields: dict[str, list[str]], source: str) -> AsfBone:
    name = (fields.get("name") or [""])[0]
    if not name:
        raise MocapError("a bone in :bonedata has no name", source)
    for needed in ("direction", "length", "axis"):
        if needed not in fields:
            raise MocapError(f"bone {name!r} has no {needed}", source)
    direction = np.array([parse_float(v, source, f"direction of {name}") for v in fields["direction"][:3]])
    length = parse_float(fields["length"][0], source, f"length of {name}") if fields["length"] else np.nan
    axis = fields["axis"]
    if len(direction) != 3 or len(axis) < 4 or not np.isfinite(length):
        raise MocapError(f"bone {name!r} has a malformed direction, length or axis", source)
    axis_angles = np.array([parse_float(v, source, f"axis of {name}") for v in axis[:3]])
    axis_order = axis[3].upper()
    if sorted(axis_order) != ["X", "Y", "Z"]:
        raise MocapError(f"bone {name!r} has a bad axis order {axis[3]!r}", source)
    dof = tuple(d.lower() for d in fields.get("dof", []))
    for d in dof:
        if d not in _ROT_DOFS:
            raise MocapError(f"bone {name!r}: dof {d!r} is not supported (only rx ry rz)", source)
    norm = np.linalg.norm(direction)
    direction = direction / norm if norm > 0 else direction
    return AsfBone(name, direction, length, axis_angles, axis_order, dof)


def _topological_order(skel: AsfSkeleton) -> list[str]:
    order: list[str] = []
    stack = ["root"]
    while stack:
        name = stack.pop()
        if name != "root":
            order.append(name)
        stack.extend(reversed(skel.children.get(name, [])))
        if len(order) > len(skel.bones):
            raise MocapError(":hierarchy has a cycle", skel.source)
    unreachable = sorted(set(skel.bones) - set(order))
    if unreachable:
        raise MocapError(f"bones not connected to root: {', '.join(unreachable)}", skel.source)
    return order


def parse_amc(path: str | Path, skel: AsfSkeleton, max_frames: int | None = None) -> dict[str, np.ndarray]:
    """Per-bone value arrays ``(T, n_dof)`` (``root``: ``(T, len(order))``), checked against the ASF."""
    source = str(path)
    text = read_text(path)
    widths = {name: len(b.dof) for name, b in skel.bones.items()}
    widths["root"] = len(skel.root_order)
    rows: dict[str, list[list[str]]] = {name: [] for name in widths}
    n_frames = 0
    degrees = skel.degrees
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(":"):
            word = line[1:].strip().upper()
            if word == "RADIANS":
                degrees = False
            elif word == "DEGREES":
                degrees = True
            continue
        words = line.split()
        if len(words) == 1 and words[0].isdigit():
            if max_frames is not None and n_frames >= max_frames:
                break
            n_frames += 1
            continue
        if n_frames == 0:
            raise MocapError(f"bone data before the first frame number: {line[:40]!r}", source)
        name = words[0]
        if name not in widths:
            raise MocapError(f"frame {n_frames}: bone {name!r} is not in the ASF {Path(skel.source).name}", source)
        if len(words) - 1 != widths[name]:
            raise MocapError(
                f"frame {n_frames}: bone {name!r} has {len(words) - 1} values, the ASF gives it {widths[name]} dof",
                source,
            )
        rows[name].append(words[1:])
    if n_frames == 0:
        raise MocapError("the file holds no frames", source)
    out: dict[str, np.ndarray] = {}
    for name, width in widths.items():
        got = rows[name]
        if width == 0:
            out[name] = np.zeros((n_frames, 0))
            continue
        if len(got) != n_frames:
            raise MocapError(f"bone {name!r} appears in {len(got)} of {n_frames} frames", source)
        try:
            out[name] = np.array(got, dtype=np.float64)
        except ValueError as exc:
            raise MocapError(f"non-numeric value for bone {name!r} ({exc})", source) from None
        if not np.all(np.isfinite(out[name])):
            raise MocapError(f"NaN or infinite value for bone {name!r}", source)
    out["__degrees__"] = np.array(degrees)
    return out


def _euler_extrinsic(order: str, angles: np.ndarray, degrees: bool) -> np.ndarray:
    """``(..., 3, 3)`` rotation applying the angles about fixed axes in the listed order."""
    return Rotation.from_euler(order.lower(), angles, degrees=degrees).as_matrix()


def forward_kinematics(skel: AsfSkeleton, values: dict[str, np.ndarray], source: str,
                       fps: float = AMC_DEFAULT_FPS) -> Motion:
    """Global bone end points and bone orientations for every frame (file length units)."""
    degrees = bool(values["__degrees__"])
    root_vals = values["root"]
    n_frames = len(root_vals)
    order = _topological_order(skel)
    names = ("root", *order)
    index = {name: i for i, name in enumerate(names)}
    positions = np.zeros((n_frames, len(names), 3))
    rotations = np.zeros((n_frames, len(names), 3, 3))

    # Root: translation channels are added to the rest position; rotation as C M C^-1.
    translation = np.repeat(skel.root_position[None, :], n_frames, axis=0)
    rot_order, rot_cols = "", []
    for c, ch in enumerate(skel.root_order):
        if ch.startswith("T"):
            translation[:, "XYZ".index(ch[1])] += root_vals[:, c]
        else:
            rot_order += ch[1]
            rot_cols.append(c)
    c_root = _euler_extrinsic(skel.root_axis, skel.root_orientation, skel.degrees)
    m_root = _euler_extrinsic(rot_order, root_vals[:, rot_cols], degrees) if rot_order else np.eye(3)
    positions[:, 0] = translation
    rotations[:, 0] = c_root @ m_root @ c_root.T

    for name in order:
        bone = skel.bones[name]
        i, p = index[name], index[skel.parent[name]]
        c_mat = _euler_extrinsic(bone.axis_order, bone.axis_angles, skel.degrees)
        if bone.dof:
            m_mat = _euler_extrinsic("".join(d[1] for d in bone.dof), values[name], degrees)
            local = c_mat @ m_mat @ c_mat.T
        else:
            local = np.broadcast_to(np.eye(3), (n_frames, 3, 3))
        rotations[:, i] = rotations[:, p] @ local
        positions[:, i] = positions[:, p] + bone.length * (rotations[:, i] @ bone.direction)
    parents = np.array([-1] + [index[skel.parent[n]] for n in order], dtype=np.int64)
    return Motion(
        names=names,
        parents=parents,
        positions=positions,
        rotations=rotations,
        fps=float(fps),
        source=source,
        format="asf/amc",
        unit_m=skel.metres_per_unit,
        meta={"asf": skel.source},
    )


def find_asf(amc_path: str | Path) -> Path:
    """The ASF that goes with an AMC file, found beside it.

    The ASF whose name is the longest prefix of the AMC's (``01_01.amc`` -> ``01.asf``,
    ``charleston1.amc`` -> ``charleston.asf``); failing that, the only ASF in the folder.
    """
    amc_path = Path(amc_path)
    candidates = sorted(amc_path.parent.glob("*.asf")) + sorted(amc_path.parent.glob("*.ASF"))
    stem = amc_path.stem.lower()
    matching = [c for c in candidates if stem.startswith(c.stem.lower())]
    if matching:
        return max(matching, key=lambda c: len(c.stem))
    if len(set(candidates)) == 1:
        return candidates[0]
    if not candidates:
        raise MocapError("no .asf skeleton file beside this .amc motion", amc_path)
    raise MocapError(
        f"cannot tell which skeleton belongs to this motion ({', '.join(c.name for c in candidates)})", amc_path
    )


def read_amc(amc_path: str | Path, asf_path: str | Path | None = None, fps: float = AMC_DEFAULT_FPS,
             max_frames: int | None = None) -> Motion:
    """Parse an AMC motion with its ASF skeleton (found beside it when not given) and run FK."""
    asf = Path(asf_path) if asf_path is not None else find_asf(amc_path)
    skel = parse_asf(asf)
    values = parse_amc(amc_path, skel, max_frames=max_frames)
    return forward_kinematics(skel, values, str(amc_path), fps=fps)

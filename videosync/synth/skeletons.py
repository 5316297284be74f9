"""From a parsed mocap skeleton to 3D COCO-17 joints in metres (y up), and edits of those joints.

Each skeleton family (Bandai Namco, the three cgspeed CMU BVH conversions, ASF/AMC) names its
joints differently, uses its own unit, and some prepend a T-pose frame. One table per family
keeps that knowledge in a single place (see ``shared/data/mocap/README.md`` for where each fact
was measured). Face points (nose, eyes, ears) are not in any skeleton: they are placed from the
head joint's position and orientation with anthropometric offsets scaled to the body.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from videosync.poses.layouts import NUM_JOINTS
from videosync.synth.motion import MocapError, Motion

#: Metres per CMU ASF unit: ``:units length 0.45`` -> 1/0.45 inch.
CMU_UNIT_M = 0.0254 / 0.45

#: Height (m) of the adult the face offsets below were written for.
REFERENCE_HEIGHT_M = 1.7

#: Face offsets from the head origin H for a 1.7 m adult, in metres, as (up, forward, left).
FACE_OFFSETS_M: dict[int, tuple[float, float, float]] = {
    0: (0.04, 0.105, 0.0),      # nose
    1: (0.08, 0.08, 0.033),     # left eye
    2: (0.08, 0.08, -0.033),    # right eye
    3: (0.07, -0.01, 0.075),    # left ear
    4: (0.07, -0.01, -0.075),   # right ear
}

#: (thigh + shank + mid-hip to head origin) as a fraction of standing height; from segment
#: proportions (Drillis & Contini: thigh 0.245 H, shank 0.246 H; mid-hip 0.53 H, skull base ~0.89 H).
_CHAIN_FRACTION_OF_HEIGHT = 0.85

_BODY = ("left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
         "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle")


@dataclass(frozen=True)
class SkeletonFamily:
    """How one family of mocap skeletons maps to COCO-17.

    ``body`` lists the joint names for COCO joints 5..16 in COCO order; ``head`` is the joint at
    the head origin H, ``head_frame`` the joint whose global rotation orients the face, and
    ``up``/``forward``/``left`` are that joint's local axes pointing up, forward and to the
    performer's left in the rest pose.
    """

    name: str
    body: tuple[str, ...]
    head: str
    head_frame: str
    up: tuple[float, float, float]
    forward: tuple[float, float, float]
    left: tuple[float, float, float]
    unit_m: float | None
    skip_frames: int = 0
    markers: tuple[str, ...] = field(default=())

    def signature(self) -> set[str]:
        """Joint names whose presence identifies the family."""
        return set(self.body) | {self.head, self.head_frame} | set(self.markers)


_CMU_AXES = {"up": (0.0, 1.0, 0.0), "forward": (0.0, 0.0, 1.0), "left": (1.0, 0.0, 0.0)}

FAMILIES: tuple[SkeletonFamily, ...] = (
    SkeletonFamily(
        name="bandai",
        body=("UpperArm_L", "UpperArm_R", "LowerArm_L", "LowerArm_R", "Hand_L", "Hand_R",
              "UpperLeg_L", "UpperLeg_R", "LowerLeg_L", "LowerLeg_R", "Foot_L", "Foot_R"),
        head="Head", head_frame="Head",
        up=(1.0, 0.0, 0.0), forward=(0.0, 1.0, 0.0), left=(0.0, 0.0, 1.0),
        unit_m=0.01,
    ),
    SkeletonFamily(
        name="cmu_motionbuilder",
        body=("LeftArm", "RightArm", "LeftForeArm", "RightForeArm", "LeftHand", "RightHand",
              "LeftUpLeg", "RightUpLeg", "LeftLeg", "RightLeg", "LeftFoot", "RightFoot"),
        head="Head", head_frame="Head", unit_m=CMU_UNIT_M, skip_frames=1, **_CMU_AXES,
    ),
    SkeletonFamily(
        name="cmu_3dsmax",
        body=("LeftShoulder", "RightShoulder", "LeftElbow", "RightElbow", "LeftWrist", "RightWrist",
              "LeftHip", "RightHip", "LeftKnee", "RightKnee", "LeftAnkle", "RightAnkle"),
        head="Head", head_frame="Head", unit_m=CMU_UNIT_M, **_CMU_AXES,
    ),
    SkeletonFamily(
        name="cmu_daz",
        body=("lShldr", "rShldr", "lForeArm", "rForeArm", "lHand", "rHand",
              "lThigh", "rThigh", "lShin", "rShin", "lFoot", "rFoot"),
        head="head", head_frame="head", unit_m=0.01, skip_frames=1, **_CMU_AXES,
    ),
    SkeletonFamily(
        name="asf",
        body=("lclavicle", "rclavicle", "lhumerus", "rhumerus", "lradius", "rradius",
              "lhipjoint", "rhipjoint", "lfemur", "rfemur", "ltibia", "rtibia"),
        head="upperneck", head_frame="head", unit_m=None, markers=("root",), **_CMU_AXES,
    ),
)


def detect_family(motion: Motion) -> SkeletonFamily:
    """The one family whose joint names the motion has; MocapError naming the file otherwise."""
    names = set(motion.names)
    found = [fam for fam in FAMILIES if fam.signature() <= names]
    if len(found) == 1:
        return found[0]
    if not found:
        raise MocapError(
            f"unknown skeleton ({len(motion.names)} joints: {', '.join(motion.names[:6])}...); "
            f"known families: {', '.join(f.name for f in FAMILIES)}",
            motion.source,
        )
    raise MocapError(f"ambiguous skeleton, matches {', '.join(f.name for f in found)}", motion.source)


@dataclass
class Pose3D:
    """3D COCO-17 joints of one motion clip: ``joints (T, 17, 3)`` in metres, y up.

    The performer faces +z and their left is +x in the rest pose of every family (a
    right-handed frame); the walking direction differs from clip to clip.
    """

    joints: np.ndarray
    fps: float
    source: str = ""
    family: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.joints)

    @property
    def duration_seconds(self) -> float:
        return len(self) / self.fps


def estimate_height_m(joints: np.ndarray, head_origin: np.ndarray | None = None) -> float:
    """Standing height (m) estimated from leg segments and the hip-to-head distance.

    Used to scale the face offsets; without ``head_origin`` the mean of the eyes and ears is
    taken as the head (only after face points exist).
    """
    mid_hip = joints[:, 11:13].mean(axis=1)
    head = head_origin if head_origin is not None else joints[:, 1:5].mean(axis=1)
    thigh = np.linalg.norm(joints[:, 13:15] - joints[:, 11:13], axis=-1).mean(axis=1)
    shank = np.linalg.norm(joints[:, 15:17] - joints[:, 13:15], axis=-1).mean(axis=1)
    trunk = np.linalg.norm(head - mid_hip, axis=-1)
    chain = np.median(thigh) + np.median(shank) + np.percentile(trunk, 90)
    return float(chain / _CHAIN_FRACTION_OF_HEIGHT)


def to_coco3d(motion: Motion, face_scale_jitter: np.ndarray | None = None) -> Pose3D:
    """Map a parsed motion to :class:`Pose3D` (drops the family's T-pose frames).

    ``face_scale_jitter``: optional ``(5, 3)`` multipliers of the face offsets (training
    augmentation); None uses the reference offsets.
    """
    fam = detect_family(motion)
    if fam.skip_frames:
        if len(motion) <= fam.skip_frames:
            raise MocapError(f"only {len(motion)} frame(s), all of them the converter's T-pose", motion.source)
        motion = motion.drop_first_frames(fam.skip_frames)
    unit = motion.unit_m if motion.unit_m is not None else fam.unit_m
    if unit is None:
        raise MocapError(f"{fam.name} skeleton needs a unit but the file gives none", motion.source)
    pos = motion.positions * unit
    joints = np.zeros((len(motion), NUM_JOINTS, 3))
    for k, name in enumerate(fam.body):
        joints[:, 5 + k] = pos[:, motion.index(name)]
    head = pos[:, motion.index(fam.head)]
    rot = motion.rotations[:, motion.index(fam.head_frame)]
    axes = rot @ np.array([fam.up, fam.forward, fam.left]).T  # (T, 3, 3): columns u, f, l
    scale = estimate_height_m(joints, head) / REFERENCE_HEIGHT_M
    offsets = np.array([FACE_OFFSETS_M[k] for k in range(5)])
    if face_scale_jitter is not None:
        offsets = offsets * np.asarray(face_scale_jitter, dtype=float).reshape(5, 3)
    joints[:, :5] = head[:, None, :] + scale * np.einsum("tij,kj->tki", axes, offsets)
    if not np.all(np.isfinite(joints)):
        raise MocapError("forward kinematics produced NaN or infinite positions", motion.source)
    return Pose3D(
        joints=joints,
        fps=motion.fps,
        source=motion.source,
        family=fam.name,
        meta={"family": fam.name, "height_m": round(scale * REFERENCE_HEIGHT_M, 3),
              "skipped_frames": fam.skip_frames},
    )


def load_pose3d(path: str | Path, max_frames: int | None = None) -> Pose3D:
    """Read a ``.bvh`` or ``.amc`` file (its ``.asf`` found beside it) as 3D COCO-17."""
    from videosync.synth.asfamc import read_amc
    from videosync.synth.bvh import read_bvh

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".bvh":
        motion = read_bvh(path, max_frames=max_frames)
    elif suffix == ".amc":
        motion = read_amc(path, max_frames=max_frames)
    else:
        raise MocapError("not a motion file (expected .bvh, or .amc with its .asf)", path)
    return to_coco3d(motion)


def resample(pose: Pose3D, fps: float) -> Pose3D:
    """Linear interpolation of the joints to ``fps`` (120 -> 30 keeps every 4th frame exactly).

    Frames are sampled at ``t = i / fps`` from the first source frame up to the last one, so no
    frame is extrapolated.
    """
    if not fps > 0:
        raise ValueError("fps must be positive")
    n_in = len(pose)
    if n_in == 0 or np.isclose(fps, pose.fps):
        return Pose3D(pose.joints.copy(), fps if n_in else pose.fps, pose.source, pose.family, dict(pose.meta))
    n_out = int(np.floor((n_in - 1) * fps / pose.fps + 1e-9)) + 1
    pos = np.arange(n_out) * (pose.fps / fps)
    lo = np.minimum(np.floor(pos + 1e-9).astype(np.int64), n_in - 1)
    hi = np.minimum(lo + 1, n_in - 1)
    w = np.clip(pos - lo, 0.0, 1.0)[:, None, None]
    joints = (1 - w) * pose.joints[lo] + w * pose.joints[hi]
    return Pose3D(joints, float(fps), pose.source, pose.family, {**pose.meta, "source_fps": pose.fps})


#: Segment names for :func:`scale_segments`; each scales a child joint around its parent.
SEGMENTS = ("pelvis", "torso", "shoulders", "head", "upper_arm_l", "upper_arm_r", "forearm_l", "forearm_r",
            "thigh_l", "thigh_r", "shank_l", "shank_r")


def random_segment_factors(rng: np.random.Generator, spread: float = 0.07,
                           asymmetry: float = 0.015) -> dict[str, float]:
    """Log-normal length factors per segment; left and right share a factor up to ``asymmetry``.

    Mocap sets hold few performers; varying proportions keeps the network from learning one
    body shape.
    """
    out: dict[str, float] = {}
    for seg in ("pelvis", "torso", "shoulders", "head"):
        out[seg] = float(np.exp(rng.normal(0.0, spread)))
    for seg in ("upper_arm", "forearm", "thigh", "shank"):
        base = rng.normal(0.0, spread)
        for side in ("l", "r"):
            out[f"{seg}_{side}"] = float(np.exp(base + rng.normal(0.0, asymmetry)))
    return out


def scale_segments(joints: np.ndarray, factors: dict[str, float]) -> np.ndarray:
    """Scale each segment around its parent joint, keeping every segment's direction per frame.

    The tree is rooted at the mid-hip (kept fixed): hips and a virtual neck (mid-shoulder) hang
    from it, shoulders and the face (as one rigid group) from the neck, and the limbs chain
    outwards. Missing factors default to 1.
    """
    f = {seg: float(factors.get(seg, 1.0)) for seg in SEGMENTS}
    j = np.asarray(joints, dtype=float)
    out = np.empty_like(j)
    mid_hip = j[:, 11:13].mean(axis=1)
    neck = j[:, 5:7].mean(axis=1)
    new_neck = mid_hip + f["torso"] * (neck - mid_hip)
    out[:, :5] = new_neck[:, None] + f["head"] * (j[:, :5] - neck[:, None])
    out[:, 5:7] = new_neck[:, None] + f["shoulders"] * (j[:, 5:7] - neck[:, None])
    out[:, 11:13] = mid_hip[:, None] + f["pelvis"] * (j[:, 11:13] - mid_hip[:, None])
    for side, (sh, el, wr, hip, kn, an) in (("l", (5, 7, 9, 11, 13, 15)), ("r", (6, 8, 10, 12, 14, 16))):
        out[:, el] = out[:, sh] + f[f"upper_arm_{side}"] * (j[:, el] - j[:, sh])
        out[:, wr] = out[:, el] + f[f"forearm_{side}"] * (j[:, wr] - j[:, el])
        out[:, kn] = out[:, hip] + f[f"thigh_{side}"] * (j[:, kn] - j[:, hip])
        out[:, an] = out[:, kn] + f[f"shank_{side}"] * (j[:, an] - j[:, kn])
    return out


def jitter_face(joints: np.ndarray, rng: np.random.Generator, spread: float = 0.1) -> np.ndarray:
    """Move each face point (nose, eyes, ears) by a fixed random factor away from the face centre.

    The face offsets are a guess for an average adult; a per-recording jitter keeps the network
    from relying on one exact face geometry.
    """
    out = np.array(joints, dtype=float, copy=True)
    centre = out[:, :5].mean(axis=1, keepdims=True)
    factors = np.exp(rng.normal(0.0, spread, size=(1, 5, 1)))
    out[:, :5] = centre + factors * (out[:, :5] - centre)
    return out

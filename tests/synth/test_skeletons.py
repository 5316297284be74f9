import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from videosync.synth.motion import MocapError, Motion
from videosync.synth.skeletons import (
    FACE_OFFSETS_M,
    FAMILIES,
    jitter_face,
    Pose3D,
    detect_family,
    load_pose3d,
    random_segment_factors,
    resample,
    scale_segments,
    to_coco3d,
)

MAX = next(f for f in FAMILIES if f.name == "cmu_3dsmax")


def _standing_motion(head_rotation: np.ndarray | None = None, n: int = 2) -> Motion:
    """3dsMax-named skeleton in CMU units: thigh 0.40 m, shank 0.40 m, mid-hip to head 0.60 m."""
    u = 0.0254 / 0.45
    pos = {
        "LeftHip": (0.1, 0.9, 0), "RightHip": (-0.1, 0.9, 0), "LeftKnee": (0.1, 0.5, 0), "RightKnee": (-0.1, 0.5, 0),
        "LeftAnkle": (0.1, 0.1, 0), "RightAnkle": (-0.1, 0.1, 0), "LeftShoulder": (0.18, 1.4, 0),
        "RightShoulder": (-0.18, 1.4, 0), "LeftElbow": (0.45, 1.4, 0), "RightElbow": (-0.45, 1.4, 0),
        "LeftWrist": (0.7, 1.4, 0), "RightWrist": (-0.7, 1.4, 0), "Head": (0, 1.5, 0),
    }
    names = tuple(pos)
    positions = np.repeat(np.array([pos[k] for k in names])[None] / u, n, axis=0)
    rotations = np.repeat(np.repeat(np.eye(3)[None, None], len(names), axis=1), n, axis=0)
    if head_rotation is not None:
        rotations[:, names.index("Head")] = head_rotation
    return Motion(names, np.full(len(names), -1), positions, rotations, 120.0, "fake.bvh", "bvh")


def test_face_points_from_head_position_orientation_and_body_size():
    pose = to_coco3d(_standing_motion())
    # Height = (0.4 + 0.4 + 0.6) / 0.85; face offsets scale with height / 1.7.
    scale = (1.4 / 0.85) / 1.7
    head = np.array([0, 1.5, 0])
    for k, (up, fwd, left) in FACE_OFFSETS_M.items():
        # CMU axes: up = +y, forward = +z, left = +x.
        np.testing.assert_allclose(pose.joints[0, k], head + scale * np.array([left, up, fwd]), atol=1e-9)
    np.testing.assert_allclose(pose.joints[0, 5], [0.18, 1.4, 0], atol=1e-9)
    np.testing.assert_allclose(pose.joints[0, 16], [-0.1, 0.1, 0], atol=1e-9)
    assert pose.meta["height_m"] == pytest.approx(1.4 / 0.85, abs=1e-3)
    assert pose.family == "cmu_3dsmax"


def test_face_turns_with_the_head():
    # Head turned 90 degrees about +y: forward (+z) becomes +x, left (+x) becomes -z.
    pose = to_coco3d(_standing_motion(Rotation.from_euler("y", 90, degrees=True).as_matrix()))
    scale = (1.4 / 0.85) / 1.7
    np.testing.assert_allclose(pose.joints[0, 0], [0.105 * scale, 1.5 + 0.04 * scale, 0], atol=1e-9)
    np.testing.assert_allclose(pose.joints[0, 1], [0.08 * scale, 1.5 + 0.08 * scale, -0.033 * scale], atol=1e-9)


def test_unknown_skeleton_names_the_file():
    motion = _standing_motion()
    motion.names = tuple(f"bone{i}" for i in range(len(motion.names)))
    with pytest.raises(MocapError, match="fake.bvh: unknown skeleton"):
        detect_family(motion)


def test_each_family_is_recognised_by_its_own_names():
    for fam in FAMILIES:
        names = tuple(sorted(fam.signature()))
        motion = Motion(names, np.zeros(len(names)), np.zeros((1, len(names), 3)), np.zeros((1, len(names), 3, 3)),
                        30.0, "x", "bvh")
        assert detect_family(motion).name == fam.name


def test_resample_120_to_30_keeps_every_fourth_frame_and_30_to_60_interpolates():
    joints = np.arange(10, dtype=float)[:, None, None] * np.ones((10, 17, 3))
    down = resample(Pose3D(joints, 120.0), 30.0)
    assert down.fps == 30.0
    np.testing.assert_allclose(down.joints[:, 0, 0], [0, 4, 8])
    up = resample(Pose3D(joints[:3], 30.0), 60.0)
    np.testing.assert_allclose(up.joints[:, 0, 0], [0, 0.5, 1, 1.5, 2])
    same = resample(Pose3D(joints, 30.0), 30.0)
    np.testing.assert_array_equal(same.joints, joints)


def test_scale_segments_scales_each_segment_around_its_parent():
    rng = np.random.default_rng(0)
    joints = rng.normal(size=(4, 17, 3))
    np.testing.assert_allclose(scale_segments(joints, {}), joints, atol=1e-12)
    out = scale_segments(joints, {"thigh_l": 1.2, "shank_l": 0.5, "forearm_r": 2.0, "torso": 1.1})
    length = lambda j, a, b: np.linalg.norm(j[:, a] - j[:, b], axis=-1)  # noqa: E731
    np.testing.assert_allclose(length(out, 13, 11), 1.2 * length(joints, 13, 11))
    np.testing.assert_allclose(length(out, 15, 13), 0.5 * length(joints, 15, 13))
    np.testing.assert_allclose(length(out, 10, 8), 2.0 * length(joints, 10, 8))
    np.testing.assert_allclose(length(out, 14, 12), length(joints, 14, 12))
    # Directions are kept and the mid-hip does not move.
    d_new = out[:, 15] - out[:, 13]
    d_old = joints[:, 15] - joints[:, 13]
    np.testing.assert_allclose(np.cross(d_new, d_old), 0, atol=1e-12)
    np.testing.assert_allclose(out[:, 11:13].mean(axis=1), joints[:, 11:13].mean(axis=1))
    neck_new, neck_old = out[:, 5:7].mean(axis=1), joints[:, 5:7].mean(axis=1)
    hip = joints[:, 11:13].mean(axis=1)
    np.testing.assert_allclose(neck_new - hip, 1.1 * (neck_old - hip))


def test_random_segment_factors_are_seeded_and_nearly_symmetric():
    a = random_segment_factors(np.random.default_rng(5))
    b = random_segment_factors(np.random.default_rng(5))
    c = random_segment_factors(np.random.default_rng(6))
    assert a == b and a != c
    assert abs(np.log(a["thigh_l"] / a["thigh_r"])) < 0.1


@pytest.mark.parametrize(
    "rel, family, skipped",
    [
        ("bandai_namco_1/data/dataset-1_walk_normal_001.bvh", "bandai", 0),
        ("cmu/bvh_daz/02_01.bvh", "cmu_daz", 1),
        ("cmu/bvh_3dsmax/131_01.bvh", "cmu_3dsmax", 0),
        ("cmu/bvh_motionbuilder/01_01.bvh", "cmu_motionbuilder", 1),
        ("cmu/asfamc/sheffieldml_gpmat/35/35_01.amc", "asf", 0),
        ("hdm05/HDM_dg_06-03_03_120.amc", "asf", 0),
    ],
)
def test_real_files_map_to_plausible_upright_people(mocap_dir, rel, family, skipped):
    pose = load_pose3d(mocap_dir / rel, max_frames=4)
    j = pose.joints
    assert pose.family == family and len(pose) == 4 - skipped
    assert 1.45 < pose.meta["height_m"] < 2.0
    mid_hip_y = j[:, 11:13, 1].mean()
    assert 0.75 < mid_hip_y < 1.1                                  # metres, y up
    assert (j[:, 0, 1] > j[:, 5:7, 1].max(axis=1)).all()           # nose above shoulders
    assert (j[:, 15:17, 1].max(axis=1) < j[:, 13:15, 1].min(axis=1)).all()  # ankles below knees
    # Face looks the way the body faces: forward = cross(left, up) for a right-handed frame.
    left = j[:, 5] - j[:, 6]
    up = j[:, 5:7].mean(axis=1) - j[:, 11:13].mean(axis=1)
    body_fwd = np.cross(left, up)
    face_fwd = j[:, 0] - j[:, 3:5].mean(axis=1)
    assert (np.einsum("ti,ti->t", body_fwd, face_fwd) > 0).all()
    assert (np.einsum("ti,ti->t", j[:, 1] - j[:, 2], left) > 0).all()  # left eye on the left


def test_jitter_face_moves_only_face_points_along_rays_from_the_face_centre():
    joints = np.random.default_rng(0).normal(size=(3, 17, 3))
    out = jitter_face(joints, np.random.default_rng(1), spread=0.2)
    np.testing.assert_array_equal(out[:, 5:], joints[:, 5:])
    centre = joints[:, :5].mean(axis=1, keepdims=True)
    ratio = np.linalg.norm(out[:, :5] - centre, axis=-1) / np.linalg.norm(joints[:, :5] - centre, axis=-1)
    np.testing.assert_allclose(ratio, np.repeat(ratio[:1], 3, axis=0))   # one factor per point, all frames
    assert not np.allclose(ratio, 1.0)
    np.testing.assert_allclose(np.cross(out[:, :5] - centre, joints[:, :5] - centre), 0, atol=1e-12)

import numpy as np
import pytest

from videosync.synth.camera import Camera, CameraConfig, look_at, sample_camera


def _camera(roll_deg: float = 0.0) -> Camera:
    pos = np.array([[0.0, 1.0, -5.0]])
    rot = look_at(pos, np.array([[0.0, 1.0, 0.0]]), np.deg2rad(roll_deg))
    return Camera(200, 100, 100.0, 100.0, 50.0, pos, rot)


def test_projection_matches_hand_computed_pixels():
    # Camera 5 m in front of the origin (at z = -5) looking along +z: world +x is image left
    # (the camera faces the way a +z-facing person does, and that person's left is +x).
    points = np.array([[[0, 1, 0], [1, 1, 0], [0, 2, 0], [0, 1, 5]]], dtype=float)
    uv, depth = _camera().project(points)
    np.testing.assert_allclose(uv[0], [[100, 50], [80, 50], [100, 30], [100, 50]], atol=1e-9)
    np.testing.assert_allclose(depth[0], [5, 5, 5, 10])


def test_roll_turns_the_image_about_the_optical_axis():
    # With 90 degrees of roll a point 1 m above the target moves from above the centre to its left.
    uv, _ = _camera(90.0).project(np.array([[[0, 2, 0]]], dtype=float))
    np.testing.assert_allclose(uv[0, 0], [80, 50], atol=1e-9)


def test_points_behind_the_camera_have_negative_depth():
    _, depth = _camera().project(np.array([[[0, 1, -6]]], dtype=float))
    assert depth[0, 0] < 0


def _walker(n: int = 90) -> np.ndarray:
    rng = np.random.default_rng(1)
    base = np.array([[0, 1.6, 0.1]] * 5 + [[0.2, 1.4, 0], [-0.2, 1.4, 0], [0.25, 1.1, 0], [-0.25, 1.1, 0],
                     [0.3, 0.85, 0], [-0.3, 0.85, 0], [0.1, 0.9, 0], [-0.1, 0.9, 0], [0.1, 0.5, 0],
                     [-0.1, 0.5, 0], [0.1, 0.08, 0], [-0.1, 0.08, 0]], dtype=float)
    walk = np.zeros((n, 1, 3))
    walk[:, 0, 2] = np.linspace(0, 3, n)
    return base[None] + walk + rng.normal(0, 0.01, (n, 17, 3))


def test_sample_camera_is_seeded_and_sees_the_subject():
    joints = _walker()
    a = sample_camera(joints, 30.0, np.random.default_rng(3))
    b = sample_camera(joints, 30.0, np.random.default_rng(3))
    assert a.meta == b.meta
    np.testing.assert_array_equal(a.position, b.position)
    cfg = CameraConfig()
    for seed in range(20):
        cam = sample_camera(joints, 30.0, np.random.default_rng(seed), cfg)
        uv, depth = cam.project(joints)
        inside = (depth > 0.1) & (uv[..., 0] >= 0) & (uv[..., 0] < cam.width) & (uv[..., 1] >= 0) & (
            uv[..., 1] < cam.height)
        assert inside.mean() >= cfg.min_visible_fraction
        assert (cam.position[:, 1] >= cfg.min_camera_height_m - 1e-9).all()


def test_cameras_cover_all_directions_sizes_and_motions():
    joints = _walker()
    metas = [sample_camera(joints, 30.0, np.random.default_rng(s)).meta for s in range(120)]
    az = np.array([m["azimuth_deg"] for m in metas])
    assert np.histogram(az, bins=4, range=(0, 360))[0].min() > 10   # front, back and both sides
    assert any(m["size"][0] < m["size"][1] for m in metas)           # portrait
    assert any(m["size"][0] > m["size"][1] for m in metas)           # landscape
    assert {m["motion"] for m in metas} == {"static", "pan", "dolly"}


@pytest.mark.parametrize("kind", ["pan", "dolly"])
def test_moving_cameras_move_slowly(kind):
    joints = _walker(300)
    for seed in range(40):
        cam = sample_camera(joints, 30.0, np.random.default_rng(seed), CameraConfig(moving_probability=1.0))
        if cam.meta["motion"] == kind:
            break
    else:
        pytest.fail(f"no {kind} camera drawn")
    if kind == "dolly":
        step = np.linalg.norm(np.diff(cam.position, axis=0), axis=1)
        assert step.max() > 0 and step.max() * 30 <= 0.4 + 1e-9       # metres per second
    else:
        fwd = cam.rotation[:, 2]
        assert np.ptp(fwd, axis=0).max() > 1e-3
        turn = np.degrees(np.arccos(np.clip(np.einsum("ti,ti->t", fwd[1:], fwd[:-1]), -1, 1)))
        assert turn.max() < 2.0                                        # degrees per frame

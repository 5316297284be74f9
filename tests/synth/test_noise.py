import numpy as np

from videosync.poses.layouts import COCO17_FLIP
from videosync.synth.camera import Camera, look_at
from videosync.synth.noise import NoiseConfig, apply_detector_noise, render_view

QUIET = NoiseConfig(jitter_rel=0, jitter_floor_px=0, blur_gain=0, temporal_rho=0, p_low_score=0, p_missing=0,
                    p_far_side_missing=0, p_face_away_missing=0, swaps_per_second=0, dropouts_per_second=0)


def _uv(n=200, speed=0.0):
    uv = np.zeros((n, 17, 2))
    uv[..., 0] = 300 + np.arange(17)[None] * 5 + speed * np.arange(n)[:, None]
    uv[..., 1] = 200 + np.arange(17)[None] * 10
    return uv


def _noise(uv, cfg, person_px=300.0, seed=0, depth=None, width=4000.0, height=1000.0):
    depth = np.full(uv.shape[:2], 5.0) if depth is None else depth
    return apply_detector_noise(uv, depth, np.full(len(uv), person_px), width, height, 30.0,
                                np.random.default_rng(seed), cfg, quality=1.0)


def test_without_noise_positions_are_exact_and_out_of_view_joints_missing():
    uv = _uv(3)
    uv[1, 4] = (-3, 100)        # left of the image
    uv[2, 5] = (100, 1000)      # below (y == height is outside)
    depth = np.full((3, 17), 5.0)
    depth[0, 6] = -1.0          # behind the camera
    kp = _noise(uv, QUIET, depth=depth)
    missing = kp[..., 2] == 0
    assert missing.sum() == 3 and missing[1, 4] and missing[2, 5] and missing[0, 6]
    np.testing.assert_allclose(kp[~missing][:, :2], uv[~missing], atol=1e-3)
    assert (kp[~missing][:, 2] > 0).all() and (kp[..., 2] <= 1).all()
    assert (kp[missing] == 0).all()


def test_jitter_grows_with_joint_speed():
    cfg = NoiseConfig(**{**QUIET.__dict__, "jitter_rel": 0.01, "jitter_floor_px": 0.5, "blur_gain": 0.1})
    still, moving = _uv(400, 0.0), _uv(400, 20.0)
    err_still = np.std(_noise(still, cfg)[1:-1, :, :2] - still[1:-1])
    err_moving = np.std(_noise(moving, cfg)[1:-1, :, :2] - moving[1:-1])
    # Expected std: about 0.01 * 300 * (sigma_j / 0.079) + 0.5 px standing, plus 0.1 * 20 px moving.
    assert err_moving > err_still + 1.0


def test_relative_jitter_grows_for_small_far_people():
    cfg = NoiseConfig(**{**QUIET.__dict__, "jitter_rel": 0.01, "jitter_floor_px": 1.0})
    uv = _uv(400)
    rel_near = np.std(_noise(uv, cfg, person_px=600)[..., :2] - uv) / 600
    rel_far = np.std(_noise(uv, cfg, person_px=60)[..., :2] - uv) / 60
    assert rel_far > 1.5 * rel_near


def test_dropouts_blank_whole_frames():
    cfg = NoiseConfig(**{**QUIET.__dict__, "dropouts_per_second": 3.0})
    kp = _noise(_uv(300), cfg)
    blank = (kp[..., 2] == 0).all(axis=1)
    assert 0 < blank.sum() < 300
    assert ((kp[..., 2] > 0).all(axis=1) | blank).all()   # otherwise frames are complete


def test_swaps_exchange_left_and_right_for_a_few_frames():
    cfg = NoiseConfig(**{**QUIET.__dict__, "swaps_per_second": 2.0})
    uv = _uv(300)
    kp = _noise(uv, cfg)
    swapped = np.zeros(300, dtype=bool)
    for t in range(300):
        same = np.allclose(kp[t, :, :2], uv[t], atol=1e-3)
        if not same:
            # Some group of joints holds exactly its twins' positions.
            moved = ~np.isclose(kp[t, :, :2], uv[t], atol=1e-3).all(axis=1)
            np.testing.assert_allclose(kp[t, moved, :2], uv[t, np.array(COCO17_FLIP)[moved]], atol=1e-3)
            swapped[t] = True
    assert 0 < swapped.sum() < 150


def test_face_turned_away_gets_low_scores():
    uv = _uv(500)
    depth = np.full((500, 17), 5.0)
    depth[:, 0] = 5.2          # nose farther than the ears: we see the back of the head
    cfg = NoiseConfig(**{**QUIET.__dict__, "p_face_away_missing": 0.4})
    kp = _noise(uv, cfg, depth=depth)
    assert kp[:, :3, 2].mean() < 0.5 * kp[:, 5:, 2].mean()
    assert 0.2 < (kp[:, 0, 2] == 0).mean() < 0.6


def test_render_view_gives_a_pose_track_with_the_camera_image_size():
    pos = np.repeat(np.array([[0.0, 1.0, -5.0]]), 10, axis=0)
    cam = Camera(640, 480, 500.0, 320.0, 240.0, pos, look_at(pos, np.repeat([[0.0, 1.0, 0.0]], 10, axis=0)))
    joints = np.random.default_rng(0).normal(0, 0.2, (10, 17, 3)) + np.array([0, 1.0, 0])
    track = render_view(joints, 30.0, cam, np.random.default_rng(1), meta={"view": 2})
    assert (track.width, track.height, track.fps, track.size_source) == (640, 480, 30.0, "given")
    assert len(track) == 10 and track.meta["view"] == 2 and track.meta["synthetic"]
    clean = render_view(joints, 30.0, cam, np.random.default_rng(1), clean=True)
    uv, _ = cam.project(joints)
    np.testing.assert_allclose(clean.keypoints[..., :2], uv, atol=1e-3)

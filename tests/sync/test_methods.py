import numpy as np
import pytest

from tests.sync.synth import other_view, sampled_track, track_from
from videosync.errors import CannotSynchronizeError, VideosyncError
from videosync.poses import PoseTrack
from videosync.registry import METHODS as METHOD_REGISTRY
from videosync.sync import available_methods, get_method, register_method
from videosync.sync.bounds import OffsetBounds
from videosync.sync.methods.base import FeatureMatchingMethod
from videosync.sync.methods.speed_xcorr import lagged_pearson
from videosync.sync.methods.ssm import banded_ssm

METHODS = ["simple", "ssm", "speed-xcorr"]
FPS = 30.0


def _pair(offset_frames: float, n_a: int = 600, n_b: int = 600, start: float = 20.0):
    """A and B of one motion; frame i of A shows the instant of frame i + offset_frames of B."""
    a = sampled_track(n_a, FPS, start)
    b = sampled_track(n_b, FPS, start - offset_frames / FPS)
    return a, b


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("offset", [-7, 0, 12])
def test_known_integer_offset_is_recovered(method, offset):
    a, b = _pair(offset)
    e = get_method(method).estimate(a, b)
    assert e.method == method
    assert e.offset_frames == pytest.approx(offset, abs=0.1)
    assert e.offset_seconds == pytest.approx(e.offset_frames / FPS)
    assert e.confidence > 0.8


@pytest.mark.parametrize("method", METHODS)
def test_large_offset_of_500_frames(method):
    a, b = _pair(500, n_a=1500, n_b=1500)
    e = get_method(method).estimate(a, b)
    assert e.offset_frames == pytest.approx(500, abs=0.2)
    a, b = _pair(-500, n_a=1500, n_b=1500)
    assert get_method(method).estimate(a, b).offset_frames == pytest.approx(-500, abs=0.2)


def test_simple_recovers_a_subframe_offset():
    a, b = _pair(12.4)
    e = get_method("simple").estimate(a, b)
    assert e.offset_frames == pytest.approx(12.4, abs=0.05)
    assert e.fit.median_offset == pytest.approx(12.4, abs=0.1)


@pytest.mark.parametrize("method", METHODS)
def test_unrelated_motion_gets_low_confidence(method):
    a = sampled_track(600, FPS, 0.0, seed=1)
    b = sampled_track(600, FPS, 0.0, seed=2)
    try:
        e = get_method(method).estimate(a, b)
    except CannotSynchronizeError:
        return
    assert e.confidence < 0.15


def test_30_vs_25_fps_gives_the_fps_ratio_and_the_offset():
    a = sampled_track(900, 30.0, 20.0)
    b = sampled_track(750, 25.0, 19.5)  # A's frame 0 (t = 20 s) is B's frame 12.5
    e = get_method("simple").estimate(a, b)
    assert e.rate == pytest.approx(25 / 30, abs=1e-3)
    assert e.fit.rate_estimate == pytest.approx(25 / 30, abs=1e-3)
    assert e.offset_frames == pytest.approx(12.5, abs=0.1)
    assert e.offset_seconds == pytest.approx(0.5, abs=0.005)
    sx = get_method("speed-xcorr").estimate(a, b)
    assert sx.offset_frames == pytest.approx(12.5, abs=0.5)


def test_rate_is_estimated_when_the_fps_label_is_wrong():
    a = sampled_track(900, 30.0, 20.0)
    b = sampled_track(750, 25.0, 19.5)
    mislabelled = track_from(b.keypoints, 30.0)
    e = get_method("simple", rate_mode="estimate").estimate(a, mislabelled)
    assert e.fit.rate_source == "estimated"
    assert e.rate == pytest.approx(25 / 30, abs=1e-3)
    assert e.offset_frames == pytest.approx(12.5, abs=0.2)
    same = get_method("simple", rate_mode="estimate").estimate(a, sampled_track(900, 30.0, 20.3))
    assert same.rate == 1.0 and same.fit.rate_estimate == pytest.approx(1.0, abs=1e-4)


def test_ssm_is_invariant_to_a_similarity_change_of_view():
    a, b = _pair(-10)
    b = other_view(b, angle_deg=25, scale=0.6)
    e = get_method("ssm").estimate(a, b)
    assert e.offset_frames == pytest.approx(-10, abs=0.2) and e.confidence > 0.8
    # the raw pose is not: Simple fails or loses its confidence on the same pair
    try:
        s = get_method("simple").estimate(a, b)
        assert abs(s.offset_frames + 10) > 1 or s.confidence < 0.5
    except CannotSynchronizeError:
        pass


@pytest.mark.parametrize("method", METHODS)
def test_dropped_frames_are_handled_in_source_frame_numbers(method):
    a, b = _pair(9)
    rng = np.random.default_rng(0)
    keep = np.sort(rng.choice(len(b), int(0.9 * len(b)), replace=False))
    b = b.select(keep)
    e = get_method(method).estimate(a, b)
    assert e.offset_frames == pytest.approx(9, abs=0.3)


@pytest.mark.parametrize("method", METHODS)
def test_max_offset_limits_the_search(method):
    a, b = _pair(40)
    m = get_method(method)
    assert m.estimate(a, b, bounds=OffsetBounds(60)).offset_frames == pytest.approx(40, abs=0.2)
    try:
        e = m.estimate(a, b, bounds=OffsetBounds(20))
    except CannotSynchronizeError:
        return
    assert abs(e.offset_frames) <= 20.5 and e.confidence < 0.3


def test_source_frame_numbers_not_rows():
    # B's file starts at source frame 100: the offset is in source frames, not rows
    a, b = _pair(5)
    b100 = b.with_keypoints(b.keypoints, b.frame_index + 100)
    for method in METHODS:
        assert get_method(method).estimate(a, b100).offset_frames == pytest.approx(105, abs=0.1)


@pytest.mark.parametrize("method", METHODS)
def test_track_without_detections_is_reported_with_its_path(method):
    a, _ = _pair(0)
    empty = PoseTrack(np.zeros((50, 17, 3)), fps=30, width=640, height=480, source="cam9.npz")
    with pytest.raises(CannotSynchronizeError, match="cam9.npz"):
        get_method(method).estimate(a, empty)


def test_too_short_overlap_raises():
    a = sampled_track(8, FPS, 0.0)
    with pytest.raises(CannotSynchronizeError, match="simple"):
        get_method("simple").estimate(a, a)


def test_registry(monkeypatch):
    assert set(METHODS) <= set(available_methods())
    with pytest.raises(VideosyncError, match="unknown synchronization method 'nope'"):
        get_method("nope")
    monkeypatch.setattr(METHOD_REGISTRY, "_entries", dict(METHOD_REGISTRY._entries))
    register_method("simple-copy", "videosync.sync.methods.simple:SimpleMethod")
    m = get_method("simple-copy", min_joints=3)
    assert isinstance(m, FeatureMatchingMethod) and m.min_joints == 3


def test_lagged_pearson_equals_corrcoef_over_the_overlap():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=40), rng.normal(size=30)
    lags = np.arange(-30, 25)
    r, cnt = lagged_pearson(x, y, lags)
    for k, lag in enumerate(lags):
        i = np.arange(len(x))
        ok = (i + lag >= 0) & (i + lag < len(y))
        assert cnt[k] == ok.sum()
        if ok.sum() >= 3:
            assert r[k] == pytest.approx(np.corrcoef(x[ok], y[i[ok] + lag])[0, 1], abs=1e-9)


def test_banded_ssm_hand_computed():
    kp = np.zeros((3, 17, 3), np.float32)
    kp[..., 2] = 1
    kp[0, :, 0] = np.arange(17)  # joints on a line, body size: RMS distance to centroid
    kp[1] = kp[0]
    kp[1, :, 1] += 3.0  # frame 1: the whole body moved 3 px down
    kp[2] = kp[0]
    kp[2, 0, 0] += 17.0  # frame 2: one joint moved 17 px
    t = PoseTrack(kp, fps=30, width=640, height=480)
    size = np.sqrt(np.mean((np.arange(17) - 8.0) ** 2))
    centred = banded_ssm(t, 2)
    assert centred[0, 0] == 0 and centred[0, 1] == pytest.approx(0.0, abs=1e-9)  # translation
    # one joint displaced by 17: mean |D - mean D|^2 = (17^2 - 17^2 / 17) / 17 = 16
    assert centred[0, 2] == pytest.approx(4.0 / size)
    raw = banded_ssm(t, 2, centre=False)
    assert raw[0, 1] == pytest.approx(3.0 / size)
    assert np.isnan(centred[2, 1]) and np.isnan(centred[1, 2])  # beyond the end


def test_progress_callback_reaches_the_total():
    a, b = _pair(3, n_a=200, n_b=200)
    calls = []
    get_method("simple", progress=lambda done, total: calls.append((done, total)),
               max_block_bytes=4 * 200 * 50).estimate(a, b)
    assert len(calls) == 8 and calls[-1] == (400, 400)  # rows of A, then of B (soft votes)
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)


def test_sesyn_embeds_out_of_range_rates_at_the_nearest_rate_it_knows():
    """A 120 fps track, for a model that embeds 15-60 fps as is, is embedded at 60 fps: even
    frames get the embedding of the every-other-frame track, odd ones the mean of their
    neighbours'. A 30 fps track is embedded as it is, and its edge margin is the receptive radius.
    """
    from videosync.model import SeSynConfig, SeSynNet, embed_poses
    from videosync.sync.methods.sesyn import SesynMethod

    net = SeSynNet(SeSynConfig(channels=(4, 8)), seed=0)
    method = SesynMethod(net=net, device="cpu")
    assert method.fps_range == (15.0, 60.0)
    rng = np.random.default_rng(0)
    kp = np.concatenate([rng.uniform(0, 600, (81, 17, 2)), np.ones((81, 17, 1))], axis=2)
    fast = PoseTrack(kp, fps=120.0, width=640, height=640)
    feats = method.features(fast)
    half = embed_poses(net, fast.normalized()[::2], device="cpu")
    assert feats.shape == (81, half.shape[1])
    np.testing.assert_allclose(feats[::2], half, atol=1e-5)
    np.testing.assert_allclose(feats[1::2], 0.5 * (half[:-1] + half[1:]), atol=1e-5)
    normal = PoseTrack(kp, fps=30.0, width=640, height=640)
    np.testing.assert_allclose(method.features(normal), embed_poses(net, normal.normalized(), device="cpu"), atol=1e-6)
    radius = net.receptive_radius
    assert not method.valid_rows(normal)[:radius].any() and method.valid_rows(normal)[radius]
    # at 120 fps the same context spans twice as many input frames
    assert not method.valid_rows(fast)[: 2 * radius].any() and method.valid_rows(fast)[2 * radius]
    # A clip too short to spare the whole radius at both ends loses as much as leaves 20 frames
    # (MIN_INTERIOR_FRAMES): its edge frames, which look alike in two equal-length clips, would
    # otherwise vote for offset 0. 31 frames: (31 - 20) // 2 = 5 at each end.
    short = PoseTrack(kp[:31], fps=30.0, width=640, height=640)
    assert radius > 5
    assert method.valid_rows(short).tolist() == [False] * 5 + [True] * 21 + [False] * 5
    assert method.valid_rows(PoseTrack(kp[:20], fps=30.0, width=640, height=640)).all()


def test_rate_band_is_narrow_only_when_both_rates_come_from_videos():
    from dataclasses import replace

    from videosync.tunables import VIDEO_RATE_FACTOR
    from videosync.sync.methods.base import max_rate_factor

    a = sampled_track(10, 60.0)
    video_a = replace(a, size_source="video")
    video_b = replace(sampled_track(10, 30.0), size_source="video")
    assumed = replace(sampled_track(10, 30.0), meta={"fps_source": "assumed"})
    json_beside_video = replace(sampled_track(10, 30.0), size_source="video", meta={"fps_source": "video"})
    assert max_rate_factor(video_a, video_b, "auto") == VIDEO_RATE_FACTOR == 1.05
    assert max_rate_factor(video_a, json_beside_video, "auto") == 1.05
    assert max_rate_factor(video_a, assumed, "auto") == 2.0
    assert max_rate_factor(a, video_b, "auto") == 2.0  # size "given": where the fps came from is unknown
    assert max_rate_factor(video_a, video_b, "estimate") == 2.0  # a free rate was asked for


def test_evidence_band_reaches_a_period_beyond_the_search():
    assert OffsetBounds(30).evidence_band(30.0) == 60.0  # 30 + max(30, 1 s = 30 frames)
    assert OffsetBounds(10).evidence_band(60.0) == 70.0  # 10 + 1 s at 60 fps
    assert OffsetBounds(100).evidence_band(25.0) == 200.0  # 100 + 100
    assert OffsetBounds().evidence_band(30.0) is None  # unbounded: the whole matrix


def test_max_offset_matches_in_the_evidence_band_and_answers_inside_the_range(monkeypatch):
    from videosync.sync.methods import base

    seen = []
    real = base.match_frames

    def spy(*args, **kwargs):
        seen.append(kwargs["band"])
        return real(*args, **kwargs)

    monkeypatch.setattr(base, "match_frames", spy)
    a, b = _pair(12)
    e = get_method("simple").estimate(a, b, bounds=OffsetBounds(20))
    assert seen[0] == 50.0  # 20 + max(20, 30 frames)
    assert e.offset_frames == pytest.approx(12, abs=0.1)
    assert get_method("simple").estimate(a, b).confidence == pytest.approx(e.confidence, abs=0.05)


def _periodic_track(n: int, start_seconds: float, period: float = 1.0) -> PoseTrack:
    """A motion that repeats exactly every ``period`` seconds (every joint a sinusoid)."""
    from tests.sync.synth import _REST

    t = start_seconds + np.arange(n) / FPS
    phase = np.linspace(0, 2 * np.pi, 34, endpoint=False).reshape(17, 2)
    xy = np.array([320.0, 240.0]) + _REST[None] + 15 * np.sin(2 * np.pi * t[:, None, None] / period + phase[None])
    return track_from(np.concatenate([xy, np.ones((n, 17, 1))], axis=2), FPS)


def test_a_repeated_motion_names_the_rival_offset_a_period_away():
    """Three 1 s repetitions seen 5 frames apart: the offsets 5 - 30 and 5 + 30 fit the poses
    exactly as well as 5 and differ only in how many frames overlap, so the answer comes with a
    note naming the other offset; a motion that does not repeat gets no such note."""
    a, b = _periodic_track(90, 10.0), _periodic_track(90, 10.0 - 5 / FPS)
    e = get_method("simple").estimate(a, b)
    assert e.offset_frames == pytest.approx(5, abs=0.1)
    assert e.fit.uniqueness < 1.0 and abs(e.fit.runner_up_offset - 5) == pytest.approx(30, abs=1)
    notes = [n for n in e.notes if n.startswith("another offset")]
    assert len(notes) == 1 and f"{e.fit.runner_up_offset:+.1f} frames" in notes[0]
    assert not [n for n in get_method("simple").estimate(*_pair(5)).notes if n.startswith("another offset")]


def _variant_model(tmp_path, settings):
    from videosync.model import SeSynConfig, SeSynNet, save_checkpoint

    config = SeSynConfig(channels=(4, 8))
    main, noisy = SeSynNet(config, seed=0).eval(), SeSynNet(config, seed=1).eval()
    path = save_checkpoint(tmp_path / "m.pt", main, variants={"noisy": (noisy, settings)})
    return path, main, noisy


def test_sesyn_matches_a_pair_with_jittery_keypoints_with_the_noisy_variant(tmp_path, monkeypatch):
    """Gaussian noise of 5 px on every coordinate of a 500 x 500 image is a jitter of 1 % of the
    image (``image_jitter`` estimates the deviation from second differences) and of 5 px / the
    person's size (about 200 px): above both of the variant's thresholds. The smooth motion alone
    is far below; and the same noise on a 4x larger image is under the image threshold."""
    import dataclasses

    import torch

    from videosync.sync.methods.sesyn import SesynMethod, noisy_note
    from videosync.poses.stats import person_size

    path, main, noisy = _variant_model(tmp_path, {"above_relative_jitter": 0.01, "above_image_jitter": 0.005})
    method = SesynMethod(path, device="cpu")
    used = []

    def features(track, net=None):  # which network embeds; the coordinates themselves are matched
        used.append(net)
        return track.keypoints[..., :2].reshape(len(track), -1)

    monkeypatch.setattr(method, "features", features)
    a = dataclasses.replace(sampled_track(300, 30.0, start_seconds=2.0), width=500, height=500)
    clean = method.estimate(a, a)
    assert clean.diagnostics["model_variant"] == "main"
    assert all(v["above_image_jitter"] < 0.001 for v in clean.diagnostics["keypoint_jitter"])
    assert not any("noisy" in n for n in clean.notes)
    kp = a.keypoints.copy()
    kp[..., :2] += np.random.default_rng(0).normal(0.0, 5.0, kp[..., :2].shape)
    jittery = a.with_keypoints(kp)
    est = method.estimate(a, jittery)  # one noisy view is enough
    assert est.diagnostics["model_variant"] == "noisy"
    b_jitter = est.diagnostics["keypoint_jitter"][1]
    assert b_jitter["above_image_jitter"] == pytest.approx(5.0 / 500, rel=0.05)
    assert b_jitter["above_relative_jitter"] == pytest.approx(5.0 / person_size(jittery), rel=0.05)
    assert noisy_note(b_jitter["above_relative_jitter"], b_jitter["above_image_jitter"]) in est.notes
    x = torch.rand(1, 12, 17, 3)
    with torch.no_grad():  # both views of each pair, with the same network; the main one again after
        assert [torch.allclose(n(x), main(x)) for n in used] == [True, True, False, False]
        assert all(torch.allclose(n(x), noisy(x)) for n in used[2:])
        assert torch.allclose(method.net(x), main(x))  # the method itself is left as it was
    # what `align --plot` draws: the features the pair was matched with, kept with the estimate
    np.testing.assert_array_equal(est.preview.b, features(jittery.dense())[::est.preview.step_b])
    assert len(used) == 5  # (the call just above)
    large = dataclasses.replace(jittery, width=2000, height=2000)  # 0.25 % of this image
    assert method.estimate(large, large).diagnostics["model_variant"] == "main"


def test_a_noisy_variant_without_its_threshold_is_a_model_error(tmp_path):
    from videosync.errors import ModelError
    from videosync.sync.methods.sesyn import SesynMethod

    for settings in ({"blend_weight": 0.5}, {"above_image_jitter": 0.005, "above_relative_jitter": -1}):
        path, _, _ = _variant_model(tmp_path, settings)
        with pytest.raises(ModelError, match="above_relative_jitter or above_image_jitter") as err:
            SesynMethod(path, device="cpu")
        assert str(path) in str(err.value)


def test_the_shipped_model_has_a_noisy_variant_that_precise_keypoints_never_reach(demo_dir):
    """The Pose2Sim demo's OpenPose keypoints (a precise detector: 0.4-0.5 % of the person's size,
    0.16 % of the image) are matched with the shipped model's main weights."""
    from videosync.model import default_model_path, load_checkpoint
    from videosync.poses import load_openpose_dir
    from videosync.sync.methods.sesyn import JITTER_SETTINGS, NOISY_VARIANT

    path = default_model_path()
    if path is None:
        pytest.skip("no shipped model")
    _, meta = load_checkpoint(path, "cpu")
    thresholds = meta["variants"][NOISY_VARIANT]
    cams = sorted((demo_dir / "single-person").glob("pose*/cam*_json"))
    assert len(cams) == 4
    for cam in cams:
        track = load_openpose_dir(cam)
        for name, measure in JITTER_SETTINGS.items():
            assert measure(track) < thresholds[name] / 2, (cam, name)

"""The training loop: checkpoints, exact resume, validation, and bad input."""

import json

import numpy as np
import pytest
import torch

from videosync.datasets import find_pairs, find_recordings
from videosync.errors import PoseFileError, VideosyncError
from videosync.model import load_checkpoint
from videosync.poses import save_npz
from videosync.tunables import JITTER_FLOOR
from videosync.train import (TrainConfig, ViewBank, _mirror, _view_augment, loss_mask, partner_index,
                             sample_batch, train, view_jitter)
from tests.sync.synth import other_view, sampled_track

TINY = dict(steps=4, batch_size=2, crop_frames=24, max_shift=4, channels=(8, 16), val_every=2, checkpoint_every=1)


@pytest.fixture
def poses_dir(tmp_path):
    """Two recordings of two synchronized views each, plus a manifest with validation pairs."""
    root = tmp_path / "poses"
    recordings, pairs = [], []
    for r in range(2):
        base = sampled_track(80, 30.0, seed=r)
        views = []
        for v, view in enumerate((base, other_view(base, angle_deg=10 * (r + 1)))):
            rel = f"rec{r}/view{v}.npz"
            save_npz(view, root / rel)
            views.append(rel)
        recordings.append({"id": f"rec{r}", "split": "train", "views": views})
    # one validation pair: a = frames 10..49 of view 0, b = frames 7..46 of view 1 -> offset +3
    base = sampled_track(80, 30.0, seed=5)
    a = base.select(slice(10, 50))
    b = other_view(base).select(slice(7, 47))
    save_npz(a.with_keypoints(a.keypoints, np.arange(40)), root / "pairs/p0/a.npz")
    save_npz(b.with_keypoints(b.keypoints, np.arange(40)), root / "pairs/p0/b.npz")
    pairs.append({"id": "p0", "split": "validation", "a": "pairs/p0/a.npz", "b": "pairs/p0/b.npz", "offset_frames": 3})
    (root / "manifest.json").write_text(json.dumps({"recordings": recordings, "pairs": pairs}))
    return root


def test_recordings_and_pairs_are_found(poses_dir):
    recs = find_recordings(poses_dir, split="train")
    assert [r.id for r in recs] == ["rec0", "rec1"] and all(len(r.views) == 2 for r in recs)
    pairs = find_pairs(poses_dir, split="validation")
    assert len(pairs) == 1 and pairs[0].offset_frames == 3


def test_folder_layout_without_manifest(poses_dir):
    (poses_dir / "manifest.json").unlink()
    recs = find_recordings(poses_dir)
    assert sorted(r.id for r in recs) == ["pairs/p0", "rec0", "rec1"]


def test_batches_have_equal_length_crops_and_are_seeded(poses_dir):
    cfg = TrainConfig(**TINY)
    bank = ViewBank(find_recordings(poses_dir, split="train"), min_frames=cfg.crop_frames + 1)
    u1, v1, s1 = sample_batch(bank, cfg, np.random.default_rng([0, 7]))
    u2, v2, s2 = sample_batch(bank, cfg, np.random.default_rng([0, 7]))
    assert s1.tolist() == s2.tolist() and np.all(np.abs(s1) <= cfg.max_shift)
    assert u1.shape == v1.shape == (2, 24, 17, 3)
    np.testing.assert_array_equal(u1, u2)
    np.testing.assert_array_equal(v1, v2)


def test_mirror_swaps_left_and_right_and_negates_x():
    x = np.zeros((1, 17, 3), dtype=np.float32)
    x[0, 5] = (0.2, 0.1, 1.0)  # left shoulder
    m = _mirror(x)
    np.testing.assert_allclose(m[0, 6], (-0.2, 0.1, 1.0))  # becomes the right shoulder
    assert m[0, 5].tolist() == [0, 0, 0]


def test_jitter_augment_off_draws_nothing_and_on_spans_its_range():
    rng = np.random.default_rng(0)
    state = rng.bit_generator.state
    assert view_jitter(rng, 0.0) == JITTER_FLOOR and view_jitter(rng, JITTER_FLOOR) == JITTER_FLOOR
    assert rng.bit_generator.state == state  # off: the shipped recipe's random stream is unchanged
    draws = np.array([view_jitter(rng, 0.02) for _ in range(4000)])
    floor = draws == JITTER_FLOOR
    assert 0.46 < floor.mean() < 0.54  # half the views keep the floor
    extra = np.log(draws[~floor])  # the others: log-uniform in [0.004, 0.02]
    assert extra.min() >= np.log(JITTER_FLOOR) and extra.max() <= np.log(0.02)
    assert abs(np.median(extra) - 0.5 * (np.log(JITTER_FLOOR) + np.log(0.02))) < 0.05
    with pytest.raises(VideosyncError, match="jitter_augment"):
        TrainConfig(jitter_augment=-0.1)


def test_jitter_augment_adds_noise_of_the_drawn_size():
    # a still pose: zoom, rotation and shift move every frame alike, so the spread of each joint
    # over time is the jitter alone (added after them); 0.02 is five times the floor
    pose = np.c_[np.linspace(-0.2, 0.2, 17), np.full(17, 0.1), np.ones(17)]
    x = np.tile(pose, (400, 1, 1)).astype(np.float32)
    spreads = {}
    for jitter_max in (0.0, 0.02):
        rng = np.random.default_rng(3)
        s = []
        for _ in range(200):
            y = _view_augment(x, rng, jitter_max)
            seen = y[..., 2] > 0
            xy = np.where(seen[..., None], y[..., :2], np.nan)[:, seen.any(axis=0)]  # upper-body crops lose legs
            s.append(np.nanmedian(np.abs(xy - np.nanmedian(xy, axis=0))) * 1.4826)
        spreads[jitter_max] = np.array(s)
    assert np.all(spreads[0.0] < JITTER_FLOOR * 1.5)
    big = spreads[0.02] > JITTER_FLOOR * 1.5
    assert 0.3 < big.mean() < 0.55 and spreads[0.02].max() < 0.02 * 1.5


def test_training_writes_checkpoints_and_resumes_exactly(poses_dir, tmp_path):
    full = train(poses_dir, tmp_path / "full", TrainConfig(**TINY), device="cpu")
    assert full.steps == 4 and (tmp_path / "full/last.pt").exists()
    net, meta = load_checkpoint(full.best_path)
    assert meta["step"] in (2, 4) and np.isfinite(meta["val_frm_err"])
    assert [r["step"] for r in full.history if "val_frm_err" in r] == [2, 4]

    half = dict(TINY, steps=2)
    train(poses_dir, tmp_path / "split", TrainConfig(**half), device="cpu")
    resumed = train(poses_dir, tmp_path / "split", TrainConfig(**TINY), resume=True, device="cpu")
    assert resumed.steps == 4
    a = torch.load(tmp_path / "full/last.pt", weights_only=True)["model"]
    b = torch.load(tmp_path / "split/last.pt", weights_only=True)["model"]
    for key in a:
        torch.testing.assert_close(a[key], b[key], msg=key)


def test_resume_refuses_a_different_network(poses_dir, tmp_path):
    train(poses_dir, tmp_path / "run", TrainConfig(**dict(TINY, steps=1)), device="cpu")
    with pytest.raises(VideosyncError, match="channels differs"):
        train(poses_dir, tmp_path / "run", TrainConfig(**dict(TINY, channels=(8, 8))), resume=True, device="cpu")


def test_bad_training_input(tmp_path):
    with pytest.raises(PoseFileError, match="no such folder"):
        train(tmp_path / "nothing", tmp_path / "out", TrainConfig(**TINY))
    (tmp_path / "empty").mkdir()
    with pytest.raises(PoseFileError, match="no recording"):
        train(tmp_path / "empty", tmp_path / "out", TrainConfig(**TINY))
    with pytest.raises(VideosyncError, match="losses"):
        TrainConfig(losses=("nonsense",))


def test_loss_mask_leaves_out_the_frames_that_see_the_padding():
    m = loss_mask(2, 10, 3, torch.device("cpu"))
    assert m.shape == (2, 10)
    assert m[0].tolist() == [False] * 3 + [True] * 4 + [False] * 3
    assert loss_mask(1, 5, 0, torch.device("cpu")).all()


def test_partner_index_follows_the_shift_and_the_mask():
    mask = loss_mask(2, 8, 1, torch.device("cpu"))  # frames 1..6 count
    idx = partner_index(torch.tensor([2, -1]), mask)
    # shift 2: u frame m is v frame m - 2, valid when both are in 1..6
    assert idx[0].tolist() == [-1, -1, -1, 1, 2, 3, 4, -1]
    # shift -1: u frame m is v frame m + 1
    assert idx[1].tolist() == [-1, 2, 3, 4, 5, 6, -1, -1]


def test_crops_really_show_the_same_instant_at_the_partner_frame(poses_dir):
    """With augmentation off, u frame m and v frame m - shift come from the same recorded instant."""
    from videosync.poses import load_npz

    cfg = TrainConfig(**dict(TINY, augment=False, batch_size=8))
    recs = find_recordings(poses_dir, split="train")
    bank = ViewBank(recs, min_frames=cfg.crop_frames + 1)
    u, v, shifts = sample_batch(bank, cfg, np.random.default_rng(3))
    for b in range(8):
        # find the recording and views the crop came from by exact match with the bank
        for views in bank.views:
            for iu, src_u in enumerate(views):
                starts = [s for s in range(len(src_u) - 24 + 1) if np.array_equal(src_u[s:s + 24], u[b])]
                if not starts:
                    continue
                other = [vv for j, vv in enumerate(views) if j != iu][0]
                start_v = starts[0] + shifts[b]
                np.testing.assert_array_equal(other[start_v:start_v + 24], v[b])


def test_correspondence_only_training_runs(poses_dir, tmp_path):
    res = train(poses_dir, tmp_path / "c", TrainConfig(**dict(TINY, losses=("correspondence",))), device="cpu")
    assert res.steps == 4 and "correspondence" in res.history[-1] and "identity" not in res.history[-1]


def test_cosine_schedule_hand_values():
    cfg = TrainConfig(steps=4, lr=0.01, schedule="cosine")
    # 0.5 * lr * (1 + cos(pi * s / 4)) for s = 0, 1, 2, 3, 4
    expected = [0.01, 0.5 * 0.01 * (1 + np.sqrt(0.5)), 0.005, 0.5 * 0.01 * (1 - np.sqrt(0.5)), 0.0]
    assert [cfg.lr_at(s) for s in range(5)] == pytest.approx(expected)
    assert TrainConfig(lr=0.01).lr_at(3) == 0.01
    # with a time limit the schedule follows whichever is further along: half the time used at
    # step 1 of 4 puts the rate at the half-way value; time never moves it backwards
    assert cfg.lr_at(1, time_fraction=0.5) == pytest.approx(0.005)
    assert cfg.lr_at(3, time_fraction=0.5) == pytest.approx(expected[3])
    assert cfg.lr_at(0, time_fraction=2.0) == pytest.approx(0.0)
    with pytest.raises(VideosyncError, match="schedule"):
        TrainConfig(schedule="step")


def test_fine_tuning_starts_from_the_given_model(poses_dir, tmp_path):
    first = train(poses_dir, tmp_path / "a", TrainConfig(**dict(TINY, steps=1)), device="cpu")
    start, _ = load_checkpoint(first.best_path)
    # lr 0: the weights cannot move, so they must equal the starting model's exactly (batch-norm
    # running statistics still update in training mode, so only parameters are compared)
    tuned = train(poses_dir, tmp_path / "b", TrainConfig(**dict(TINY, steps=1, lr=0.0, seed=7, init=str(first.best_path))), device="cpu")
    got = torch.load(tuned.last_path, weights_only=True)["model"]
    for key, value in start.named_parameters():
        torch.testing.assert_close(got[key], value.detach(), msg=key)
    with pytest.raises(VideosyncError, match="shape"):
        train(poses_dir, tmp_path / "c", TrainConfig(**dict(TINY, channels=(8, 8), init=str(first.best_path))), device="cpu")


def test_rate_augmented_crops_still_show_the_same_instant_at_the_partner_frame(monkeypatch):
    """With a playback-rate change, frame m of u and frame m - shift of v must still be one instant.

    Both views' x coordinate encodes the recording time (x = 0.001 t), so linear interpolation is
    exact and the instant of every crop frame can be read back. The per-view changes (mirror,
    rotation, zoom) are switched off to keep x readable.
    """
    import videosync.train as T

    monkeypatch.setattr(T, "augment_pair", lambda u, v, rng, jitter_max=0.0: (u, v))
    t = np.arange(300, dtype=np.float32)
    src = np.zeros((300, 17, 3), np.float32)
    src[..., 0], src[..., 2] = 0.001 * t[:, None], 1.0
    bank = ViewBank.__new__(ViewBank)
    bank.views, bank.ids, bank.fps = [[src, src.copy()]], ["r"], 30.0
    cfg = TrainConfig(batch_size=64, crop_frames=40, max_shift=8, rate_augment=2.0)
    steps_seen = []
    for seed in range(3):
        u, v, shifts = sample_batch(bank, cfg, np.random.default_rng(seed))
        tu, tv = u[..., 0, 0] / 0.001, v[..., 0, 0] / 0.001
        for b in range(len(u)):
            m = np.arange(40)
            ok = (m - shifts[b] >= 0) & (m - shifts[b] < 40)
            np.testing.assert_allclose(tu[b, m[ok]], tv[b, m[ok] - shifts[b]], atol=0.05)
            steps_seen.append(tu[b, 1] - tu[b, 0])
    steps_seen = np.array(steps_seen)
    # about half the crops keep the recorded rate; the others are slowed or sped up within [1/2, 2]
    assert 0.3 < np.mean(np.isclose(steps_seen, 1.0, atol=1e-3)) < 0.7
    assert steps_seen.min() >= 0.5 - 1e-3 and steps_seen.max() <= 2.0 + 1e-3
    assert steps_seen.min() < 0.8 and steps_seen.max() > 1.25


def test_train_command_records_the_frame_rates_the_model_embeds_as_they_are(poses_dir, tmp_path):
    """30 fps training data with --rate-augment 1.5: the model file says 30 fps, range 20-45."""
    from click.testing import CliRunner

    from videosync.cli.main import cli

    out = tmp_path / "run"
    res = CliRunner().invoke(cli, ["train", "--poses", str(poses_dir), "--out", str(out), "--steps", "2",
                                   "--batch-size", "2", "--crop", "24", "--max-shift", "4", "--channels", "8,16",
                                   "--val-every", "1", "--rate-augment", "1.5", "--device", "cpu"])
    assert res.exit_code == 0, res.output
    _net, meta = load_checkpoint(out / "best.pt", "cpu")
    assert meta["fps"] == 30.0 and meta["fps_range"] == pytest.approx([20.0, 45.0])
    assert meta["train"]["rate_augment"] == 1.5


def test_dilated_network_trains_and_its_shape_is_in_the_checkpoint(poses_dir, tmp_path):
    cfg = TrainConfig(**dict(TINY, steps=1, temporal_kernel=3, temporal_dilation=(1, 2)))
    result = train(poses_dir, tmp_path / "d", cfg, device="cpu")
    net, _ = load_checkpoint(result.best_path)
    assert net.config.dilations == (1, 2) and net.config.temporal_kernel == 3
    assert net.receptive_radius == 3
    with pytest.raises(VideosyncError, match="temporal_dilation"):
        train(poses_dir, tmp_path / "d", TrainConfig(**dict(TINY, steps=2, temporal_kernel=3)), device="cpu", resume=True)
    with pytest.raises(VideosyncError, match="network shape"):
        TrainConfig(**dict(TINY, temporal_dilation=(1, 2, 3, 4, 5)))

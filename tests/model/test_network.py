import numpy as np
import pytest
import torch

from videosync.model.network import MaskedBatchNorm, SeSynConfig, SeSynNet

TINY = SeSynConfig(channels=(8, 16, 128), temporal_kernel=5)  # receptive radius 6


def _poses(b, t, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(b, t, 17, 3, generator=g) - 0.5
    x[..., 2] = x[..., 2] + 0.5
    return x


def _warm_up_running_stats(net, seed=5):
    """Give the BN layers non-trivial running statistics, as after training."""
    net.train()
    with torch.no_grad():
        for k in range(3):
            net(_poses(4, 30, seed + k) * 2 + 0.3)
    net.eval()


def test_config_defaults_are_the_paper_network():
    cfg = SeSynConfig()
    # ST-GCN's 64x4, 128x3, 256x3, minus the last layer, 256 -> 128
    assert cfg.channels == (64, 64, 64, 64, 128, 128, 128, 128, 128)
    assert cfg.temporal_kernel == 9 and cfg.embed_dim == 17 * 128
    assert cfg.receptive_radius == 9 * 4
    assert SeSynConfig.light().embed_dim == 17 * 128


def test_config_round_trip_and_validation():
    cfg = SeSynConfig(channels=[16, 128], temporal_kernel=3, dropout=0.1, edge_importance=False)
    d = cfg.to_dict()
    assert d == {"channels": [16, 128], "temporal_kernel": 3, "temporal_dilation": [], "in_channels": 3,
                 "dropout": 0.1, "edge_importance": False}
    assert SeSynConfig.from_dict(d) == cfg
    with pytest.raises(ValueError):
        SeSynConfig(temporal_kernel=4)
    with pytest.raises(ValueError):
        SeSynConfig(channels=())
    with pytest.raises(ValueError):
        SeSynConfig.from_dict({**d, "width": 3})
    # a checkpoint written before dilation existed has no such key: no dilation
    old = {k: v for k, v in d.items() if k != "temporal_dilation"}
    assert SeSynConfig.from_dict(old) == cfg and cfg.dilations == (1, 1)
    with pytest.raises(ValueError):
        SeSynConfig(channels=(8, 16), temporal_dilation=(1, 2, 4))  # one per block
    with pytest.raises(ValueError):
        SeSynConfig(channels=(8, 16), temporal_dilation=(1, 0))


@pytest.mark.parametrize(
    "kernel, dilation, radius",
    [(5, (), 2 + 2 + 2), (5, (1, 2, 4), 2 * 1 + 2 * 2 + 2 * 4), (3, (3, 1, 2), 3 + 1 + 2)],
)
def test_receptive_radius_is_exact(kernel, dilation, radius):
    """An input change `radius` frames away reaches the output frame; one frame further does not."""
    cfg = SeSynConfig(channels=(8, 16, 128), temporal_kernel=kernel, temporal_dilation=dilation)
    assert cfg.receptive_radius == radius
    net = SeSynNet(cfg, seed=0).eval()
    t, centre = 2 * radius + 11, radius + 5
    x = _poses(1, t)
    with torch.no_grad():
        base = net(x)[0, centre]
        for distance, reaches in ((radius, True), (radius + 1, False)):
            for frame in (centre - distance, centre + distance):
                y = x.clone()
                y[0, frame, :, :2] += 1.0
                changed = bool((net(y)[0, centre] - base).abs().max() > 1e-6)
                assert changed == reaches, (frame, distance)


def test_output_shape_and_padding_is_zero():
    net = SeSynNet(TINY, seed=0)
    x = _poses(2, 20)
    mask = torch.ones(2, 20, dtype=torch.bool)
    mask[1, 13:] = False
    y = net(x, mask)
    assert y.shape == (2, 20, 17 * 128)
    assert torch.all(y[1, 13:] == 0)
    assert y[1, :13].abs().sum() > 0


def test_output_is_joint_major():
    """Frame embedding = joint 0's channels, then joint 1's...: changing one joint's input only
    through the graph shows up first in the features of that joint and its neighbours."""
    net = SeSynNet(SeSynConfig(channels=(128,), temporal_kernel=1), seed=0).eval()
    x = _poses(1, 4)
    x2 = x.clone()
    x2[0, :, 9] += 0.3  # left wrist; one graph conv reaches only itself and the left elbow (7)
    d = (net(x2) - net(x)).abs().view(4, 17, 128).sum(dim=(0, 2))
    assert set(torch.nonzero(d > 0).flatten().tolist()) == {7, 9}


def test_seed_makes_identical_nets_and_keeps_global_rng():
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = SeSynNet(TINY, seed=7)
    after = torch.rand(1)
    b = SeSynNet(TINY, seed=7)
    assert before == after
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert ka == kb and torch.equal(va, vb)
    c = SeSynNet(TINY, seed=8)
    assert not torch.equal(a.blocks[0].gcn.conv.weight, c.blocks[0].gcn.conv.weight)


@pytest.mark.parametrize("config", [TINY, SeSynConfig()], ids=["tiny", "paper"])
def test_eval_real_frames_identical_alone_or_padded_in_a_batch(config):
    net = SeSynNet(config, seed=1)
    _warm_up_running_stats(net)
    long, short = _poses(1, 50, 1), _poses(1, 23, 2)
    batch = torch.zeros(2, 50, 17, 3)
    batch[0], batch[1, :23] = long[0], short[0]
    batch[1, 23:] = 7.0  # garbage in padded frames must not matter
    mask = torch.zeros(2, 50, dtype=torch.bool)
    mask[0], mask[1, :23] = True, True
    with torch.no_grad():
        y = net(batch, mask)
        y_long, y_short = net(long), net(short)
    torch.testing.assert_close(y[0], y_long[0], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(y[1, :23], y_short[0], atol=1e-5, rtol=1e-5)
    assert torch.all(y[1, 23:] == 0)


def test_train_mode_batch_statistics_ignore_padding():
    """Same real frames, different amounts of padding -> same outputs even with batch statistics."""
    net = SeSynNet(TINY, seed=2).train()
    a, b = _poses(1, 20, 3), _poses(1, 12, 4)

    def run(total):
        x = torch.full((2, total, 17, 3), -3.0)
        x[0, :20], x[1, :12] = a[0], b[0]
        m = torch.zeros(2, total, dtype=torch.bool)
        m[0, :20], m[1, :12] = True, True
        return net(x, m)

    y1, y2 = run(20), run(35)
    torch.testing.assert_close(y1[0], y2[0, :20], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(y1[1, :12], y2[1, :12], atol=1e-5, rtol=1e-5)


def test_masked_batch_norm_statistics_by_hand():
    bn = MaskedBatchNorm(1, momentum=0.5)
    x = torch.tensor([[[1.0, 3.0, 100.0]], [[5.0, -50.0, 0.0]]])  # (B=2, C=1, T=3)
    mask = torch.tensor([[True, True, False], [True, False, False]])
    y = bn(x, mask)
    # real values 1, 3, 5: mean 3, biased var 8/3, unbiased var 4
    expected = (torch.tensor([1.0, 3.0, 5.0]) - 3) / np.sqrt(8 / 3 + bn.eps)
    torch.testing.assert_close(y[:, 0][mask], expected)
    assert torch.all(y[:, 0][~mask] == 0)
    torch.testing.assert_close(bn.running_mean, torch.tensor([0.5 * 3]))
    torch.testing.assert_close(bn.running_var, torch.tensor([0.5 * 1 + 0.5 * 4]))
    bn.eval()
    y = bn(x, mask)
    torch.testing.assert_close(y[0, 0, 0], (1 - 1.5) / torch.sqrt(torch.tensor(2.5 + bn.eps)))


def test_masked_batch_norm_without_padding_equals_torch_batch_norm():
    ref, ours = torch.nn.BatchNorm2d(4), MaskedBatchNorm(4)
    x = torch.randn(3, 4, 6, 5, generator=torch.Generator().manual_seed(0)) * 3 + 1
    torch.testing.assert_close(ours(x, torch.ones(3, 6, dtype=torch.bool)), ref(x))
    torch.testing.assert_close(ours.running_var, ref.running_var)
    assert ours.state_dict().keys() == ref.state_dict().keys()


def test_receptive_radius_bounds_the_influence_of_a_frame():
    net = SeSynNet(TINY, seed=3)
    _warm_up_running_stats(net)
    x = _poses(1, 40, 6)
    x2 = x.clone()
    x2[0, 20] += 0.5
    with torch.no_grad():
        d = (net(x2) - net(x))[0].abs().sum(1)
    r = TINY.receptive_radius
    changed = torch.nonzero(d > 1e-6).flatten()
    assert changed.min() >= 20 - r and changed.max() <= 20 + r
    assert d[20] > 0


def test_backward_gives_finite_grads_including_edge_importance():
    net = SeSynNet(TINY, seed=4).train()
    x = _poses(2, 16, 7)
    mask = torch.ones(2, 16, dtype=torch.bool)
    mask[0, 10:] = False
    net(x, mask).pow(2).mean().backward()
    for name, p in net.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), name
    assert net.edge_importance[0].grad.abs().sum() > 0


def test_bad_shapes_raise():
    net = SeSynNet(TINY)
    with pytest.raises(ValueError):
        net(torch.zeros(1, 5, 18, 3))
    with pytest.raises(ValueError):
        net(torch.zeros(1, 5, 17, 3), torch.ones(1, 6, dtype=torch.bool))

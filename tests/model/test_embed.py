import numpy as np
import pytest
import torch

from tests.conftest import make_track
from videosync.model.embed import embed_poses, embed_track
from videosync.model.network import SeSynConfig, SeSynNet

TINY = SeSynConfig(channels=(8, 16, 128), temporal_kernel=5)  # receptive radius 6


def _trained_like_net(seed=0):
    net = SeSynNet(TINY, seed=seed).train()
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _ in range(3):
            net(torch.rand(3, 25, 17, 3, generator=g) - 0.3)
    return net


@pytest.mark.parametrize("chunk", [1, 7, 13, 200])
def test_chunked_equals_one_pass(chunk):
    net = _trained_like_net()
    track = make_track(30, seed=1)
    track.keypoints[10:14, 3:8] = 0  # some missing joints
    net.eval()
    with torch.no_grad():
        full = net(torch.from_numpy(track.normalized())[None])[0].numpy()
    net.train()
    out = embed_track(net, track, device="cpu", chunk_frames=chunk)
    assert out.dtype == np.float32 and out.shape == (30, 17 * 128)
    np.testing.assert_allclose(out, full, atol=1e-5, rtol=1e-5)
    assert net.training  # mode restored


def test_chunks_without_overlap_would_differ():
    """Guards the test above: cutting without context does change frames near chunk edges."""
    net = _trained_like_net().eval()
    x = torch.from_numpy(make_track(40, seed=2).normalized())[None]
    with torch.no_grad():
        full = net(x)[0]
        halves = torch.cat([net(x[:, :20])[0], net(x[:, 20:])[0]])
    assert (full - halves).abs().max() > 1e-3


def test_empty_track_and_progress():
    net = SeSynNet(TINY)
    assert embed_poses(net, np.zeros((0, 17, 3), np.float32)).shape == (0, 17 * 128)
    calls = []
    embed_track(net, make_track(25), device="cpu", chunk_frames=10, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(10, 25), (20, 25), (25, 25)]
    with pytest.raises(ValueError):
        embed_track(net, make_track(5), chunk_frames=0)

"""Per-frame embeddings of a whole PoseTrack, in bounded memory.

Recordings can be hours long (100k+ frames), and the network's activations for one frame are
about ``sum(channels) * 17`` floats per layer, so the track is cut into chunks. Each chunk is run
with ``receptive_radius`` extra frames of real context on both sides and only its central part is
kept: an output frame depends on no input farther away than that radius, so the result is the same
as one pass over the whole track (up to float rounding), only the memory is bounded.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from videosync.device import default_device
from videosync.model.network import SeSynNet
from videosync.poses.track import PoseTrack


def embed_poses(
    net: SeSynNet,
    poses: np.ndarray,
    device: str | torch.device | None = None,
    chunk_frames: int = 4096,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """``(T, C)`` float32 embeddings of ``(T, 17, 3)`` normalised poses (eval mode, no grad).

    ``net`` is moved to ``device`` (default: CUDA when available) and left there; its
    train/eval mode is restored afterwards.
    """
    if chunk_frames < 1:
        raise ValueError(f"chunk_frames must be >= 1, got {chunk_frames}")
    dev = device if isinstance(device, torch.device) else default_device(device)
    poses = np.asarray(poses, dtype=np.float32)
    t = len(poses)
    out = np.zeros((t, net.embed_dim), dtype=np.float32)
    if t == 0:
        return out
    radius = net.receptive_radius
    was_training = net.training
    net.to(dev).eval()
    try:
        with torch.inference_mode():
            for start in range(0, t, chunk_frames):
                stop = min(start + chunk_frames, t)
                lo, hi = max(0, start - radius), min(t, stop + radius)
                x = torch.from_numpy(poses[lo:hi]).to(dev)[None]
                y = net(x)[0, start - lo : stop - lo]
                out[start:stop] = y.float().cpu().numpy()
                if progress is not None:
                    progress(stop, t)
    finally:
        net.train(was_training)
    return out


def embed_track(
    net: SeSynNet,
    track: PoseTrack,
    device: str | torch.device | None = None,
    chunk_frames: int = 4096,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """``(T, C)`` float32 embeddings of every row of ``track`` (see :func:`embed_poses`).

    Rows are embedded as they are: pass ``track.dense()`` if dropped frames should become empty
    rows so that rows are evenly spaced in time, as the temporal convolutions assume.
    """
    return embed_poses(net, track.normalized(), device=device, chunk_frames=chunk_frames, progress=progress)

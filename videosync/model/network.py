"""SeSyn-Net's feature embedding network: an ST-GCN with per-frame output (paper section 3.2).

Changes from ST-GCN, as the paper describes them: every temporal stride is 1 and the features are
taken before the global pooling, so there is one embedding per frame; the last ST-GCN layer is
removed and the last stage has 128 instead of 256 channels. Per frame the output is the 17 joints'
128-channel features concatenated joint by joint, ``C = 17 * 128 = 2176``.

Padding. Batches hold sequences of different lengths padded at the end, with a ``(B, T)`` mask of
real frames. Padded frames are zeroed at the input, at the input of every temporal convolution and
at every block output, so a padded sequence sees exactly the zeros that the convolution's own zero
padding would give it alone. Batch normalisation computes its batch statistics over real frames
only (:class:`MaskedBatchNorm`), so in training mode the amount of padding does not change the
statistics either; in eval mode the running statistics are used and a sequence's embeddings do
not depend on what else is in the batch.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from videosync.model.graph import spatial_adjacency
from videosync.poses.layouts import NUM_JOINTS


@dataclass(frozen=True)
class SeSynConfig:
    """Shape of the network; stored in every checkpoint so that it can be rebuilt.

    Attributes:
        channels: output channels of each ST-GCN block. The default is ST-GCN's 64x4, 128x3,
            256x3 with the last block removed and 256 replaced by 128 (paper section 3.2).
            The last entry is the per-joint embedding size.
        temporal_kernel: length of every temporal convolution (ST-GCN: 9); must be odd.
        temporal_dilation: dilation of each block's temporal convolution (one entry per block;
            empty: all 1, the paper's). Why: the receptive radius of the paper's shape is about
            half a second, less than one walking stride, so a stride-periodic motion looks the
            same one stride later; dilation widens the temporal view at no extra cost per frame.
        in_channels: per-joint input features (x, y, score).
        dropout: dropout after each temporal convolution (ST-GCN's default 0).
        edge_importance: learnable per-block mask on the adjacency, as in ST-GCN.
    """

    channels: tuple[int, ...] = (64, 64, 64, 64, 128, 128, 128, 128, 128)
    temporal_kernel: int = 9
    temporal_dilation: tuple[int, ...] = ()
    in_channels: int = 3
    dropout: float = 0.0
    edge_importance: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "channels", tuple(int(c) for c in self.channels))
        object.__setattr__(self, "temporal_dilation", tuple(int(d) for d in self.temporal_dilation))
        if not self.channels or min(self.channels) < 1:
            raise ValueError(f"channels must be a non-empty list of positive ints: {self.channels}")
        if self.temporal_kernel < 1 or self.temporal_kernel % 2 == 0:
            raise ValueError(f"temporal_kernel must be odd and positive, got {self.temporal_kernel}")
        if self.temporal_dilation and (
            len(self.temporal_dilation) != len(self.channels) or min(self.temporal_dilation) < 1
        ):
            raise ValueError(
                f"temporal_dilation needs one positive int per block ({len(self.channels)}), got {self.temporal_dilation}"
            )
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")

    @classmethod
    def light(cls) -> SeSynConfig:
        """A narrower, shallower variant for CPU training (same 17 x 128 output)."""
        return cls(channels=(32, 64, 128, 128))

    @property
    def joint_dim(self) -> int:
        """Embedding channels per joint."""
        return self.channels[-1]

    @property
    def embed_dim(self) -> int:
        """Per-frame embedding size ``C`` (17 joints x :attr:`joint_dim`)."""
        return NUM_JOINTS * self.joint_dim

    @property
    def dilations(self) -> tuple[int, ...]:
        """Temporal dilation of every block (1 where none is set)."""
        return self.temporal_dilation or (1,) * len(self.channels)

    @property
    def receptive_radius(self) -> int:
        """Frames on each side that can influence one output frame (one conv per block)."""
        return sum(self.dilations) * (self.temporal_kernel - 1) // 2

    def to_dict(self) -> dict[str, Any]:
        """Plain-python form (lists, ints, floats, bools) for checkpoints and JSON."""
        d = asdict(self)
        d["channels"] = list(self.channels)
        d["temporal_dilation"] = list(self.temporal_dilation)
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SeSynConfig:
        """Inverse of :meth:`to_dict`; unknown keys are an error (a different network)."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown config keys: {sorted(unknown)}")
        return cls(**data)


class MaskedBatchNorm(nn.modules.batchnorm._BatchNorm):
    """Batch normalisation over ``(B, C, T, ...)`` whose statistics ignore padded frames.

    Parameters and buffers are those of ``nn.BatchNorm*d`` (same state-dict keys, same running
    average update with the unbiased variance), so eval mode is ordinary batch norm. The output
    is zero at padded frames.
    """

    def _check_input_dim(self, x: torch.Tensor) -> None:
        if x.dim() < 3:
            raise ValueError(f"expected (B, C, T, ...), got shape {tuple(x.shape)}")

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:  # type: ignore[override]
        self._check_input_dim(x)
        batch_stats = self.training or not self.track_running_stats
        update = self.training and self.track_running_stats
        mom = 0.0
        if update:
            self.num_batches_tracked.add_(1)
            mom = self.momentum if self.momentum is not None else 1.0 / float(self.num_batches_tracked)
        if mask is None or bool(mask.all()):
            return F.batch_norm(
                x, self.running_mean if update or not batch_stats else None,
                self.running_var if update or not batch_stats else None,
                self.weight, self.bias, batch_stats, mom, self.eps,
            )
        m = mask.to(x.dtype).view(mask.shape[0], 1, mask.shape[1], *([1] * (x.dim() - 3)))
        shape = (1, -1) + (1,) * (x.dim() - 2)
        if batch_stats:
            dims = [d for d in range(x.dim()) if d != 1]
            count = (m.sum() * math.prod(x.shape[3:])).clamp(min=1)
            mean = (x * m).sum(dims) / count
            var = (((x - mean.view(shape)) * m) ** 2).sum(dims) / count
            if update:
                with torch.no_grad():
                    unbiased = var * (count / (count - 1).clamp(min=1))
                    self.running_mean.mul_(1 - mom).add_(mom * mean)
                    self.running_var.mul_(1 - mom).add_(mom * unbiased)
        else:
            mean, var = self.running_mean, self.running_var
        y = (x - mean.view(shape)) * torch.rsqrt(var.view(shape) + self.eps)
        if self.affine:
            y = y * self.weight.view(shape) + self.bias.view(shape)
        return y * m


def _apply_mask(x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Zero padded frames of ``x`` (``(B, C, T, V)``)."""
    if mask is None:
        return x
    return x * mask.to(x.dtype)[:, None, :, None]


class GraphConv(nn.Module):
    """ST-GCN's spatial graph convolution: one 1x1 conv per subset, then aggregation over A."""

    def __init__(self, in_channels: int, out_channels: int, subsets: int) -> None:
        super().__init__()
        self.subsets = subsets
        self.conv = nn.Conv2d(in_channels, out_channels * subsets, kernel_size=1)

    def forward(self, x: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        n, kc, t, v = y.shape
        y = y.view(n, self.subsets, kc // self.subsets, t, v)
        return torch.einsum("nkctv,kvw->nctw", y, a).contiguous()


class STGCNBlock(nn.Module):
    """Graph conv -> BN -> ReLU -> temporal conv (stride 1) -> BN -> dropout, + residual, ReLU."""

    def __init__(
        self, in_channels: int, out_channels: int, subsets: int, kernel: int,
        dropout: float, residual: bool, dilation: int = 1,
    ) -> None:
        super().__init__()
        self.gcn = GraphConv(in_channels, out_channels, subsets)
        self.bn1 = MaskedBatchNorm(out_channels)
        self.tconv = nn.Conv2d(
            out_channels, out_channels, (kernel, 1), padding=((kernel - 1) // 2 * dilation, 0), dilation=(dilation, 1)
        )
        self.bn2 = MaskedBatchNorm(out_channels)
        self.dropout = nn.Dropout(dropout)
        self.res_kind = "none" if not residual else ("identity" if in_channels == out_channels else "conv")
        if self.res_kind == "conv":
            self.res_conv = nn.Conv2d(in_channels, out_channels, kernel_size=1)
            self.res_bn = MaskedBatchNorm(out_channels)

    def forward(self, x: torch.Tensor, a: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        if self.res_kind == "none":
            res: torch.Tensor | float = 0.0
        elif self.res_kind == "identity":
            res = x
        else:
            res = self.res_bn(self.res_conv(x), mask)
        y = torch.relu(self.bn1(self.gcn(x, a), mask))
        y = _apply_mask(y, mask)  # what the temporal conv sees beyond a sequence's end: zeros
        y = self.dropout(self.bn2(self.tconv(y), mask))
        return _apply_mask(torch.relu(y + res), mask)


class SeSynNet(nn.Module):
    """Per-frame pose embedding: ``(B, T, 17, 3)`` poses -> ``(B, T, 17 * joint_dim)``.

    Args:
        config: network shape (default: the paper's).
        seed: if given, the weights are initialised from this seed without touching torch's
            global random state, so two nets built with one seed are identical.
    """

    def __init__(self, config: SeSynConfig | None = None, seed: int | None = None) -> None:
        super().__init__()
        self.config = config or SeSynConfig()
        if seed is None:
            self._build()
        else:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed)
                self._build()

    def _build(self) -> None:
        cfg = self.config
        a = torch.from_numpy(spatial_adjacency())
        # Persistent: a checkpoint carries the graph it was trained with.
        self.register_buffer("A", a)
        subsets, v = a.shape[0], a.shape[1]
        self.data_bn = MaskedBatchNorm(cfg.in_channels * v)
        blocks = []
        c_in = cfg.in_channels
        for i, (c_out, dilation) in enumerate(zip(cfg.channels, cfg.dilations)):
            blocks.append(
                STGCNBlock(c_in, c_out, subsets, cfg.temporal_kernel, cfg.dropout, residual=i > 0, dilation=dilation)
            )
            c_in = c_out
        self.blocks = nn.ModuleList(blocks)
        if cfg.edge_importance:
            self.edge_importance = nn.ParameterList([nn.Parameter(torch.ones_like(a)) for _ in blocks])
        else:
            self.edge_importance = None

    @property
    def embed_dim(self) -> int:
        return self.config.embed_dim

    @property
    def receptive_radius(self) -> int:
        return self.config.receptive_radius

    def forward(self, poses: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Embed a batch.

        Args:
            poses: ``(B, T, 17, in_channels)`` normalised poses (see ``PoseTrack.normalized``).
            mask: ``(B, T)`` bool, True for real frames; None means all real.

        Returns:
            ``(B, T, 17 * joint_dim)``; zero at padded frames.
        """
        b, t, v, c = poses.shape
        if v != self.A.shape[1] or c != self.config.in_channels:
            raise ValueError(f"expected poses (B, T, {self.A.shape[1]}, {self.config.in_channels}), got {tuple(poses.shape)}")
        if mask is not None:
            if mask.shape != (b, t):
                raise ValueError(f"mask must have shape {(b, t)}, got {tuple(mask.shape)}")
            mask = mask.to(device=poses.device, dtype=torch.bool)
            poses = poses * mask.to(poses.dtype)[:, :, None, None]
        # data BN: one statistic per (joint, coordinate), as ST-GCN's BatchNorm1d(V * C).
        x = poses.permute(0, 2, 3, 1).reshape(b, v * c, t)
        x = self.data_bn(x, mask)
        x = x.view(b, v, c, t).permute(0, 2, 3, 1).contiguous()  # (B, C, T, V)
        for i, block in enumerate(self.blocks):
            a = self.A if self.edge_importance is None else self.A * self.edge_importance[i]
            x = block(x, a, mask)
        return x.permute(0, 2, 3, 1).reshape(b, t, -1)  # joint-major: joint 0's channels first

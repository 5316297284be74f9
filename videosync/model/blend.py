"""Weight averaging of two networks of the same shape (a "model soup", Wortsman et al. 2022).

Why: a network fine-tuned from another for one condition (here heavy keypoint jitter) gains on
that condition and loses some precision elsewhere; the average of the two weights, which stay in
one basin when one was started from the other, often keeps most of the gain with less of the
loss. Measured for the shipped model's noisy variant in ``models/MODEL_CARD.md``.
"""

from __future__ import annotations

import torch

from videosync.model.network import SeSynNet


def blend_weights(first: SeSynNet, second: SeSynNet, weight: float) -> SeSynNet:
    """A new network whose every floating-point tensor (weights and normalisation statistics) is
    ``(1 - weight) * first + weight * second``; integer buffers (batch counters) are ``first``'s.

    Raises:
        ValueError: when the two networks differ in config or ``weight`` is outside [0, 1].
    """
    if first.config != second.config:
        raise ValueError(f"cannot blend networks of different shapes ({first.config} vs {second.config})")
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"weight must be in [0, 1], got {weight}")
    a, b = first.state_dict(), second.state_dict()
    mixed = {k: torch.lerp(v.float(), b[k].float(), weight).to(v.dtype) if v.is_floating_point() else v.clone()
             for k, v in a.items()}
    out = SeSynNet(first.config)
    out.load_state_dict(mixed)
    return out.to(next(first.parameters()).device).eval()

"""Where torch work runs: CUDA when present, else CPU. Decided here and nowhere else."""

from __future__ import annotations

import torch


def default_device(requested: str | None = None) -> torch.device:
    """``requested`` ("cpu", "cuda", "cuda:1") if given, else CUDA when available, else CPU."""
    if requested:
        return torch.device(requested)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")

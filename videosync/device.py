"""Where torch work runs: CUDA when present, else CPU. Decided here and nowhere else."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch


def default_device(requested: str | None = None) -> torch.device:
    """``requested`` ("cpu", "cuda", "cuda:1") if given, else CUDA when available, else CPU."""
    if requested:
        return torch.device(requested)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@contextlib.contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """torch's CPU work inside the block on at most ``n`` threads (the setting restored after).

    Why: on short tracks (a few hundred rows) the intra-op threads' hand-offs cost more than they
    share, and with the cores busy they spin waiting (align on a round's two 60-row tracks: 0.3 s of
    CPU on one thread, 1.2-1.9 s on two, at a load of 11 on 2 cores; docs/design/analysis.md).
    """
    before = torch.get_num_threads()
    torch.set_num_threads(max(1, min(n, before)))
    try:
        yield
    finally:
        torch.set_num_threads(before)

"""Shared fixtures: paths to the real recordings in ../shared/data and small synthetic tracks."""

from __future__ import annotations

from pathlib import Path

import os
import signal

import numpy as np
import pytest

from videosync.poses import PoseTrack

# A suite started in the background (`make test &` in a script) inherits SIGINT ignored, and so
# would every process the Ctrl-C tests start (an ignored signal stays ignored across exec): give
# the suite Python's usual handler, which exec resets to the default in its children.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

REPO = Path(__file__).resolve().parents[1]
# ../shared beside the checkout (CI, the main checkout) or beside its parent (a git worktree).
SHARED = next(
    (p for p in (Path(os.environ.get("VIDEOSYNC_SHARED", "/nonexistent")), REPO.parent / "shared", REPO.parent.parent / "shared") if p.exists()),
    REPO.parent / "shared",
)
DEMO = SHARED / "data" / "pose2sim-demo"
MOCAP = SHARED / "data" / "mocap"


@pytest.fixture
def demo_dir() -> Path:
    if not DEMO.exists():
        pytest.skip("../shared/data/pose2sim-demo is not present")
    return DEMO


@pytest.fixture
def mocap_dir() -> Path:
    if not MOCAP.exists():
        pytest.skip("../shared/data/mocap is not present")
    return MOCAP


def make_track(n: int = 50, seed: int = 0, fps: float = 30.0) -> PoseTrack:
    """A random but smooth-ish track in a 640x480 image, every joint detected."""
    rng = np.random.default_rng(seed)
    xy = 320 + np.cumsum(rng.normal(0, 3, size=(n, 17, 2)), axis=0)
    kp = np.concatenate([xy, np.ones((n, 17, 1))], axis=2)
    return PoseTrack(kp, fps=fps, width=640, height=480)

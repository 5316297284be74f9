"""The calibrator's evidence of a step along a pair's line (videosync.sync.changepoints:
path_evidence), on hand-built inputs with hand-computed answers."""

import numpy as np
import pytest

from videosync.sync.changepoints import Evidence, path_evidence


def _evidence(best: list[int], shifts: int = 7) -> Evidence:
    """Rows whose cost is 0 at offset index ``best[t]`` and 1 at every other index."""
    cost = np.ones((len(best), shifts))
    cost[np.arange(len(best)), best] = 0.0
    t = len(best)
    return Evidence(np.arange(t), np.zeros(t, dtype=np.int64), np.arange(shifts) - shifts // 2, cost,
                    np.ones(t, dtype=bool))


def test_one_offset_throughout_has_no_step():
    out = path_evidence(_evidence([3] * 56), fps_a=10.0, fps_b=10.0)
    assert out == {"path_steps": 0.0, "path_gain": 0.0, "path_span": 0.0, "path_doubt": 0.0}


def test_a_step_of_two_frames():
    # 8 rows per window at 10 fps: three windows at index 3, then four at index 1. The best
    # constant offset is index 1 (three windows vote 1 against it); the stepped path has no
    # vote against it and pays one step (2 votes): it saves 3 - 2 = 1 vote. The three windows
    # before the step prefer an offset two indices away by 3 votes (> 1): doubt 2 frames.
    out = path_evidence(_evidence([3] * 24 + [1] * 32), fps_a=10.0, fps_b=10.0)
    assert out == {"path_steps": 1.0, "path_gain": pytest.approx(1.0), "path_span": 2.0, "path_doubt": 2.0}

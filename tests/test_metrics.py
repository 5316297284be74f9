import math

import numpy as np
import pytest

from videosync.metrics import sync_metrics


def test_metrics_match_hand_computed_values():
    # errors: 0, 2, 0.5, 12 ; true: 10, -4, 0, 20 ; fps 30
    m = sync_metrics([10, -2, 0.5, 8], [10, -4, 0, 20], fps=30)
    assert m["frm_err"] == pytest.approx((0 + 2 + 0.5 + 12) / 4)
    assert m["acc1"] == pytest.approx(2 / 4)     # 0 and 0.5
    assert m["acc5"] == pytest.approx(3 / 4)
    assert m["acc10"] == pytest.approx(3 / 4)    # 12 is not < 10
    assert m["abs_err"] == pytest.approx(14.5 / 4 / 30)
    assert m["rel_err"] == pytest.approx(14.5 / (10 + 4 + 0 + 20))
    # relative errors without the R=0 pair: 0/10 = 0, 2/4 = 0.5, 12/20 = 0.6
    assert m["racc10"] == pytest.approx(1 / 3)
    assert m["racc30"] == pytest.approx(1 / 3)
    assert m["racc50"] == pytest.approx(1 / 3)  # 0.5 is not < 0.5


def test_acc_thresholds_are_strict_and_fps_per_pair():
    m = sync_metrics([1, 5], [0, 0], fps=[10, 50])
    assert m["acc1"] == 0 and m["acc5"] == pytest.approx(0.5) and m["acc10"] == 1
    assert m["abs_err"] == pytest.approx((1 / 10 + 5 / 50) / 2)
    assert math.isnan(m["racc10"]) and math.isnan(m["rel_err"])


def test_empty_and_mismatched_inputs():
    assert all(math.isnan(v) for v in sync_metrics([], [], 30).values())
    with pytest.raises(ValueError):
        sync_metrics([1, 2], [1], 30)

"""The frame rate the motion supports for an input whose rate was assumed (hand values)."""

from types import SimpleNamespace

import pytest

from videosync.sync.framerate import implied_rate


@pytest.mark.parametrize("rate, anchor, expected", [
    (1.0, 60.0, 60.0),        # B's frames advance with A's: the anchor's rate
    (0.4995, 60.0, 30.0),     # 29.97 fps: within 2 % of 30
    (2.0, 25.0, 50.0),
    (0.642, 60.0, None),      # 38.5 fps lies between the usual rates: not determined
    (0.871, 60.0, None),      # 52.3 fps: between 50 and 60, more than 2 % from both
])
def test_the_fitted_rate_is_a_usual_camera_rate_or_unknown(rate, anchor, expected):
    assert implied_rate(SimpleNamespace(rate=rate), anchor) == expected

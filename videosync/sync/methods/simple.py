"""The paper's *Simple* baseline: match the normalised raw poses directly (no embedding).

Features are :meth:`PoseTrack.normalized` flattened: x / width - 0.5, y / height - 0.5 and the
score of the 17 joints (51 numbers; missing joints are zeros). That is the network's input, so
Simple measures how much the embedding adds. It is exact when both inputs see the same view and
degrades as the views differ, since raw image coordinates are not view-invariant.
"""

from __future__ import annotations

import numpy as np

from videosync.poses import PoseTrack
from videosync.sync.methods.base import FeatureMatchingMethod


class SimpleMethod(FeatureMatchingMethod):
    """Frame matching on the normalised raw pose (paper section 4.3, "Simple")."""

    name = "simple"

    def features(self, track: PoseTrack) -> np.ndarray:
        return track.normalized().reshape(len(track), -1).astype(np.float32)

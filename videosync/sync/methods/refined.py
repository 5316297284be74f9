"""Any method followed by the geometric refinement of :mod:`videosync.sync.refine`."""

from __future__ import annotations

import dataclasses

import numpy as np

from videosync.poses import PoseTrack
from videosync.sync.methods.base import PairEstimate, SyncMethod
from videosync.sync.refine import refine_offset


class RefinedMethod(SyncMethod):
    """``inner``'s coarse offset, then the two-view-geometry search around it.

    The learned or hand-made features decide *where* (robust to repeated motion, far offsets);
    the epipolar search decides the last frames. When the geometry is not conclusive (still
    person, moving camera, too few joints) the coarse estimate is returned unchanged; either way
    ``diagnostics["refinement"]`` (and ``"refinement_reverse"``, the same search with A and B
    swapped, whose result is averaged in) says what happened.

    Confidence: the larger of the coarse method's and the geometry's (:attr:`Refinement.confidence`).
    The two are independent evidence: a short or slow clip gives the matching little to be
    sure about, while two views that agree to within detector noise at one offset, and clearly
    less at its neighbours, are hard to explain by chance.
    """

    def __init__(self, inner: SyncMethod, **refine_options) -> None:
        self.inner = inner
        self.refine_options = refine_options
        self.name = f"{inner.name}+geometry"

    def estimate(self, track_a: PoseTrack, track_b: PoseTrack, *, max_offset: float | None = None) -> PairEstimate:
        coarse = self.inner.estimate(track_a, track_b, max_offset=max_offset)
        ref = refine_offset(track_a, track_b, coarse.offset_frames, coarse.rate, **self.refine_options)
        # The same search with the roles swapped: B's frame j is A's frame (j - k) / rate. Only
        # B's keypoints are interpolated between frames, so each direction smooths one view; the
        # mean of both does not depend on which input is the reference.
        back = refine_offset(track_b, track_a, -coarse.offset_frames / coarse.rate, 1.0 / coarse.rate,
                             **self.refine_options)
        diagnostics = {**coarse.diagnostics, "refinement": ref, "refinement_reverse": back}
        found = []
        if ref.accepted:
            found.append(ref.offset_frames)
        if back.accepted:
            found.append(-coarse.rate * back.offset_frames)
        if not found:
            return dataclasses.replace(coarse, diagnostics=diagnostics)
        offset = float(np.mean(found))
        return dataclasses.replace(
            coarse,
            method=self.name,
            offset_frames=offset,
            offset_seconds=offset / coarse.fps_b,
            confidence=max(coarse.confidence, ref.confidence, back.confidence),
            diagnostics=diagnostics,
        )

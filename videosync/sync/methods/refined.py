"""Any method followed by the geometric refinement of :mod:`videosync.sync.refine`."""

from __future__ import annotations

import dataclasses

import numpy as np

from videosync.poses import PoseTrack
from videosync.sync.bounds import UNBOUNDED, OffsetBounds, beyond_note
from videosync.sync.methods.base import RIVAL_NOTE_START, PairEstimate, SyncMethod
from videosync.sync.drift import overlap_halves, slide_note, slides
from videosync.sync.refine import Refinement, refine_offset
from videosync.tunables import DIRECTIONS_AGREE_FRAMES, REQUIRE_BOTH_DIRECTIONS, RIVAL_ERROR_RATIO


@dataclasses.dataclass
class Geometry:
    """The two-direction geometric search around one offset: the answer when it is conclusive
    (``offset_frames`` not None) or why not (``rejected``)."""

    forward: Refinement
    backward: Refinement
    offset_frames: float | None = None
    relative_error: float = float("nan")
    confidence: float = 0.0
    rejected: str = ""
    beyond_bounds: float | None = None


def rival_chosen_note(other: float, ratio: float, error: float, other_error: float) -> str:
    """What the user is told when the geometry took the matching's rival offset."""
    return (f"the matching supported {other:+.1f} frames almost as well ({min(ratio, 1.0):.0%}): the "
            f"motion seems to repeat; the two views' geometry fits this offset better (median "
            f"epipolar error {error:.2%} of the person's size against {other_error:.2%})")


def two_way_geometry(track_a: PoseTrack, track_b: PoseTrack, offset: float, rate: float, bounds: OffsetBounds,
                     **refine_options) -> Geometry:
    """The two-view-geometry search around ``offset`` from A to B and from B to A, each
    answering inside ``bounds``.

    Why both: only B's keypoints are interpolated between frames, so each direction smooths
    one view; the mean of both does not depend on which input is the reference.
    """
    ref = refine_offset(track_a, track_b, offset, rate, bounds=bounds, **refine_options)
    # B's frame j is A's frame (j - k) / rate
    back = refine_offset(track_b, track_a, -offset / rate, 1.0 / rate, bounds=bounds.seen_from_b(rate),
                         **refine_options)
    found = []
    if ref.accepted:
        found.append(ref.offset_frames)
    if back.accepted:
        found.append(-rate * back.offset_frames)
    geo = Geometry(ref, back)
    beyond = [k for k in (ref.beyond_bounds, None if back.beyond_bounds is None else -rate * back.beyond_bounds)
              if k is not None]
    if beyond:
        geo.beyond_bounds = float(np.mean(beyond))
    if len(found) == 1 and REQUIRE_BOTH_DIRECTIONS:
        geo.rejected = "only one of the two search directions is conclusive"
    elif len(found) == 2 and abs(found[0] - found[1]) > DIRECTIONS_AGREE_FRAMES:
        # two answers from the same correspondences that disagree: the geometry is too weak
        # here (few, nearly coplanar or view-inconsistent joints), their mean is no answer
        geo.rejected = f"the two search directions disagree ({found[0]:+.2f} vs {found[1]:+.2f} frames)"
    elif found:
        geo.offset_frames = float(np.mean(found))
        used = [r for r in (ref, back) if r.accepted]
        geo.relative_error = float(np.mean([r.relative_error for r in used]))
        geo.confidence = max(r.confidence for r in used)
    return geo


class RefinedMethod(SyncMethod):
    """``inner``'s coarse offset, then the two-view-geometry search around it.

    The learned or hand-made features decide *where* (robust to repeated motion, far offsets);
    the epipolar search decides the last frames. When the geometry is not conclusive (still
    person, moving camera, too few joints) the coarse estimate is returned unchanged; either way
    ``diagnostics["refinement"]`` (and ``"refinement_reverse"``, the same search with A and B
    swapped, whose result is averaged in) says what happened. The geometry is used only when
    both searches succeed and agree within ``DIRECTIONS_AGREE_FRAMES``
    (``diagnostics["refinement_rejected"]`` says why not, see ``REQUIRE_BOTH_DIRECTIONS``).

    When the matching names a rival offset (``fit.runner_up_offset``, a repetition away), the
    geometry is searched there too and, when both searches are conclusive, may take it
    (``RIVAL_ERROR_RATIO``; ``diagnostics["refinement_rival"]``, and a note saying so).

    Confidence: the larger of the coarse method's and the geometry's (:attr:`Refinement.confidence`,
    times the matching's uniqueness: geometry cannot tell a periodic motion's rival offsets apart
    for certain); after taking the rival, the geometry's alone (the matching's was for the other).
    The two are independent evidence: a short or slow clip gives the matching little to be
    sure about, while two views that agree to within detector noise at one offset, and clearly
    less at its neighbours, are hard to explain by chance.
    """

    def __init__(self, inner: SyncMethod, **refine_options) -> None:
        self.inner = inner
        self.refine_options = refine_options
        self.name = f"{inner.name}+geometry"

    def estimate(self, track_a: PoseTrack, track_b: PoseTrack, *, bounds: OffsetBounds = UNBOUNDED) -> PairEstimate:
        coarse = self.inner.estimate(track_a, track_b, bounds=bounds)
        geo = self._geometry(track_a, track_b, coarse.offset_frames, coarse.rate, bounds)
        diagnostics = {**coarse.diagnostics, "refinement": geo.forward, "refinement_reverse": geo.backward}
        if geo.rejected:
            diagnostics["refinement_rejected"] = geo.rejected
        notes = list(coarse.notes)
        rival = self._rival(track_a, track_b, coarse, geo, bounds)
        if rival is not None:
            diagnostics["refinement_rival"] = rival
            notes = [n for n in notes if not n.startswith(RIVAL_NOTE_START)]
            notes.append(rival_chosen_note(coarse.offset_frames, coarse.fit.runner_up_ratio,
                                           rival.relative_error, geo.relative_error))
            geo = rival
        if geo.offset_frames is None:
            if geo.beyond_bounds is None or coarse.diagnostics.get("beyond_bounds") is not None:
                return dataclasses.replace(coarse, diagnostics=diagnostics)
            # the geometry is sure of an offset the bounds exclude: the coarse one is not it
            return dataclasses.replace(coarse, confidence=0.0, diagnostics=diagnostics,
                                       notes=notes + [beyond_note(bounds, geo.beyond_bounds)])
        offset = geo.offset_frames
        # Geometry confirms the offset locally but cannot tell a periodic motion's rival offsets
        # apart (a walk one step later is just as consistent), so it inherits the matching's
        # uniqueness.
        uniqueness = coarse.fit.uniqueness if coarse.fit is not None else 1.0
        confidence = uniqueness * geo.confidence
        if rival is None:
            confidence = max(coarse.confidence, confidence)
        if coarse.diagnostics.get("slides") or coarse.diagnostics.get("beyond_bounds") is not None:
            # the matching saw the offset slide, or pointed outside the bounds: no answer here
            confidence = 0.0
        halves = self._halves(track_a, track_b, offset, coarse.rate)
        if halves is not None:
            diagnostics["halves"] = halves
            (k1, k2), centres = halves
            if slides(k1, k2, *centres):
                confidence = 0.0
                if not coarse.diagnostics.get("slides"):
                    notes.append(slide_note(k1, k2, centres[0] / track_a.fps, centres[1] / track_a.fps))
        return dataclasses.replace(
            coarse,
            method=self.name,
            offset_frames=offset,
            offset_seconds=offset / coarse.fps_b,
            confidence=confidence,
            diagnostics=diagnostics,
            notes=notes,
        )

    def _geometry(self, track_a: PoseTrack, track_b: PoseTrack, offset: float, rate: float,
                  bounds: OffsetBounds) -> Geometry:
        return two_way_geometry(track_a, track_b, offset, rate, bounds, **self.refine_options)

    def _rival(self, track_a: PoseTrack, track_b: PoseTrack, coarse: PairEstimate, chosen: Geometry,
               bounds: OffsetBounds) -> Geometry | None:
        """The geometry at the matching's rival offset, when it explains the two views clearly
        better than the chosen offset does (see ``RIVAL_ERROR_RATIO``); else None."""
        fit = coarse.fit
        if (fit is None or fit.runner_up_offset is None or fit.uniqueness >= 1.0
                or coarse.diagnostics.get("slides")):
            return None
        if chosen.offset_frames is None:  # nothing to compare with (see RIVAL_ERROR_RATIO)
            return None
        rival = self._geometry(track_a, track_b, fit.runner_up_offset, coarse.rate, bounds)
        if rival.offset_frames is None or not rival.relative_error < RIVAL_ERROR_RATIO * chosen.relative_error:
            return None
        return rival

    def _halves(self, track_a: PoseTrack, track_b: PoseTrack, offset: float, rate: float
                ) -> tuple[tuple[float, float], tuple[float, float]] | None:
        """The offsets found by the first and the second half of A's overlap with B, alone, and
        the halves' centres (frames of A); None when the halves are too short or inconclusive.

        Why: see :mod:`videosync.sync.drift`. The geometry fits an average offset that is wrong
        at both ends of a sliding pair, with full confidence; comparing the halves catches that.
        The halves search whatever the user's bound: they test the answer, they give none.
        """
        masks = overlap_halves(track_a.frame_index, rate, offset, float(track_b.frame_index[0]),
                               float(track_b.frame_index[-1]), track_a.fps)
        if masks is None:
            return None
        parts = tuple(track_a.select(m) for m in masks)
        found = [self._half(p, track_b, offset, rate) for p in parts]
        if None in found:
            return None
        centres = tuple(float(np.mean(p.frame_index)) for p in parts)
        return (found[0], found[1]), centres

    def _half(self, half: PoseTrack, track_b: PoseTrack, offset: float, rate: float) -> float | None:
        """One half's own geometric offset near ``offset``; None when its geometry says nothing.

        A distinct minimum at the edge of the search says the half's offset lies at least the
        window (MIN_SEARCH_FRAMES or more, beyond DRIFT_FRAMES) away: that half is searched once
        more around the edge, and where it is still not pinned down (its frames may straddle the
        drop) the edge itself stands for it, the nearest offset its evidence allows."""
        found = refine_offset(half, track_b, offset, rate, **self.refine_options)
        if found.accepted:
            return found.offset_frames
        if found.edge_offset is None:
            return None
        again = refine_offset(half, track_b, found.edge_offset, rate, **self.refine_options)
        return again.offset_frames if again.accepted else found.edge_offset

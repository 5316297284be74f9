"""Which offsets a search may answer: the user's bound (``--max-offset``), as one typed value.

``align`` builds one :class:`OffsetBounds` and every stage receives it: the method's estimate,
the frame matching (which looks further, :meth:`OffsetBounds.evidence_band`), the fit (which
chooses its offset inside :attr:`OffsetBounds.offset_range`) and the geometric refinement (which
never moves an answer outside it). Searches that test whether the offset is constant over the
recording (:mod:`videosync.sync.drift`) look around the pair's own line, with their own width
(:func:`videosync.sync.drift.segment_band`): they are no answer, so the bound does not cut them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from videosync.tunables import BEYOND_BOUNDS_FRAMES, EVIDENCE_MARGIN_SECONDS


@dataclass(frozen=True)
class OffsetBounds:
    """Offsets ``k`` (frames of B: frame ``i`` of A is frame ``rate * i + k`` of B) a search may
    answer: ``|k| <= max_frames``, or any offset when ``max_frames`` is None."""

    max_frames: float | None = None

    def __post_init__(self) -> None:
        if self.max_frames is not None and not self.max_frames >= 0:
            raise ValueError(f"max_frames must be >= 0 or None, got {self.max_frames!r}")

    @property
    def bounded(self) -> bool:
        return self.max_frames is not None

    @property
    def offset_range(self) -> tuple[float, float] | None:
        """``(low, high)`` of the allowed offsets; None when unbounded."""
        if self.max_frames is None:
            return None
        return -float(self.max_frames), float(self.max_frames)

    def contains(self, offset: float) -> bool:
        return self.max_frames is None or abs(offset) <= self.max_frames

    def beyond(self, offset: float) -> bool:
        """Whether ``offset`` lies more than ``BEYOND_BOUNDS_FRAMES`` outside the bounds."""
        return abs(offset - self.clip(offset)) > BEYOND_BOUNDS_FRAMES

    def clip(self, offset: float) -> float:
        """``offset`` moved to the nearest allowed one."""
        if self.max_frames is None:
            return float(offset)
        return float(np.clip(offset, -self.max_frames, self.max_frames))

    def evidence_band(self, fps_b: float) -> float | None:
        """How far (frames of B) the matching looks: ``max_frames + max(max_frames,
        EVIDENCE_MARGIN_SECONDS * fps_b)``; None (the whole matrix) when unbounded.

        Why not ``max_frames`` itself: the row softmax shares each frame's vote among the columns
        it may match. A frame whose true partner lies outside the other recording then gives all
        of its vote to the columns inside the band, and in repeated motion those are the
        partner's copies a period away: offsets inside the range, and wrong. Looking a period
        further lets such a frame vote for copies outside the range too, which the fit then
        ignores (``fit_offset(bounds=...)``; measurements in ``docs/design/tunables.md``).
        """
        if self.max_frames is None:
            return None
        bound = float(self.max_frames)
        return bound + max(bound, EVIDENCE_MARGIN_SECONDS * float(fps_b))

    def seen_from_b(self, rate: float) -> OffsetBounds:
        """The same bound for the search from B to A (offsets ``-k / rate``, frames of A)."""
        return self if self.max_frames is None else OffsetBounds(self.max_frames / rate)


#: No bound: every offset may be answered.
UNBOUNDED = OffsetBounds()


def beyond_note(bounds: OffsetBounds, pointed: float | None = None) -> str:
    """What the user is told when the evidence points outside the bounds (``pointed``, frames of
    B, when known): the answer held at the bound is given with confidence 0."""
    where = "" if pointed is None else f" (about {pointed:+.1f} frames)"
    return (f"the evidence points to an offset outside the allowed +-{bounds.max_frames:g} frames{where}; "
            "--max-offset may be too small")

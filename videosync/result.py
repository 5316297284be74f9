"""What ``align`` returns: plain data, rendered by the CLI as a table or as the JSON document.

Keeping results as dataclasses (not printed text) lets Python users, the CLI, the plots and the
benchmarks all read the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class InputOffset:
    """One input's offset relative to the reference (the first input).

    ``offset_frames = k`` means frame i of the reference shows the same instant as frame i + k of
    this input; ``offset_seconds`` is the same shift in this input's own clock (k / fps).
    """

    path: str
    offset_frames: float
    offset_seconds: float
    fps: float
    confidence: float
    n_frames: int = 0
    rate: float = 1.0
    notes: list[str] = field(default_factory=list)
    #: the time map (``videosync.sync.timemap.Segment``s, in this input's own frames): one
    #: segment unless the offset steps along the recording; empty for the reference
    segments: list[Any] = field(default_factory=list)
    #: how much faster this input's clock runs than the reference's (ppm; 0 when not measured)
    drift_ppm: float = 0.0

    def to_json(self) -> dict[str, Any]:
        out = {
            "path": self.path,
            "offset_frames": round(float(self.offset_frames), 3),
            "offset_seconds": round(float(self.offset_seconds), 6),
            "fps": float(self.fps),
            "confidence": round(float(self.confidence), 4),
        }
        if self.segments:
            out.update(segments=[s.to_json() for s in self.segments], drift_ppm=round(float(self.drift_ppm), 1))
        return out


@dataclass
class PairOffset:
    """A pairwise estimate between inputs ``a`` and ``b`` (indices into ``inputs``)."""

    a: int
    b: int
    offset_frames: float
    offset_seconds: float
    confidence: float
    rate: float = 1.0
    residual_seconds: float = 0.0
    disagrees: bool = False
    estimate: Any = None  # the method's full PairEstimate, for plots and diagnostics

    def to_json(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "offset_frames": round(float(self.offset_frames), 3),
            "offset_seconds": round(float(self.offset_seconds), 6),
            "rate": round(float(self.rate), 6),
            "confidence": round(float(self.confidence), 4),
            "residual_seconds": round(float(self.residual_seconds), 6),
            "disagrees": bool(self.disagrees),
        }


@dataclass
class AlignmentResult:
    reference: str
    method: str
    inputs: list[InputOffset]
    pairs: list[PairOffset] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: the pose tracks the offsets were computed from (for plots; not part of the JSON)
    tracks: list[Any] = field(default_factory=list, repr=False)

    def to_json(self) -> dict[str, Any]:
        """The documented JSON document (README, "JSON output"); extra keys come after."""
        return {
            "reference": self.reference,
            "method": self.method,
            "inputs": [i.to_json() for i in self.inputs],
            "pairs": [p.to_json() for p in self.pairs],
            "warnings": list(self.warnings),
        }

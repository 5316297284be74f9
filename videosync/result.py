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
    #: half-width (frames of this input) of the interval holding the truth 9 times in 10
    uncertainty_frames: float = 0.0
    #: the answer and its rivals (repeated motion), each with its probability; frames of this input
    candidates: list[Any] = field(default_factory=list)
    #: why the offset would be refused were its confidence below align's threshold (a
    #: :class:`videosync.trust.reasons.Reason` value; None when not assessed)
    reason: str | None = None

    @property
    def uncertainty_seconds(self) -> float:
        return float(self.uncertainty_frames) / float(self.fps)
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
            "uncertainty_frames": round(float(self.uncertainty_frames), 3),
            "uncertainty_seconds": round(float(self.uncertainty_seconds), 6),
            "fps": float(self.fps),
            "confidence": round(float(self.confidence), 4),
        }
        if len(self.candidates) > 1:
            out["candidates"] = [c.to_json() for c in self.candidates]
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
    #: what the answer is worth (:class:`videosync.trust.assess.Assessment`): error bar,
    #: candidates, reason, evidence
    assessment: Any = None

    @property
    def uncertainty_frames(self) -> float:
        """Half-width (frames of input ``b``) of the 90 % interval; 0 before assessment."""
        return float(self.assessment.uncertainty_frames) if self.assessment is not None else 0.0

    def refusal(self, min_confidence: float) -> str | None:
        """Why this pair is refused at threshold ``min_confidence`` (a
        :class:`videosync.trust.reasons.Reason` value); None when it is trusted or not assessed."""
        reason = None if self.assessment is None else self.assessment.reason
        return None if reason is None or self.confidence >= min_confidence else str(reason.value)

    def to_json(self, min_confidence: float = 0.0) -> dict[str, Any]:
        """The pair's JSON; ``reason`` is named only when it is refused at ``min_confidence``."""
        return {
            "a": self.a,
            "b": self.b,
            "offset_frames": round(float(self.offset_frames), 3),
            "offset_seconds": round(float(self.offset_seconds), 6),
            "rate": round(float(self.rate), 6),
            "confidence": round(float(self.confidence), 4),
            "residual_seconds": round(float(self.residual_seconds), 6),
            "disagrees": bool(self.disagrees),
            **self._assessment_json(min_confidence),
            **({"fusion": fusion_json(self.fusion)} if self.fusion else {}),
        }

    @property
    def fusion(self) -> dict[str, Any] | None:
        """The sound's, the poses' and the fused offset when fusion made this estimate
        (:mod:`videosync.sync.methods.fused`), else None."""
        return (getattr(self.estimate, "diagnostics", None) or {}).get("fusion")

    def _assessment_json(self, min_confidence: float) -> dict[str, Any]:
        a = self.assessment
        if a is None:
            return {}
        return {
            "uncertainty_frames": round(float(a.uncertainty_frames), 3),
            "calibrated": bool(a.calibrated),
            "candidates": [c.to_json() for c in a.candidates],
            "reason": self.refusal(min_confidence),
            "evidence": {k: (round(float(v), 6) if v == v else None) for k, v in a.evidence.items()},
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
    #: the confidence threshold align decided with (its ``min_confidence`` or the default for the
    #: confidences' kind): an answer below it is refused and names its reason, one at or above it
    #: is trusted and names none
    min_confidence: float = 0.0

    def fusion(self, index: int) -> dict[str, Any] | None:
        """The fusion record of input ``index``'s pair with the reference (sound, poses, fused), if any."""
        return next((p.fusion for p in self.pairs if p.a == 0 and p.b == index and p.fusion), None)

    def to_json(self) -> dict[str, Any]:
        """The documented JSON document (README, "JSON output"); extra keys come after."""
        inputs = [i.to_json() for i in self.inputs]
        for index, entry in enumerate(inputs):
            if self.fusion(index):
                entry["fusion"] = fusion_json(self.fusion(index))
        return {
            "reference": self.reference,
            "method": self.method,
            "inputs": inputs,
            "pairs": [p.to_json(self.min_confidence) for p in self.pairs],
            "warnings": list(self.warnings),
        }


def fusion_json(fusion: dict[str, Any]) -> dict[str, Any]:
    """A fusion record as JSON: where the answer came from, and the sound's, the poses' and the
    fused offset (frames of B; null where that witness gave none)."""
    def frames(key: str) -> float | None:
        return None if fusion.get(key) is None else round(float(fusion[key]), 3)

    return {"source": fusion.get("source"), "sound_offset_frames": frames("sound_frames"),
            "pose_offset_frames": frames("pose_frames"), "fused_offset_frames": frames("fused_frames"),
            "allowance_seconds": round(float(fusion.get("expected_disagreement_seconds", 0.0)), 4),
            **({"sound_refused": fusion["sound_refused"]} if fusion.get("sound_refused") else {})}

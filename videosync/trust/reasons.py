"""Why an answer is refused: a closed set of reasons, each with the words a user reads.

A refusal must say what the user can do about it, so the engine picks one of these reasons from
the evidence (:func:`videosync.trust.assess.refusal_reason`) instead of a generic "not
trustworthy". The JSON output carries the reason's key (``"reason": "repeated_motion"``) on a
pair below ``align``'s threshold, null on a trusted one.
"""

from __future__ import annotations

from enum import Enum


class Reason(str, Enum):
    """The reasons an offset can be refused for, in the order they are checked."""

    NO_OVERLAP = "no_overlap"
    OUTSIDE_BOUNDS = "outside_bounds"
    FRAME_RATE_UNKNOWN = "frame_rate_unknown"
    NOT_CONSTANT = "not_constant"
    REPEATED_MOTION = "repeated_motion"
    NO_SHARED_MOTION = "no_shared_motion"
    WEAK_EVIDENCE = "weak_evidence"

    @property
    def advice(self) -> str:
        return ADVICE[self]


#: What the user can do, per reason (one place; the messages below only add the figures).
ADVICE: dict[Reason, str] = {
    Reason.NO_OVERLAP: "the recordings hardly overlap in time (or one shows no person where the other moves); "
                       "check that they film the same moment",
    Reason.OUTSIDE_BOUNDS: "the evidence points to an offset outside the allowed range; --max-offset may be "
                           "too small",
    Reason.FRAME_RATE_UNKNOWN: "pass --fps (the answer depends on the frame rate, which the file does not give)",
    Reason.NOT_CONSTANT: "frames were dropped or the clocks drift, so no single offset fits the whole recording",
    Reason.REPEATED_MOTION: "the motion repeats (walking, waving) and this stretch does not show which repetition "
                            "is which; a longer overlap, or --max-offset if you know roughly how far apart the "
                            "recordings started, decides",
    Reason.NO_SHARED_MOTION: "the two recordings do not seem to show the same motion (another person, a still "
                             "person, or no overlap)",
    Reason.WEAK_EVIDENCE: "the motion seen by both cameras is too little or too ambiguous to be sure; a longer "
                          "recording with more movement helps",
}


def candidates_text(candidates: list[tuple[float, float]]) -> str:
    """``"either -9.1 (p 0.48) or +21.3 (p 0.41)"`` for ``[(offset_frames, probability), ...]``."""
    parts = [f"{offset:+.1f} (p {p:.2f})" for offset, p in candidates]
    if len(parts) == 1:
        return parts[0]
    return "either " + ", ".join(parts[:-1]) + " or " + parts[-1]


#: How each reason is named at the start of a refusal.
LABELS: dict[Reason, str] = {
    Reason.NO_OVERLAP: "no overlap",
    Reason.OUTSIDE_BOUNDS: "offset outside the allowed range",
    Reason.FRAME_RATE_UNKNOWN: "frame rate unknown",
    Reason.NOT_CONSTANT: "offset not constant",
    Reason.REPEATED_MOTION: "repeated motion",
    Reason.NO_SHARED_MOTION: "no shared motion",
    Reason.WEAK_EVIDENCE: "weak evidence",
}

#: The method's note that details a reason, by how it begins (the slide and the bound notes).
NOTE_STARTS: dict[Reason, str] = {
    Reason.NOT_CONSTANT: "the offset is not constant",
    Reason.OUTSIDE_BOUNDS: "the evidence points to an offset outside",
}


def refusal_text(reason: Reason, candidates: list[tuple[float, float]], notes: list[str]) -> str:
    """The words of a refusal: the reason, its figures and what the user can do, e.g.
    ``"repeated motion: either -9.1 (p 0.48) or +21.3 (p 0.41); the motion repeats ..."``."""
    detail = next((n for n in notes if reason in NOTE_STARTS and n.startswith(NOTE_STARTS[reason])), None)
    if detail is not None:
        return f"{LABELS[reason]}: {detail}"
    if reason is Reason.REPEATED_MOTION and len(candidates) > 1:
        named = sorted(candidates, key=lambda c: -c[1])[:3]
        return f"{LABELS[reason]}: {candidates_text(named)}; {_repeat_advice(named)}"
    return f"{LABELS[reason]}: {reason.advice}"


def _repeat_advice(named: list[tuple[float, float]]) -> str:
    """Reason.REPEATED_MOTION's advice, with the --max-offset that would pick the nearest candidate."""
    sizes = sorted(abs(offset) for offset, _ in named)
    if len(sizes) > 1 and sizes[1] - sizes[0] >= 2:
        bound = int((sizes[0] + sizes[1]) // 2)
        return (f"the motion repeats and this stretch does not show which repetition is which; a longer "
                f"overlap, or --max-offset {bound} if you know the recordings started less than {bound} "
                "frames apart, decides")
    return Reason.REPEATED_MOTION.advice

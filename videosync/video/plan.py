"""Which source frames each synchronized copy is made of: pure arithmetic, no files.

Timeline. ``offsets_frames[i] = k`` means that frame ``t + k[a]`` of input ``a`` and frame
``t + k[b]`` of input ``b`` show the same instant (with ``k[0] = 0`` this is the project's
convention: frame t of the reference is frame t + k of input i). With frame rates ``f`` we put the
reference's frame 0 at time 0 s; frame ``j`` of input ``i`` is then shown at ``(j - k_i) / f_i``
seconds. Every copy starts at the latest start among the inputs and, with ``common_end``, stops
at the earliest end.

Two regimes:

* Same frame rate (the common case, no resampling): offsets are rounded to whole frames and each
  copy is a run of consecutive source frames. Integer arithmetic, so nothing drifts.
* Resampling to a common rate ``F``: output frame ``m`` is the instant ``S + m / F`` and shows the
  source frame nearest to it (ties to the earlier one). Exact rational arithmetic, so a 10-minute video does not collect
  float rounding errors in its frame choice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from videosync.errors import CannotSynchronizeError, VideosyncError
from videosync.tunables import SAME_RATE_RTOL



@dataclass(frozen=True)
class FramePlan:
    """The frames one output is made of."""

    first_frame: int  # first source frame used (0-based, decode order = display order)
    n_frames: int  # frames to write
    fps_out: Fraction
    offset_used: float  # the offset these frames realise (rounded one when not resampling)
    #: explicit source frame per output frame when resampling (non-decreasing); None: consecutive
    source_frames: np.ndarray | None = None
    #: where output time 0 lies relative to ``first_frame``, in source frames (|x| <= 0.5; it is
    #: 0 without resampling): the audio cut starts there, not at the nearest frame
    lead_frames: float = 0.0

    def source_frame(self, m: int) -> int:
        if self.source_frames is None:
            return self.first_frame + m
        return int(self.source_frames[m])


@dataclass(frozen=True)
class TrimPlan:
    frames: list[FramePlan]
    start_seconds: float  # common first instant, reference frame 0 = 0 s
    rounded: bool  # some offset was fractional and got rounded to whole frames
    resampled: bool


def as_rate(value: float | Fraction) -> Fraction:
    """A frame rate as an exact fraction; 29.97 and friends become n*1000/1001."""
    if isinstance(value, Fraction):
        return value
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise VideosyncError(f"frame rate must be a positive number, got {value}")
    for base in (24, 30, 48, 60, 120, 240):
        ntsc = Fraction(base * 1000, 1001)
        if abs(value - float(ntsc)) < 5e-4:
            return ntsc
    return Fraction(value).limit_denominator(1001)


def same_rate(a: Fraction, b: Fraction) -> bool:
    return abs(a - b) <= SAME_RATE_RTOL * max(a, b)


def _fmt_rate(rate: Fraction) -> str:
    return f"{float(rate):.3f}".rstrip("0").rstrip(".")


def plan_trim(
    n_frames: list[int],
    fps: list[Fraction],
    offsets_frames: list[float],
    names: list[str],
    *,
    common_end: bool = False,
    out_fps: Fraction | None = None,
) -> TrimPlan:
    """Decide the frames of every output; raise if the inputs cannot be put on one timeline."""
    if not (len(n_frames) == len(fps) == len(offsets_frames) == len(names)) or not names:
        raise VideosyncError(
            f"need one offset per input: {len(names)} inputs, {len(offsets_frames)} offsets"
        )
    for name, k in zip(names, offsets_frames):
        if not math.isfinite(float(k)):
            raise VideosyncError(f"offset is not a finite number ({k})", name)
    for name, n in zip(names, n_frames):
        if n <= 0:
            raise VideosyncError("the video has no frames", name)

    needs_resampling = out_fps is not None and not all(same_rate(f, out_fps) for f in fps)
    if out_fps is None and not all(same_rate(f, fps[0]) for f in fps):
        rates = ", ".join(f"{n}: {_fmt_rate(f)} fps" for n, f in zip(names, fps))
        raise VideosyncError(
            f"the inputs have different frame rates ({rates}); pass a common rate to resample "
            "all of them to (fps=..., --fps on the command line), e.g. the lowest one"
        )
    if needs_resampling:
        return _plan_resampled(n_frames, fps, offsets_frames, names, common_end, out_fps)
    return _plan_whole_frames(n_frames, fps, offsets_frames, names, common_end)


def _no_overlap(names: list[str], spans: list[tuple[float, float]], unit: str) -> CannotSynchronizeError:
    desc = "; ".join(f"{n} covers {a:g} to {b:g} {unit}" for n, (a, b) in zip(names, spans))
    return CannotSynchronizeError(
        f"with these offsets the videos do not overlap in time ({desc} on the reference's "
        "timeline), so there is no common part to write"
    )


def _plan_whole_frames(n_frames, fps, offsets, names, common_end) -> TrimPlan:
    rounded_k = [math.floor(float(k) + 0.5) for k in offsets]
    start = max(-r for r in rounded_k)
    ends = [n - r for n, r in zip(n_frames, rounded_k)]
    end = min(ends)
    if end - start <= 0:
        raise _no_overlap(names, [(-r, e) for r, e in zip(rounded_k, ends)], "frames")
    plans = [
        FramePlan(
            first_frame=start + r,
            n_frames=(end if common_end else e) - start,
            fps_out=f,
            offset_used=float(r),
        )
        for r, e, f in zip(rounded_k, ends, fps)
    ]
    rounded = any(r != float(k) for r, k in zip(rounded_k, offsets))
    return TrimPlan(plans, start / float(fps[0]), rounded, resampled=False)


def _plan_resampled(n_frames, fps, offsets, names, common_end, out_fps: Fraction) -> TrimPlan:
    # sub-frame offsets are kept (to 1e-6 frame): nearest-time picking rounds per output frame
    ks = [Fraction(float(k)).limit_denominator(1_000_000) for k in offsets]
    start = max(-k / f for k, f in zip(ks, fps))
    # output frame m is the instant u_m = (start + m/F) f + k in source frames and shows frame
    # ceil(u_m - 1/2): the nearest one, ties going to the earlier frame (the one still on screen
    # at that instant, so 30 -> 60 fps duplicates as 0,0,1,1 and keeps the first frame). It
    # exists while u_m - 1/2 <= n - 1, i.e. for m <= F ((n - 1/2 - k) / f - start).
    counts = []
    for n, k, f in zip(n_frames, ks, fps):
        last = out_fps * ((n - Fraction(1, 2) - k) / f - start)
        counts.append(math.floor(last) + 1 if last >= 0 else 0)
    common = min(counts)
    if common <= 0:
        spans = [(float(-k / f), float((n - k) / f)) for n, k, f in zip(n_frames, ks, fps)]
        raise _no_overlap(names, spans, "s")
    plans = []
    for n_out, k, f in zip(counts, ks, fps):
        n_out = common if common_end else n_out
        a = start * f + k - Fraction(1, 2)  # u_0 - 1/2
        b = f / out_fps  # source frames per output frame
        # ceil((num0 + m step) / den) in exact integers
        num0, step, den = a.numerator * b.denominator, b.numerator * a.denominator, a.denominator * b.denominator
        src = np.array([-((-(num0 + m * step)) // den) for m in range(n_out)], dtype=np.int64)
        u0 = start * f + k
        plans.append(
            FramePlan(
                first_frame=int(src[0]),
                n_frames=n_out,
                fps_out=out_fps,
                offset_used=float(k),
                source_frames=src,
                lead_frames=float(u0 - int(src[0])),
            )
        )
    return TrimPlan(plans, float(start), rounded=False, resampled=True)

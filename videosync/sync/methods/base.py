"""The one small interface every synchronization method implements, and the shared matching path.

A method turns two pose tracks into a :class:`PairEstimate`. Most methods (the paper's Simple,
SSM, SeSyn-Net) only differ in how they describe a frame, so :class:`FeatureMatchingMethod` does
everything else: densify the tracks (dropped frames become invalid rows, so row = source frame),
compute features, match frames (:mod:`videosync.sync.matching`) and fit the offset line in source
frame numbers (:mod:`videosync.sync.fit`). A new feature-based method only implements
:meth:`FeatureMatchingMethod.features`.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from videosync.errors import CannotSynchronizeError
from videosync.poses import PoseTrack
from videosync.sync.bounds import UNBOUNDED, OffsetBounds, beyond_note
from videosync.sync.drift import overlap_segments, segment_band, slide_note, widest_slide
from videosync.sync.fit import OffsetFit, fit_offset
from videosync.sync.matching import MatchResult, match_frames
from videosync.tunables import (
    DEFAULT_BLOCK_BYTES,
    DEFAULT_MIN_INLIERS,
    DEFAULT_SEPARATION,
    DEFAULT_TOLERANCE,
    LABEL_RATE_FACTOR,
    MATCH_TEMPERATURE,
    MATCHING_DRIFT_FRAMES,
    MAX_SEGMENTS,
    MIN_HALF_CONFIDENCE,
    MIN_JOINTS,
    RIVAL_SECONDS,
    VIDEO_RATE_FACTOR,
)

#: Rate policies: keep fps_b / fps_a, always try a free rate, or try it when the fps differ.
RATE_MODES = ("nominal", "estimate", "auto")


@dataclass
class PairFeatures:
    """Both inputs described for matching: the dense tracks (row = source frame), their ``(T, C)``
    features and usable rows, and what the description adds to the estimate (diagnostics and
    notes for the user, e.g. which network variant embedded the pair)."""

    da: PoseTrack
    db: PoseTrack
    fa: np.ndarray
    fb: np.ndarray
    va: np.ndarray
    vb: np.ndarray
    diagnostics: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Described:
    """The features an estimate matched and the very tracks they describe (kept on request:
    :attr:`FeatureMatchingMethod.keep_features`)."""

    track_a: PoseTrack
    track_b: PoseTrack
    features: PairFeatures

    def of(self, track_a: PoseTrack, track_b: PoseTrack) -> PairFeatures | None:
        """The features when they describe exactly ``track_a`` and ``track_b`` (the same objects:
        a coarse-to-fine estimate's features describe lower-rate parts of them), else None."""
        return self.features if track_a is self.track_a and track_b is self.track_b else None


#: Frames of each input kept with an estimate for the picture of its frame similarity.
PREVIEW_FRAMES = 400


@dataclass(frozen=True)
class FramePreview:
    """Every ``step``-th row of both inputs' features as they were matched (rows are dense frames
    from ``first``), for ``align --plot``'s frame-similarity picture: it needs no method then."""

    a: np.ndarray
    b: np.ndarray
    step_a: int
    step_b: int
    first_a: int
    first_b: int

    @classmethod
    def of(cls, pair: PairFeatures, max_frames: int = PREVIEW_FRAMES) -> FramePreview:
        sa, sb = max(1, len(pair.fa) // max_frames), max(1, len(pair.fb) // max_frames)
        return cls(np.ascontiguousarray(pair.fa[::sa]), np.ascontiguousarray(pair.fb[::sb]), sa, sb,
                   int(pair.da.frame_index[0]), int(pair.db.frame_index[0]))


@dataclass
class PairEstimate:
    """Offset of input B relative to input A, as found by one method.

    Attributes:
        method: name of the method.
        offset_frames: frame ``i`` of A shows the same instant as frame ``rate * i +
            offset_frames`` of B (source frame numbers; with equal fps simply ``i + offset``).
        offset_seconds: ``offset_frames / fps_b``: how much later B's clock shows the instant of
            A's frame 0 (this is what the N-camera solve combines).
        rate: frames of B per frame of A.
        confidence: in [0, 1]; 0 means "do not trust".
        fps_a, fps_b: the inputs' frame rates.
        fit: the robust line fit (``None`` for methods that do not match frames).
        pairs_a, pairs_b: matched source frame numbers (for plots); ``pairs_b`` may be fractional.
        peaks: per matched pair, the row softmax's maximum (frame-matching methods); for
            speed-xcorr the single correlation peak.
        diagnostics: method-specific extras (inlier mask, correlation curve, ...).
        notes: caveats for the user (e.g. an offset that is not constant over the recording).
        preview: the matched features, subsampled, for the plot (None for methods that match
            no frames).
        described: the features matched, when the method was asked to keep them (None by default).
    """

    method: str
    offset_frames: float
    offset_seconds: float
    rate: float
    confidence: float
    fps_a: float
    fps_b: float
    fit: OffsetFit | None = None
    pairs_a: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    pairs_b: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    peaks: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    diagnostics: dict[str, Any] = field(default_factory=dict, repr=False)
    #: caveats a user should read with the offset (one sentence each, no pair label)
    notes: list[str] = field(default_factory=list)
    preview: FramePreview | None = field(default=None, repr=False)
    described: Described | None = field(default=None, repr=False, compare=False)


#: The fit's numbers in frames, by how they follow the inputs' frame numbers: offsets (where on
#: B's time line: they move when B is renumbered and scale with its rate), spreads (frames of B:
#: they only scale), rates (frames of B per frame of A) and spans of A (frames of A counted: the
#: overlap's).
FIT_OFFSETS = ("offset_frames", "median_offset", "runner_up_offset", "beyond_bounds")
FIT_SPREADS = ("residual_std", "offset_stderr", "tolerance")
FIT_RATES = ("rate", "nominal_rate", "rate_estimate", "rate_stderr")
FIT_SPANS_A = ("n_overlap",)
#: A geometric search's offsets (:class:`videosync.sync.refine.Refinement`): frames of B, or of A
#: for the reverse search (A against B).
REFINEMENT_OFFSETS = ("offset_frames", "coarse_offset_frames", "shifts", "wide_offset_frames", "beyond_bounds")


def renumbered_estimate(est: PairEstimate, *, shift: int = 0, ka: int = 1, kb: int = 1, **changes: Any
                        ) -> PairEstimate:
    """``est`` with the inputs' frames numbered anew: frame ``i`` of A becomes ``ka * i`` and frame
    ``j`` of B ``kb * j + shift`` (an estimate made on every k-th frame, or of a B renumbered by
    ``-shift``). Every number in frames follows: the answer, the matched frames, the fit's fields
    (the lists above), the diagnostics the trust module and the notes read
    (:func:`_renumbered_diagnostics`) and the preview; rates times ``kb / ka``, frame rates times
    ``ka`` and ``kb``. ``changes`` replace other fields."""
    def on_b(k: Any) -> Any:
        return k * kb + shift

    fit = est.fit and _mapped(est.fit, {FIT_OFFSETS: on_b, FIT_SPREADS: lambda v: v * kb,
                                        FIT_RATES: lambda v: v * kb / ka, FIT_SPANS_A: lambda v: v * ka})
    preview = est.preview and dataclasses.replace(
        est.preview, step_a=est.preview.step_a * ka, step_b=est.preview.step_b * kb,
        first_a=est.preview.first_a * ka, first_b=on_b(est.preview.first_b))
    back = shift * ka / ((est.rate or 1.0) * kb)  # the reverse search's offsets are -offset / rate
    diagnostics = _renumbered_diagnostics(est.diagnostics, on_b, lambda c: c * ka, lambda k: k * ka - back)
    offset = on_b(est.offset_frames)
    return dataclasses.replace(
        est, offset_frames=offset, offset_seconds=offset / (est.fps_b * kb), rate=est.rate * kb / ka,
        fps_a=est.fps_a * ka, fps_b=est.fps_b * kb, fit=fit, pairs_a=np.asarray(est.pairs_a) * ka,
        pairs_b=on_b(np.asarray(est.pairs_b)), preview=preview, diagnostics=diagnostics, **changes)


def _renumbered_diagnostics(diagnostics: dict[str, Any], on_b: Callable[[Any], Any], on_a: Callable[[Any], Any],
                            on_back: Callable[[Any], Any]) -> dict[str, Any]:
    """A copy of ``diagnostics`` with every number in frames renumbered: offsets of B by ``on_b``,
    frame numbers of A by ``on_a``, the reverse search's offsets (frames of A) by ``on_back``. The
    matching's own rows (``matched_cols``, ``n_frames``) stay those of the tracks it matched."""
    how = {
        "votes": lambda v: (on_b(np.asarray(v[0])), v[1]),  # (offsets of B, their soft votes)
        "matching_parts": lambda p: ([on_b(k) for k in p[0]], [on_a(c) for c in p[1]]),  # offsets, centres
        "halves": lambda h: (tuple(on_b(k) for k in h[0]), tuple(on_a(c) for c in h[1])),  # the same
        "beyond_bounds": on_b,
        "refinement": lambda r: _mapped(r, {REFINEMENT_OFFSETS: on_b}),
        "refinement_rival": lambda r: _mapped(r, {REFINEMENT_OFFSETS: on_b}),
        "refinement_reverse": lambda r: _mapped(r, {REFINEMENT_OFFSETS: on_back}),
    }
    return {key: how[key](value) if key in how and value is not None else value for key, value in diagnostics.items()}


def _mapped(obj: Any, how: dict[tuple[str, ...], Callable[[Any], Any]]) -> Any:
    """The dataclass ``obj`` with each field named in a key of ``how`` mapped by its value (None stays None)."""
    return dataclasses.replace(obj, **{name: None if getattr(obj, name) is None else each(getattr(obj, name))
                                       for names, each in how.items() for name in names})


#: How the note about a rival offset begins (the refinement replaces it when it takes the rival).
RIVAL_NOTE_START = "another offset"


def rival_note(rival: float, ratio: float) -> str:
    """What the user is told when another offset is supported almost as well as the one given
    (the fit's ``runner_up_ratio`` above ``RIVAL_SHARE_FREE``: it cost confidence).

    Why say it: in repeated motion the two are a step or a wave apart, and a low confidence alone
    does not tell the user that more of the recording, or a bound on the offset, would decide.
    """
    return (f"{RIVAL_NOTE_START}, {rival:+.1f} frames, is supported almost as well ({min(ratio, 1.0):.0%} "
            "of the chosen one's support): the motion seems to repeat (walking, waving), "
            "and this stretch of it does not show which repetition is which; a longer recording, or "
            "--max-offset if you know how far apart the recordings started, can decide")


def pair_label(track_a: PoseTrack, track_b: PoseTrack) -> str:
    """``"a.npz <-> b.npz"``: names both inputs in an error about the pair."""
    return f"{track_a.source or 'input A'} <-> {track_b.source or 'input B'}"


def fps_from_video(track: PoseTrack) -> bool:
    """Whether the track's frame rate was read from a video (its timestamps), not assumed or typed."""
    source = track.meta.get("fps_source")
    return source == "video" or (source is None and track.size_source == "video")


def max_rate_factor(track_a: PoseTrack, track_b: PoseTrack, rate_mode: str) -> float:
    """How far from fps_b / fps_a a fitted rate may be: a few % when both rates come from videos
    (``auto``), a factor 2 when a label may be wrong or a free rate was asked for (``estimate``)."""
    if rate_mode == "auto" and fps_from_video(track_a) and fps_from_video(track_b):
        return VIDEO_RATE_FACTOR
    return LABEL_RATE_FACTOR


def check_track(track: PoseTrack, label: str) -> None:
    """Raise :class:`CannotSynchronizeError` for a track with no usable frame."""
    where = track.source or label
    if len(track) == 0:
        raise CannotSynchronizeError("the pose track has no frames", where, reason="no_overlap")
    if track.n_valid == 0:
        raise CannotSynchronizeError("no frame has a detected joint", where, reason="no_shared_motion")


class SyncMethod(ABC):
    """Estimate the offset between two pose tracks of the same person."""

    name: ClassVar[str] = ""

    @abstractmethod
    def estimate(
        self, track_a: PoseTrack, track_b: PoseTrack, *, bounds: OffsetBounds = UNBOUNDED
    ) -> PairEstimate:
        """Offset of ``track_b`` relative to ``track_a``.

        Args:
            bounds: the offsets (frames of B) that may be answered (``--max-offset``); the answer
                is never outside them.

        Raises:
            CannotSynchronizeError: the inputs do not determine an offset.
        """


class FeatureMatchingMethod(SyncMethod):
    """Per-frame features -> frame matching -> robust line fit (the paper's section 3.4).

    Args:
        min_joints: frames with fewer detected joints are not matched.
        temperature: softmax temperature (see :mod:`videosync.sync.matching`).
        tolerance: inlier threshold of the fit, in frames of B.
        rate_mode: ``"nominal"`` (use fps_b / fps_a), ``"estimate"`` (also fit a free rate and
            use it when the data demand it), ``"auto"`` (estimate when the fps differ; within 5 %
            of the nominal ratio when both rates were read from videos). The matching band of
            a bounded search always follows the nominal rate, so an estimated rate far from it
            needs a wide enough bound.
        pca_dims: match in this many PCA dimensions (speed-up for wide features).
        max_block_bytes: memory bound of one block of the matching.
        min_inliers: fewest agreeing matched frames accepted.
        seed: seed for the fit's RANSAC.
        progress: optional ``(rows_done, rows_total)`` callback of the matching step.
    """

    #: keep each estimate's features (:attr:`PairEstimate.described`), for a caller that needs
    #: them again (``align --time-map``); off by default: they are large (17 x 128 numbers a frame
    #: for SeSyn-Net) and estimates are often kept
    keep_features: bool = False

    def __init__(
        self,
        *,
        min_joints: int = MIN_JOINTS,
        temperature: float = MATCH_TEMPERATURE,
        tolerance: float = DEFAULT_TOLERANCE,
        rate_mode: str = "auto",
        pca_dims: int | None = None,
        max_block_bytes: int = DEFAULT_BLOCK_BYTES,
        min_inliers: int = DEFAULT_MIN_INLIERS,
        seed: int = 0,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        if rate_mode not in RATE_MODES:
            raise ValueError(f"rate_mode must be one of {RATE_MODES}, got {rate_mode!r}")
        self.min_joints = min_joints
        self.temperature = temperature
        self.tolerance = tolerance
        self.rate_mode = rate_mode
        self.pca_dims = pca_dims
        self.max_block_bytes = max_block_bytes
        self.min_inliers = min_inliers
        self.seed = seed
        self.progress = progress

    @abstractmethod
    def features(self, track: PoseTrack) -> np.ndarray:
        """``(T, C)`` float32 features of a *dense* track (one row per source frame).

        Rows may be NaN where no feature can be computed; they are then treated as invalid.
        """

    def pair_features(self, track_a: PoseTrack, track_b: PoseTrack) -> tuple[np.ndarray, np.ndarray]:
        """The features of both tracks (densified) as :meth:`estimate` matches them."""
        pair = self.describe_pair(track_a, track_b)
        return pair.fa, pair.fb

    def valid_rows(self, track: PoseTrack) -> np.ndarray:
        """``(T,)`` bool: frames with enough detected joints to describe the pose."""
        return (track.scores > 0).sum(axis=1) >= self.min_joints

    def describe_pair(self, track_a: PoseTrack, track_b: PoseTrack) -> PairFeatures:
        """Both tracks densified, their features and usable rows, as :meth:`estimate` matches
        them. A method that describes a pair from both views (SeSyn's noisy variant) overrides it."""
        da, db = track_a.dense(), track_b.dense()
        fa = np.asarray(self.features(da), dtype=np.float32)
        fb = np.asarray(self.features(db), dtype=np.float32)
        va = self.valid_rows(da) & np.isfinite(fa).all(axis=1)
        vb = self.valid_rows(db) & np.isfinite(fb).all(axis=1)
        return PairFeatures(da, db, fa, fb, va, vb)

    def estimate(
        self, track_a: PoseTrack, track_b: PoseTrack, *, bounds: OffsetBounds = UNBOUNDED
    ) -> PairEstimate:
        check_track(track_a, "input A")
        check_track(track_b, "input B")
        from videosync.sync.coarse import coarse_to_fine, long_pair

        if long_pair(track_a, track_b, bounds):  # cost and memory bounded (videosync.sync.coarse)
            return coarse_to_fine(self, track_a, track_b, bounds)
        return self.estimate_whole(track_a, track_b, bounds=bounds)

    def estimate_whole(
        self, track_a: PoseTrack, track_b: PoseTrack, *, bounds: OffsetBounds = UNBOUNDED
    ) -> PairEstimate:
        """:meth:`estimate` with every frame of A matched against every frame of B."""
        check_track(track_a, "input A")
        check_track(track_b, "input B")
        pair = self.describe_pair(track_a, track_b)
        for valid, track, label in ((pair.va, track_a, "input A"), (pair.vb, track_b, "input B")):
            if not valid.any():
                raise CannotSynchronizeError(
                    f"no frame has at least {self.min_joints} detected joints", track.source or label,
                    reason="no_shared_motion")
        nominal = track_b.fps / track_a.fps
        estimate_rate = self.rate_mode == "estimate" or (self.rate_mode == "auto" and abs(nominal - 1.0) > 1e-9)
        try:
            match, i, j, fit = self._match_and_fit(
                pair, pair.va, rate=nominal, offset=0.0, band=bounds.evidence_band(track_b.fps), bounds=bounds,
                estimate_rate=estimate_rate, max_rate_factor=max_rate_factor(track_a, track_b, self.rate_mode),
                progress=self.progress)
        except CannotSynchronizeError as exc:
            reason = str(exc).removeprefix("cannot synchronize: ")
            raise CannotSynchronizeError(f"{reason} [method {self.name}]", pair_label(track_a, track_b),
                                         reason=exc.reason) from exc
        # the test only questions an answer that would be trusted: an unsure one is refused
        # anyway, and the parts of weak matches differ by more than noise allows
        parts = self._segments(pair, fit) if fit.confidence >= MIN_HALF_CONFIDENCE else None
        slide = widest_slide(*parts, MATCHING_DRIFT_FRAMES) if parts is not None else None
        notes = _fit_notes(fit, parts, slide, bounds, track_a.fps)
        return PairEstimate(
            method=self.name, offset_frames=fit.offset_frames, offset_seconds=fit.offset_frames / track_b.fps,
            rate=fit.rate, confidence=0.0 if slide is not None else fit.confidence, fps_a=track_a.fps,
            fps_b=track_b.fps, fit=fit, pairs_a=i, pairs_b=j, peaks=match.peak,
            diagnostics={
                "inliers": fit.inliers, "distinctiveness": match.distinctiveness, "matched_cols": match.cols,
                "softmax_scale": match.scale, "n_frames": (len(pair.da), len(pair.db)), "matching_parts": parts,
                "slides": slide is not None, "beyond_bounds": fit.beyond_bounds,
                "votes": source_votes(match, pair, nominal), **pair.diagnostics,
            },
            notes=notes + pair.notes, preview=FramePreview.of(pair),
            described=Described(track_a, track_b, pair) if self.keep_features else None,
        )

    def _match_and_fit(
        self, pair: PairFeatures, va: np.ndarray, *, rate: float, offset: float, band: float | None,
        estimate_rate: bool, max_rate_factor: float, progress: Callable[[int, int], None] | None = None,
        bounds: OffsetBounds = UNBOUNDED,
    ) -> tuple[MatchResult, np.ndarray, np.ndarray, OffsetFit]:
        """Match the rows ``va`` of A to B's usable ones (optionally within ``band`` frames of B
        of ``j = rate * i + offset``, in source frames) and fit the line, its offset inside
        ``bounds``; returns the matches, their source frames and the fit."""
        da, db = pair.da, pair.db
        a0, b0 = int(da.frame_index[0]), int(db.frame_index[0])
        match = match_frames(
            pair.fa, pair.fb, valid_a=va, valid_b=pair.vb, band=band, rate=rate,
            centre=rate * a0 + offset - b0, temperature=self.temperature,
            max_block_bytes=self.max_block_bytes, pca_dims=self.pca_dims, progress=progress)
        i = da.frame_index[match.rows].astype(np.float64)
        j = np.interp(match.cols_refined, np.arange(len(db)), db.frame_index.astype(np.float64))
        votes = source_votes(match, pair, rate)
        fit = fit_offset(
            i, j, nominal_rate=rate, estimate_rate=estimate_rate,
            quality=match.distinctiveness, n_candidates=match.n_candidates,
            b_range=(float(db.frame_index[0]), float(db.frame_index[-1])),
            tolerance=self.tolerance, min_inliers=self.min_inliers, seed=self.seed,
            separation=max(DEFAULT_SEPARATION, RIVAL_SECONDS * db.fps),
            max_rate_factor=max_rate_factor, votes=votes, bounds=bounds)
        return match, i, j, fit

    def _segments(self, pair: PairFeatures, fit: OffsetFit) -> tuple[list[float], list[float]] | None:
        """The offsets that consecutive parts of the overlap find with their own matches (near
        the whole pair's line), and the parts' centres (source frames of A), for the parts whose
        own fit is confident; None when fewer than two parts are long enough and confident.

        Why: see :mod:`videosync.sync.drift`. A fit through all frames of a sliding pair
        returns their average offset; each part alone returns its own. The parts search around
        the pair's line whatever the user's bound: they test the answer, they give none.
        """
        da, db = pair.da, pair.db
        masks = overlap_segments(da.frame_index, fit.rate, fit.offset_frames, float(db.frame_index[0]),
                                 float(db.frame_index[-1]), da.fps, usable=pair.va, max_segments=MAX_SEGMENTS)
        if masks is None:
            return None
        band = segment_band(int(sum(m.sum() for m in masks)), fit.rate, db.fps)
        offsets, centres = [], []
        for part in masks:
            try:
                _, i, _, part_fit = self._match_and_fit(
                    pair, part, rate=fit.rate, offset=fit.offset_frames, band=band,
                    estimate_rate=False, max_rate_factor=1.0)
            except CannotSynchronizeError:
                continue
            if part_fit.confidence >= MIN_HALF_CONFIDENCE:
                offsets.append(part_fit.offset_frames)
                centres.append(float(i.mean()))
        return (offsets, centres) if len(offsets) >= 2 else None


def source_votes(match: MatchResult, pair: PairFeatures, rate: float) -> tuple[np.ndarray, np.ndarray]:
    """The matching's soft votes as ``(offsets, votes)`` in source frames of B (at A's frame 0).

    They are binned by dense index offset ``n - rate * m``; offsets in source frames are
    ``j - rate * i = (n + b0) - rate * (m + a0)``."""
    a0, b0 = int(pair.da.frame_index[0]), int(pair.db.frame_index[0])
    return match.votes.offsets + (b0 - rate * a0), match.votes.votes


def _fit_notes(fit: OffsetFit, parts: tuple[list[float], list[float]] | None, slide: tuple[int, int] | None,
               bounds: OffsetBounds, fps_a: float) -> list[str]:
    """What the user is told about a fit: an offset that slides between the parts of the overlap,
    one the bounds cut off, or a rival offset supported almost as well."""
    notes = []
    if slide is not None:
        (k1, k2), (c1, c2) = ([parts[n][s] for s in slide] for n in (0, 1))
        notes.append(slide_note(k1, k2, c1 / fps_a, c2 / fps_a))
    if fit.beyond_bounds is not None:
        notes.append(beyond_note(bounds, fit.beyond_bounds))
    if slide is None and fit.runner_up_offset is not None and fit.uniqueness < 1.0:
        # (a sliding pair has two offsets for another reason, which its note gives)
        notes.append(rival_note(fit.runner_up_offset, fit.runner_up_ratio))
    return notes

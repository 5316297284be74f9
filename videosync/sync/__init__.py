"""Synchronization engine: frame matching, robust offset fit, N-camera solve, and the methods.

Pipeline for one pair: per-frame features -> :func:`match_frames` (banded, chunked) ->
:func:`fit_offset` (robust line, sub-frame, rate, confidence) -> :class:`PairEstimate`. For N
inputs, pairwise estimates go to :func:`solve_offsets`. Methods are looked up by name with
:func:`get_method`.
"""

from videosync.sync.bounds import OffsetBounds
from videosync.sync.fit import OffsetFit, fit_offset
from videosync.sync.matching import MatchResult, match_frames
from videosync.sync.methods import (
    FeatureMatchingMethod,
    PairEstimate,
    SyncMethod,
    available_methods,
    get_method,
    register_method,
)
from videosync.sync.solve import PairwiseOffset, SolveResult, solve_offsets

__all__ = [
    "FeatureMatchingMethod",
    "MatchResult",
    "OffsetBounds",
    "OffsetFit",
    "PairEstimate",
    "PairwiseOffset",
    "SolveResult",
    "SyncMethod",
    "available_methods",
    "fit_offset",
    "get_method",
    "match_frames",
    "register_method",
    "solve_offsets",
]

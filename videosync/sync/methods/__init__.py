"""Synchronization methods behind one interface, looked up by name.

The names live in :data:`videosync.registry.METHODS` (name -> ``"module:Class"``, imported only
when used, so asking for "simple" never imports torch, which "sesyn" needs). Add a method with
:func:`register_method`; the CLI offers every registered name.
"""

from __future__ import annotations

from typing import Any

from videosync.registry import METHODS
from videosync.sync.methods.base import FeatureMatchingMethod, PairEstimate, SyncMethod


def register_method(name: str, target: str, description: str = "") -> None:
    """Register ``name`` -> ``"package.module:ClassName"`` (a :class:`SyncMethod` subclass)."""
    METHODS.register(name, target, description)


def available_methods() -> list[str]:
    """Names accepted by :func:`get_method`, sorted."""
    return sorted(METHODS.names())


def get_method(name: str, **kwargs: Any) -> SyncMethod:
    """A new instance of the method called ``name``; ``kwargs`` go to its constructor.

    Raises:
        VideosyncError: unknown name (the message lists the known ones).
    """
    return METHODS.load(name)(**kwargs)


def make_method(name: str, *, model: str | None = None, refine: bool = False) -> SyncMethod:
    """The method users mean by ``name``: ``model`` goes to sesyn (the only one with weights) and
    ``refine`` adds the two-view-geometry refinement (:mod:`videosync.sync.refine`); ``fused`` is
    sesyn (so refined) with its search bounded by the sound. ``auto`` needs the inputs:
    :func:`videosync.sync.witness.choose_method`."""
    if name == "fused":  # the sound bounds the search of the pose method users get by default
        return get_method(name, pose=make_method("sesyn", model=model, refine=refine))
    if name == "audio":  # the sound alone: nothing for the geometry to refine
        return get_method(name)
    method = get_method(name, model=model) if name == "sesyn" else get_method(name)
    if refine:
        from videosync.sync.methods.refined import RefinedMethod

        method = RefinedMethod(method)
    return method


__all__ = [
    "FeatureMatchingMethod", "PairEstimate", "SyncMethod", "available_methods", "get_method",
    "make_method", "register_method",
]

"""Synchronization methods behind one interface, looked up by name.

The registry maps a name to ``"module:Class"`` and imports lazily, so asking for "simple" never
imports torch (which a network-based method such as "sesyn" needs). Add a method with
:func:`register_method` or by adding a line to ``_REGISTRY``.
"""

from __future__ import annotations

import importlib
from typing import Any

from videosync.errors import VideosyncError
from videosync.sync.methods.base import FeatureMatchingMethod, PairEstimate, SyncMethod

_REGISTRY: dict[str, str] = {
    "simple": "videosync.sync.methods.simple:SimpleMethod",
    "ssm": "videosync.sync.methods.ssm:SSMMethod",
    "speed-xcorr": "videosync.sync.methods.speed_xcorr:SpeedXcorrMethod",
    "sesyn": "videosync.sync.methods.sesyn:SesynMethod",
}


def register_method(name: str, target: str) -> None:
    """Register ``name`` -> ``"package.module:ClassName"`` (a :class:`SyncMethod` subclass)."""
    if ":" not in target:
        raise ValueError("target must look like 'package.module:ClassName'")
    _REGISTRY[name] = target


def available_methods() -> list[str]:
    """Names accepted by :func:`get_method`, sorted."""
    return sorted(_REGISTRY)


def get_method(name: str, **kwargs: Any) -> SyncMethod:
    """A new instance of the method called ``name``; ``kwargs`` go to its constructor.

    Raises:
        VideosyncError: unknown name (the message lists the known ones).
    """
    try:
        target = _REGISTRY[name]
    except KeyError:
        raise VideosyncError(
            f"unknown synchronization method {name!r}; choose from {', '.join(available_methods())}"
        ) from None
    module_name, class_name = target.split(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls(**kwargs)


def make_method(name: str, *, model: str | None = None, refine: bool = False) -> SyncMethod:
    """The method users mean by ``name``: ``model`` goes to sesyn (the only one with weights) and
    ``refine`` adds the two-view-geometry refinement (:mod:`videosync.sync.refine`)."""
    method = get_method(name, model=model) if name == "sesyn" else get_method(name)
    if refine:
        from videosync.sync.methods.refined import RefinedMethod

        method = RefinedMethod(method)
    return method


__all__ = [
    "FeatureMatchingMethod", "PairEstimate", "SyncMethod", "available_methods", "get_method",
    "make_method", "register_method",
]

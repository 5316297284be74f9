"""The one list of the names users choose from: synchronization methods and pose backends.

A :class:`Registry` maps a name to a ``"package.module:Attribute"`` target and a one-line
description. Targets are imported only when a name is used, so listing the choices (the CLI's
``--help``, its option parsing) never imports torch, OpenCV or MediaPipe. The CLI reads its
``--method`` and ``--pose-backend`` choices from here, so a name registered at run time
(:func:`videosync.sync.methods.register_method`) is offered and accepted there too.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from videosync.errors import VideosyncError


@dataclass(frozen=True)
class Entry:
    name: str
    #: ``"package.module:Attribute"``, or None for a name that a policy resolves to another one
    target: str | None
    description: str
    #: needs the inputs' sound (pose data sets, as ``eval`` reads, have none)
    sound: bool = False


class Registry:
    """Names of one kind of component (``kind`` is used in messages: "synchronization method");
    ``default`` is the name used when none is given."""

    def __init__(self, kind: str, default: str) -> None:
        self.kind, self.default = kind, default
        self._entries: dict[str, Entry] = {}

    def register(self, name: str, target: str | None, description: str = "", *, sound: bool = False) -> None:
        """Add ``name`` (or replace its entry); ``target`` looks like ``"package.module:Class"``;
        ``sound``: the component needs the inputs' sound tracks."""
        if target is not None and (target.count(":") != 1 or not all(target.split(":"))):
            raise ValueError(f"target must look like 'package.module:ClassName', got {target!r}")
        self._entries[name] = Entry(name, target, description, sound)

    def names(self) -> list[str]:
        """Registered names, in the order they were registered (the built-in ones first)."""
        return list(self._entries)

    def pose_names(self) -> list[str]:
        """The names that stand for a class of their own and work on poses alone."""
        return [e.name for e in self._entries.values() if e.target is not None and not e.sound]

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def entry(self, name: str) -> Entry:
        """The entry of ``name``; an unknown name is a VideosyncError that lists the known ones."""
        try:
            return self._entries[name]
        except KeyError:
            raise VideosyncError(
                f"unknown {self.kind} {name!r}; choose from {', '.join(self.names())}"
            ) from None

    def describe(self, name: str) -> str:
        return self.entry(name).description

    def load(self, name: str) -> Any:
        """Import and return the attribute ``name`` stands for."""
        target = self.entry(name).target
        if target is None:
            raise VideosyncError(f"{self.kind} {name!r} stands for another one and has no class of its own")
        module_name, attribute = target.split(":")
        return getattr(importlib.import_module(module_name), attribute)


#: Synchronization methods (:class:`videosync.sync.methods.base.SyncMethod` subclasses).
METHODS = Registry("synchronization method", default="auto")
METHODS.register("auto", None, "fused when every input has sound, else sesyn")
METHODS.register("sesyn", "videosync.sync.methods.sesyn:SesynMethod",
                 "frame matching on the trained network's features (SeSyn-Net)")
METHODS.register("simple", "videosync.sync.methods.simple:SimpleMethod",
                 "frame matching on the raw poses (no model)")
METHODS.register("ssm", "videosync.sync.methods.ssm:SSMMethod",
                 "frame matching on the poses' self-similarity (no model)")
METHODS.register("speed-xcorr", "videosync.sync.methods.speed_xcorr:SpeedXcorrMethod",
                 "correlation of the body's speed, as Pose2Sim does (no model)")
METHODS.register("audio", "videosync.sync.methods.audio:AudioMethod",
                 "the sound tracks alone (onset envelopes and GCC-PHAT; no poses used)", sound=True)
METHODS.register("fused", "videosync.sync.methods.fused:FusedMethod",
                 "the sound bounds sesyn's search: the sound picks the repetition, the poses the frame", sound=True)

#: Pose estimators for video inputs (:class:`videosync.estimate.base.PoseBackend` subclasses).
POSE_BACKENDS = Registry("pose backend", default="auto")
POSE_BACKENDS.register("auto", None,
                       "MMPose HRNet if installed with its weights on disk, else MediaPipe")
POSE_BACKENDS.register("mediapipe", "videosync.estimate.mediapipe_backend:MediaPipeBackend",
                       "MediaPipe BlazePose (installed with videosync)")
POSE_BACKENDS.register("mmpose", "videosync.estimate.mmpose_backend:MMPoseBackend",
                       "MMPose HRNet, the paper's estimator (installed separately)")

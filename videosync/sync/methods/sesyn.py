"""SeSyn-Net: frame features from the trained graph network (paper section 3.4), then the shared
matching and robust fit of :class:`FeatureMatchingMethod`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from videosync.errors import ModelError
from videosync.poses import PoseTrack
from videosync.sync.methods.base import FeatureMatchingMethod


#: Fewest frames left after dropping the edges before we keep the edge frames after all.
MIN_INTERIOR_FRAMES = 20


class SesynMethod(FeatureMatchingMethod):
    """Match frames by their SeSyn-Net embeddings.

    Args:
        model: checkpoint path; default :func:`videosync.model.default_model_path` (the shipped
            ``models/sesyn.pt`` or ``$VIDEOSYNC_MODEL``).
        net: an in-memory network instead of a file (used by training's validation).
        device: torch device for the embedding (default CUDA when available).
    """

    name = "sesyn"

    def __init__(self, model: str | Path | None = None, *, net: Any = None, device: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        from videosync.model import default_model_path, load_checkpoint

        self.device = device
        self.meta: dict[str, Any] = {}
        if net is None:
            path = model or default_model_path()
            if path is None:
                raise ModelError(
                    "no SeSyn-Net model found (models/sesyn.pt is missing and $VIDEOSYNC_MODEL is "
                    "unset): pass --model PATH, train one with `videosync train`, or choose "
                    "--method simple, ssm or speed-xcorr",
                    "models/sesyn.pt",
                )
            net, self.meta = load_checkpoint(path, device)
        self.net = net

    def valid_rows(self, track: PoseTrack) -> np.ndarray:
        """Frames with enough joints, minus the network's receptive radius at both ends.

        Frames that close to a track's start or end see the temporal convolutions' zero padding;
        their embeddings say "I am near an edge", which would match the other track's edges and
        pull the offset towards 0 (training never uses them, see ``train.loss_mask``). They are
        kept only when the track is too short to spare them.
        """
        valid = super().valid_rows(track)
        radius = int(self.net.receptive_radius)
        if len(track) - 2 * radius >= MIN_INTERIOR_FRAMES:
            valid[:radius] = False
            valid[len(track) - radius :] = False
        return valid

    def features(self, track: PoseTrack) -> np.ndarray:
        from videosync.model import embed_track

        return embed_track(self.net, track, device=self.device)

"""SeSyn-Net: frame features from the trained graph network (paper section 3.4), then the shared
matching and robust fit of :class:`FeatureMatchingMethod`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from videosync.errors import ModelError
from videosync.poses import PoseTrack
from videosync.poses.stats import image_jitter, relative_jitter
from videosync.poses.track import interpolate_keypoints
from videosync.sync.methods.base import FeatureMatchingMethod, PairFeatures
from videosync.tunables import DEFAULT_MODEL_FPS, MIN_INTERIOR_FRAMES, MODEL_RATE_FACTOR, RESAMPLE_TOLERANCE

#: Checkpoint variant made for noisy keypoints, and its settings: the frame-to-frame keypoint
#: jitter above which a view counts as noisy, as a share of the person's size
#: (:func:`videosync.poses.stats.relative_jitter`) and of the image size
#: (:func:`videosync.poses.stats.image_jitter`). A view is noisy when it exceeds every threshold
#: the variant sets; a pair with a noisy view is matched with the variant. See :class:`SesynMethod`.
NOISY_VARIANT = "noisy"
JITTER_SETTINGS = {"above_relative_jitter": relative_jitter, "above_image_jitter": image_jitter}


def noisy_note(relative: float, image: float) -> str:
    """What the user is told when a pair was matched with the variant for noisy keypoints."""
    return (f"the keypoints jitter from frame to frame by {relative:.1%} of the person's size "
            f"({image:.2%} of the image): matched with the model's variant for noisy keypoints; "
            f"steadier keypoints (more light, less motion blur, a larger person in the picture, a "
            f"stronger pose model) give a more precise offset")


@dataclass(frozen=True)
class PairNetwork:
    """The network one pair is embedded with (``variant``: "main" or ``NOISY_VARIANT``), and
    why: each view's jitter measures and those of the views found noisy (empty without a
    variant for noisy keypoints)."""

    net: Any
    variant: str
    views: list[dict[str, float]] = field(default_factory=list)
    noisy: list[dict[str, float]] = field(default_factory=list)


class SesynMethod(FeatureMatchingMethod):
    """Match frames by their SeSyn-Net embeddings.

    A checkpoint may carry a variant for noisy keypoints (``NOISY_VARIANT``, with its
    ``JITTER_SETTINGS``): a pair with a view whose keypoints jitter more than those thresholds is
    matched with it instead (both views, so that their embeddings are comparable). Why: a network
    trained on precise keypoints reads heavy jitter as motion, and one trained on heavy jitter is
    less precise on clean input, so neither is best for both. Two measures, because each alone
    is fooled: relative to the person's size (how much the pose itself is blurred) a precise
    but small or head-and-shoulders person looks noisy (switching on it alone cost 0.3 frames
    on such synthetic pairs), and relative to the image (what the network's input sees) heavy
    jitter on a large person looks no worse than on a small one. The shipped model's variant and
    its thresholds (1.5 % of the person, 0.5 % of the image) are described in
    ``models/MODEL_CARD.md``; real detectors (OpenPose and MediaPipe on the Pose2Sim demo
    videos and their hard conditions: 0.2-0.8 % of the person, 0.09-0.48 % of the image) stay
    below them.

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
        #: ({setting: threshold}, network) of the checkpoint's variant for noisy keypoints, if any
        self.noisy: tuple[dict[str, float], Any] | None = None
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
            self.noisy = self._noisy_variant(path, device)
        self.net = net  #: the main network (the noisy variant, if any, is in ``self.noisy``)
        model_fps = float(self.meta.get("fps") or DEFAULT_MODEL_FPS)
        low, high = self.meta.get("fps_range") or (model_fps / MODEL_RATE_FACTOR, model_fps * MODEL_RATE_FACTOR)
        self.fps_range = (float(low), float(high))

    def _noisy_variant(self, path: str | Path, device: str | None) -> tuple[dict[str, float], Any] | None:
        from videosync.model import load_checkpoint

        settings = self.meta.get("variants", {}).get(NOISY_VARIANT)
        if settings is None:
            return None
        thresholds = {k: settings[k] for k in JITTER_SETTINGS if k in settings}
        if not thresholds or not all(isinstance(v, (int, float)) and v > 0 for v in thresholds.values()):
            raise ModelError(f"variant {NOISY_VARIANT!r} needs a positive {' or '.join(JITTER_SETTINGS)} setting", path)
        net, _ = load_checkpoint(path, device, variant=NOISY_VARIANT)
        return {k: float(v) for k, v in thresholds.items()}, net

    def pair_network(self, track_a: PoseTrack, track_b: PoseTrack) -> PairNetwork:
        """The network that embeds this pair: the noisy variant when a view's keypoints jitter
        more than every threshold it sets (NaN counts as not noisy), else the main one."""
        if self.noisy is None:
            return PairNetwork(self.net, "main")
        thresholds, noisy_net = self.noisy
        views = [{k: JITTER_SETTINGS[k](t) for k in JITTER_SETTINGS} for t in (track_a, track_b)]
        noisy = [v for v in views if all(v[k] > limit for k, limit in thresholds.items())]
        return PairNetwork(noisy_net if noisy else self.net, NOISY_VARIANT if noisy else "main", views, noisy)

    def describe_pair(self, track_a: PoseTrack, track_b: PoseTrack) -> PairFeatures:
        """Both views embedded with the pair's network (:meth:`pair_network`), which the
        estimate's diagnostics name, with a note when it is the variant for noisy keypoints."""
        choice = self.pair_network(track_a, track_b)
        da, db = track_a.dense(), track_b.dense()
        fa = np.asarray(self.features(da, choice.net), dtype=np.float32)
        fb = np.asarray(self.features(db, choice.net), dtype=np.float32)
        va = self.valid_rows(da, choice.net) & np.isfinite(fa).all(axis=1)
        vb = self.valid_rows(db, choice.net) & np.isfinite(fb).all(axis=1)
        diagnostics = {"keypoint_jitter": choice.views, "model_variant": choice.variant} if choice.views else {}
        notes = []
        if choice.noisy:
            worst = max(choice.noisy, key=lambda v: v["above_relative_jitter"])
            notes.append(noisy_note(worst["above_relative_jitter"], worst["above_image_jitter"]))
        return PairFeatures(da, db, fa, fb, va, vb, diagnostics, notes)

    def _ratio(self, track: PoseTrack) -> float:
        """Embedding frames per input frame: 1 inside the model's rate range, else the factor
        that brings the input to the nearest end of it."""
        target = float(np.clip(track.fps, *self.fps_range))
        ratio = target / float(track.fps)
        return 1.0 if abs(ratio - 1.0) <= RESAMPLE_TOLERANCE else ratio

    def valid_rows(self, track: PoseTrack, net: Any = None) -> np.ndarray:
        """Frames with enough joints, minus the receptive radius of ``net`` (default the main
        network) at both ends.

        Frames that close to a track's start or end see the temporal convolutions' zero padding;
        their embeddings say "I am near an edge", which would match the other track's edges and
        pull the offset towards 0 (training never uses them, see ``train.loss_mask``). A track
        too short to spare the whole radius loses as many as leaves ``MIN_INTERIOR_FRAMES``: on
        two equal 1.4 s clips at 30 fps, keeping all edge frames once let the soft votes answer
        0 for a true offset of 7 frames.
        """
        valid = super().valid_rows(track)
        radius = int(np.ceil((net if net is not None else self.net).receptive_radius / self._ratio(track)))
        radius = min(radius, max(0, (len(track) - MIN_INTERIOR_FRAMES) // 2))
        if radius > 0:
            valid[:radius] = False
            valid[len(track) - radius :] = False
        return valid

    def features(self, track: PoseTrack, net: Any = None) -> np.ndarray:
        """Embeddings by ``net`` (default the main network) computed at a frame rate the model
        knows, read back at the input's frames.

        Why: the temporal convolutions learned how fast motion unfolds over the rates seen in
        training (``fps_range``). A 240 fps video seen frame by frame looks like extreme slow
        motion to them (and their receptive field spans a fraction of a second), an 8 fps one
        like fast forward. Such a (dense) track is resampled by linear interpolation to the
        nearest rate in the range, embedded, and the embeddings are interpolated back to the
        input's own frames, so matching and the offset stay in the input's frame numbers.
        """
        from videosync.model import embed_poses, embed_track

        net = net if net is not None else self.net
        ratio = self._ratio(track)
        if ratio == 1.0:
            return embed_track(net, track, device=self.device)
        n_model = int(np.floor((len(track) - 1) * ratio + 1e-9)) + 1
        at_model_rate = interpolate_keypoints(track.keypoints, np.arange(n_model) / ratio)
        emb = embed_poses(net, track.with_keypoints(at_model_rate, np.arange(n_model)).normalized(), device=self.device)
        return _interpolate_rows(emb, np.arange(len(track)) * ratio)


def _interpolate_rows(values: np.ndarray, positions: np.ndarray, chunk: int = 8192) -> np.ndarray:
    """``values`` (T, C) linearly interpolated at fractional row ``positions`` (clipped to the
    ends), in chunks so a long track never needs more than one extra (chunk, C) temporary."""
    out = np.empty((len(positions), values.shape[1]), dtype=np.float32)
    pos = np.clip(positions, 0.0, len(values) - 1)
    for start in range(0, len(pos), chunk):
        p = pos[start : start + chunk]
        i0 = np.floor(p).astype(np.int64)
        i1 = np.minimum(i0 + 1, len(values) - 1)
        w = (p - i0).astype(np.float32)[:, None]
        out[start : start + chunk] = values[i0] * (1 - w) + values[i1] * w
    return out

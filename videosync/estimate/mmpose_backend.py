"""HRNet-w32 (COCO, 256x192, top-down heatmaps) through MMPose: the paper's 2D pose estimator.

Top-down models need a box per person. We take them from MediaPipe, which ships with videosync and
needs no download: the people MediaPipe finds in a frame (see :mod:`mediapipe_backend`) give the
boxes, padded like MMPose pads detector boxes. When MediaPipe misses a frame, the boxes of the
previous frame's HRNet people are reused; with no previous frame either, the whole frame is one box.
HRNet then runs on every box, batched across frames, and the subject is chosen later like for any
backend.

Weights: the official MMPose 1.x checkpoint (:data:`HRNET_URL`). It is looked up in the model cache
(``$VIDEOSYNC_CACHE_DIR/models`` or ``~/.cache/videosync/models``) and in torch.hub's checkpoint
folder, or given as ``checkpoint=PATH``. It is downloaded (sha256-checked) only when the mmpose
backend is asked for by name and no local copy exists; ``auto`` never downloads. A copy found in a
cache folder is used only when its sha256 is the official file's (:func:`check_official`). No
checkpoint is ever unpickled beyond tensors and plain values (:func:`read_pose_weights`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import re
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from videosync.errors import ModelError
from videosync.estimate.base import FramePeople, PoseBackend, batched, empty_people, keypoints_box
from videosync.estimate.cache import cache_root
from videosync.estimate.mediapipe_backend import MediaPipeBackend
from videosync.poses.layouts import NUM_JOINTS
from videosync.tunables import MAX_BOX_CARRY, MIN_MEAN_SCORE
from videosync.video.probe import VideoInfo
from videosync.video.reader import Frame

log = logging.getLogger(__name__)

CONFIG_NAME = "td-hm_hrnet-w32_8xb64-210e_coco-256x192.py"
CONFIG_SUBDIR = ".mim/configs/body_2d_keypoint/topdown_heatmap/coco"
HRNET_URL = (
    "https://download.openmmlab.com/mmpose/v1/body_2d_keypoint/topdown_heatmap/coco/"
    "td-hm_hrnet-w32_8xb64-210e_coco-256x192-81c58e40_20220909.pth"
)
MODEL_NAME = "hrnet-w32-coco-256x192"



def mmpose_available() -> bool:
    """True when mmpose (and what it needs) can be imported here."""
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("mmpose", "mmengine", "mmcv"))


def models_dir() -> Path:
    return cache_root() / "models"


def checkpoint_candidates(url: str = HRNET_URL) -> list[Path]:
    """Where a downloaded checkpoint may already be: our model cache, then torch.hub's."""
    name = url.rsplit("/", 1)[-1]
    out = [models_dir() / name]
    try:
        import torch.hub

        out.append(Path(torch.hub.get_dir()) / "checkpoints" / name)
    except Exception:  # noqa: BLE001 - torch.hub is optional here
        pass
    return out


def find_local_checkpoint(url: str = HRNET_URL) -> Path | None:
    return next((p for p in checkpoint_candidates(url) if p.is_file()), None)


def _hash_prefix(url: str) -> str | None:
    """OpenMMLab names checkpoints ``...-<first 8 hex of sha256>_<yyyymmdd>.pth``."""
    m = re.search(r"-([0-9a-f]{8})_\d{8}\.pth$", url)
    return m.group(1) if m else None


def download_checkpoint(url: str = HRNET_URL, dest_dir: str | Path | None = None, progress: bool = False) -> Path:
    """Download ``url`` into the model cache (atomically, sha256-prefix checked) and return its path.

    Works for ``file://`` URLs too, which is how it is tested offline.
    """
    import torch.hub

    dest = Path(dest_dir) if dest_dir is not None else models_dir()
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / url.rsplit("/", 1)[-1]
    if target.is_file():
        return target
    try:
        # download_url_to_file writes to a temporary file in the target folder and renames it.
        torch.hub.download_url_to_file(url, str(target), hash_prefix=_hash_prefix(url), progress=progress)
    except RuntimeError as exc:  # hash mismatch
        target.unlink(missing_ok=True)
        raise ModelError(f"downloaded pose weights are corrupt ({exc})", url) from None
    except OSError as exc:
        raise ModelError(
            f"cannot download the HRNet weights ({exc}); download them on a machine with internet "
            f"and pass --pose-checkpoint PATH, or put the file at {target}",
            url,
        ) from None
    return target


def file_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def check_official(path: Path, url: str = HRNET_URL) -> None:
    """A weights file taken from a cache folder (ours or torch.hub's, which other programs and
    users may write) must be the official one: its sha256 must begin as the release's name says
    (all OpenMMLab publishes of it). A file given by --pose-checkpoint is the user's choice."""
    prefix = _hash_prefix(url)
    digest = file_sha256(path)
    if prefix and not digest.startswith(prefix):
        raise ModelError(f"its sha256 begins {digest[:8]}, the official file's {prefix}: a damaged or replaced "
                         "download; delete it (or pass it with --pose-checkpoint to use it anyway)", path)


def _inert(name: str) -> type:
    """A class that stands in for the global ``name`` of a checkpoint: it takes any arguments and
    state and does nothing, so the object it replaces is never built."""
    module, _, qualname = name.rpartition(".")
    return type(qualname or name, (), {
        "__module__": module, "__new__": lambda cls, *args, **kwargs: object.__new__(cls),
        "__init__": lambda self, *args, **kwargs: None, "__setstate__": lambda self, state: None})


def read_pose_weights(path: str | Path) -> Any:
    """A pose checkpoint's content, read by torch's weights-only unpickler, which never runs code
    from the file. MMPose's release checkpoints keep numpy arrays and mmengine objects in their
    meta, which it would refuse: every such name becomes an inert stand-in (:func:`_inert`); the
    weights are plain tensors either way. Names of modules torch blocks (``os``, ``subprocess``...)
    are refused. Every failure is one ModelError, without torch's advice to load unsafely."""
    import torch

    path = Path(path)
    try:
        names = torch.serialization.get_unsafe_globals_in_checkpoint(path)
        with torch.serialization.safe_globals([(_inert(name), name) for name in names]), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's warnings about pickle protocols advise unsafe loading
            return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise ModelError("names code to run when loaded; it is never loaded (not a pose checkpoint)", path) from None
    except Exception as exc:  # noqa: BLE001 - torch and zipfile raise many kinds on damaged bytes
        raise ModelError(f"unreadable pose checkpoint ({exc.__class__.__name__})", path) from None


def _load_weights(model, path: Path) -> None:
    """Load an MMPose checkpoint (or a bare state_dict) into ``model``; ModelError if it does not fit."""
    ckpt = read_pose_weights(path)
    state = ckpt.get("state_dict", ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict) or not state:
        raise ModelError("not a model checkpoint (no state_dict)", path)
    state = {k.removeprefix("module."): v for k, v in state.items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.startswith("data_preprocessor.")]
    if missing or unexpected:
        raise ModelError(
            f"not an HRNet-w32 COCO checkpoint ({len(missing)} missing keys e.g. {missing[:2]}, "
            f"{len(unexpected)} unexpected e.g. {unexpected[:2]})",
            path,
        )


def _inside(people: np.ndarray, width: int, height: int) -> np.ndarray:
    """Joints placed outside the image (a box reaching past the edge) are guesses: score 0."""
    out = people.copy()
    x, y = out[..., 0], out[..., 1]
    out[(x < 0) | (x >= width) | (y < 0) | (y >= height), 2] = 0.0
    return out


def config_path() -> Path:
    import mmpose

    return Path(mmpose.__file__).parent / CONFIG_SUBDIR / CONFIG_NAME


class MMPoseBackend(PoseBackend):
    """HRNet-w32 on MediaPipe's person boxes (see the module docstring).

    Args:
        checkpoint: weights file; None looks in the caches and, if ``allow_download``, downloads.
        random_weights: build the model with random weights (tests, speed measurements only).
        device: torch device string; None = CUDA if available else CPU.
        batch_size: person crops per forward pass.
        flip_test: average with the horizontally flipped crop (the config's default, True); about
            halves the speed for ~1 AP.
        max_people: people MediaPipe looks for per frame (each gets an HRNet pass).
    """

    name = "mmpose"

    def __init__(
        self,
        checkpoint: str | Path | None = None,
        *,
        random_weights: bool = False,
        allow_download: bool = False,
        device: str | None = None,
        batch_size: int = 16,
        flip_test: bool | None = None,
        max_people: int = 2,
        min_mean_score: float | None = None,
    ) -> None:
        if not mmpose_available():
            raise ModelError(
                "the mmpose backend is not installed (install the [mmpose] extra, see "
                "scripts/install-mmpose.sh) - or use --pose-backend mediapipe"
            )
        from videosync.device import default_device
        from videosync.estimate._mmpose_compat import install_stand_ins

        self.stand_ins = install_stand_ins()
        from mmpose.apis import init_model

        if checkpoint is not None:
            checkpoint = Path(checkpoint)
            if not checkpoint.is_file():
                raise ModelError("no such pose checkpoint", checkpoint)
        elif not random_weights:
            checkpoint = find_local_checkpoint()
            if checkpoint is None:
                if not allow_download:
                    raise ModelError(
                        "no HRNet weights found locally; pass --pose-checkpoint PATH or put the "
                        f"official file at {checkpoint_candidates()[0]}"
                    )
                checkpoint = download_checkpoint()
            check_official(checkpoint)
        self.device = default_device(device)
        self.checkpoint = checkpoint
        self.model_obj = init_model(str(config_path()), None, device="cpu")
        if checkpoint is not None:
            _load_weights(self.model_obj, checkpoint)
            self.model = f"{MODEL_NAME}@{file_sha256(checkpoint)[:12]}"
        else:
            self.model = f"{MODEL_NAME}@random"
        self.model_obj.to(self.device).eval()
        if flip_test is not None:
            self.model_obj.test_cfg["flip_test"] = bool(flip_test)
        self.flip_test = bool(self.model_obj.test_cfg.get("flip_test", False))
        self.batch_size = max(1, batch_size)
        self.min_mean_score = MIN_MEAN_SCORE if min_mean_score is None else min_mean_score
        self.boxes = MediaPipeBackend(max_people=max_people)
        from mmengine.dataset import Compose

        self._pipeline = Compose(self.model_obj.cfg.test_dataloader.dataset.pipeline)

    def describe(self) -> dict:
        return {
            **super().describe(),
            "checkpoint": str(self.checkpoint) if self.checkpoint else None,
            "flip_test": self.flip_test,
            "device": str(self.device),
            "boxes": "mediapipe",
            "stand_ins": self.stand_ins,
        }

    # ------------------------------------------------------------------ inference
    def predict_boxes(self, crops: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        """``(n, 17, 3)`` keypoints (px of the full image, score) for ``n`` (BGR image, box) pairs."""
        import torch
        from mmengine.dataset import pseudo_collate

        out = np.zeros((len(crops), NUM_JOINTS, 3), dtype=np.float32)
        for start in range(0, len(crops), self.batch_size):
            chunk = crops[start : start + self.batch_size]
            data = []
            for image, box in chunk:
                info = dict(img=image, bbox=box[None].astype(np.float32), bbox_score=np.ones(1, np.float32))
                info.update(self.model_obj.dataset_meta)
                data.append(self._pipeline(info))
            with torch.no_grad():
                samples = self.model_obj.test_step(pseudo_collate(data))
            for i, sample in enumerate(samples):
                inst = sample.pred_instances
                out[start + i, :, :2] = np.asarray(inst.keypoints[0], dtype=np.float32)
                out[start + i, :, 2] = np.clip(np.asarray(inst.keypoint_scores[0], dtype=np.float32), 0, 1)
        return out

    def estimate(self, frames: Iterable[Frame], info: VideoInfo) -> Iterator[FramePeople]:
        previous: list[np.ndarray] = []  # the last frame's people (boxes for frames MediaPipe misses)
        carried = 0  # frames in a row that used the previous frame's boxes
        ever_found = False
        for chunk in batched(self.boxes.iter_landmarks(frames), max(1, self.batch_size // 2)):
            # 1. every MediaPipe box of the chunk in one batched HRNet pass
            crops: list[tuple[np.ndarray, np.ndarray]] = []
            owners: list[int] = []
            for j, (frame, landmarks) in enumerate(chunk):
                h, w = frame.image.shape[:2]
                for lm in landmarks:
                    box = keypoints_box(lm[lm[:, 2] > 0, :2], w, h)
                    if box is not None:
                        crops.append((frame.image, box))
                        owners.append(j)
            by_frame: dict[int, list[np.ndarray]] = {}
            for owner, kp in zip(owners, self.predict_boxes(crops) if crops else empty_people()):
                by_frame.setdefault(owner, []).append(kp)
            # 2. in order, since a frame without MediaPipe boxes uses the previous frame's people
            for j, (frame, _) in enumerate(chunk):
                h, w = frame.image.shape[:2]
                if j in by_frame:
                    found, carried = by_frame[j], 0
                else:
                    if previous and carried < MAX_BOX_CARRY:
                        boxes = [b for p in previous if (b := keypoints_box(p[p[:, 2] > 0, :2], w, h)) is not None]
                        carried += 1
                    elif not ever_found:
                        boxes = [np.array([0, 0, w - 1, h - 1], dtype=np.float32)]  # full-frame start
                    else:
                        boxes = []
                    found = list(self.predict_boxes([(frame.image, b) for b in boxes])) if boxes else []
                found = [_inside(p, w, h) for p in found if p[:, 2].mean() >= self.min_mean_score]
                previous = found
                ever_found = ever_found or bool(found)
                yield frame.index, (np.stack(found) if found else empty_people())

    def close(self) -> None:
        self.model_obj = None

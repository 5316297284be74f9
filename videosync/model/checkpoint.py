"""Saving and loading SeSyn-Net checkpoints safely.

A checkpoint holds only tensors and plain python values, so it loads with
``torch.load(weights_only=True)``: opening a model file never runs code from it. It carries a
format marker and version, the network config (so the right shape is rebuilt) and free-form
metadata such as the training settings, and it is written atomically, so a crash while saving
never leaves a half-written file under the final name.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import torch

from videosync.device import default_device
from videosync.errors import ModelError
from videosync.fileio import atomic_path
from videosync.model.network import SeSynConfig, SeSynNet

FORMAT = "videosync-sesyn"
FORMAT_VERSION = 1
#: Environment variable naming the checkpoint to use instead of the shipped one.
MODEL_ENV = "VIDEOSYNC_MODEL"


def default_model_path() -> Path | None:
    """``$VIDEOSYNC_MODEL`` if set, else the shipped ``models/sesyn.pt`` if present, else None."""
    env = os.environ.get(MODEL_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    shipped = Path(__file__).resolve().parents[2] / "models" / "sesyn.pt"
    return shipped if shipped.is_file() else None


def _plain(value: Any, where: str = "meta") -> Any:
    """``value`` as nested dict/list/str/int/float/bool/None (what weights_only can load)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"{where}: keys must be str, got {k!r}")
            out[k] = _plain(v, f"{where}.{k}")
        return out
    raise TypeError(f"{where}: cannot store a {type(value).__name__} in a checkpoint")


def save_checkpoint(
    path: str | Path, net: SeSynNet, config: SeSynConfig | None = None, meta: dict[str, Any] | None = None
) -> Path:
    """Write ``net``'s weights, its config and ``meta`` (plain values) to ``path`` atomically.

    ``config`` defaults to ``net.config`` and must agree with it. Put the training settings,
    data description, epoch and losses in ``meta``.
    """
    path = Path(path)
    config = config or net.config
    if config != net.config:
        raise ValueError(f"config {config} does not describe this network ({net.config})")
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "config": config.to_dict(),
        "meta": _plain(meta or {}),
        "state_dict": {k: v.detach().cpu().clone() for k, v in net.state_dict().items()},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        torch.save(payload, fh)
        fh.flush()
        os.fsync(fh.fileno())
    return path


def load_checkpoint(
    path: str | Path, device: str | torch.device | None = None
) -> tuple[SeSynNet, dict[str, Any]]:
    """Rebuild the network stored at ``path`` (eval mode, on ``device``) and return its meta.

    Raises:
        ModelError: naming ``path`` when it is missing, not a torch file, or not a checkpoint of
            this network (format marker, version, config, state-dict keys or shapes).
    """
    path = Path(path)
    if not path.is_file():
        raise ModelError("model file not found" if not path.exists() else "model path is not a file", path)
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - the unpickler raises anything (KeyError, ...) on junk
        raise ModelError(f"not a readable torch checkpoint ({type(exc).__name__}: {_first_line(exc)})", path) from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ModelError(f"not a SeSyn-Net checkpoint (no '{FORMAT}' format marker)", path)
    version = data.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION or version < 1:
        raise ModelError(f"unsupported checkpoint format version {version!r} (this videosync reads <= {FORMAT_VERSION})", path)
    try:
        config = SeSynConfig.from_dict(dict(data["config"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"invalid network config in checkpoint: {exc}", path) from exc
    state = data.get("state_dict")
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ModelError("checkpoint has no state_dict of tensors", path)
    net = SeSynNet(config)
    try:
        net.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise ModelError(f"weights do not fit the SeSyn-Net described by its config: {_first_line(exc, 300)}", path) from exc
    meta = data.get("meta") or {}
    if not isinstance(meta, dict):
        raise ModelError("checkpoint meta is not a dict", path)
    dev = device if isinstance(device, torch.device) else default_device(device)
    return net.to(dev).eval(), meta


def _first_line(exc: BaseException, limit: int = 200) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."

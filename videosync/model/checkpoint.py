"""Saving and loading SeSyn-Net checkpoints safely.

A checkpoint holds only tensors and plain python values, so it loads with
``torch.load(weights_only=True)``: opening a model file never runs code from it. It carries a
format marker and version, the network config (so the right shape is rebuilt) and free-form
metadata such as the training settings, and it is written atomically, so a crash while saving
never leaves a half-written file under the final name.

A checkpoint may also carry **variants**: other weights for the same network, each with the
settings that say when to use it (e.g. ``{"above_relative_jitter": 0.015}`` for a variant made
for noisy keypoints, see :class:`videosync.sync.methods.sesyn.SesynMethod`). They travel in the
one file so that ``--model PATH`` always names everything a model is; a checkpoint without them
loads as before, and readers that do not know them ignore them.
"""

from __future__ import annotations

import io
import os
import pickle
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

from videosync.device import default_device
from videosync.errors import ModelError
from videosync.fileio import write_bytes
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
    if isinstance(value, np.generic):  # first: np.float64 is a float, but torch cannot load it safely
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
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
    path: str | Path, net: SeSynNet, config: SeSynConfig | None = None, meta: dict[str, Any] | None = None,
    variants: dict[str, tuple[SeSynNet, dict[str, Any]]] | None = None,
) -> Path:
    """Write ``net``'s weights, its config and ``meta`` (plain values) to ``path`` atomically.

    ``config`` defaults to ``net.config`` and must agree with it. Put the training settings,
    data description, epoch and losses in ``meta``. ``variants`` maps a name to other weights of
    the same network and their settings (plain values; see the module docstring).
    """
    path = Path(path)
    config = config or net.config
    for name, other in {"": net, **{k: v[0] for k, v in (variants or {}).items()}}.items():
        if config != other.config:
            where = f"variant {name!r}" if name else "this network"
            raise ValueError(f"config {config} does not describe {where} ({other.config})")
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "config": config.to_dict(),
        "meta": _plain(meta or {}),
        "state_dict": _weights(net),
    }
    if variants:
        payload["variants"] = {
            name: {"settings": _plain(settings, f"variants.{name}"), "state_dict": _weights(other)}
            for name, (other, settings) in variants.items()
        }
    buffer = io.BytesIO()  # in memory first: a full disk is then one OSError, not torch's own failure
    torch.save(payload, buffer)
    return write_bytes(path, buffer)


def _weights(net: SeSynNet) -> dict[str, torch.Tensor]:
    return {k: v.detach().cpu().clone() for k, v in net.state_dict().items()}


def load_checkpoint(
    path: str | Path, device: str | torch.device | None = None, variant: str | None = None
) -> tuple[SeSynNet, dict[str, Any]]:
    """Rebuild the network stored at ``path`` (eval mode, on ``device``) and return its meta.

    With ``variant``, that variant's weights are loaded instead. When the file carries variants,
    the meta lists them and their settings under ``meta["variants"]`` (name -> settings).

    Raises:
        ModelError: naming ``path`` when it is missing, not a torch file, or not a checkpoint of
            this network (format marker, version, config, state-dict keys or shapes), or when it
            has no such variant.
    """
    path = Path(path)
    data = read_weights(path)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ModelError(f"not a SeSyn-Net checkpoint (no '{FORMAT}' format marker)", path)
    version = data.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION or version < 1:
        raise ModelError(f"unsupported checkpoint format version {version!r} (this videosync reads <= {FORMAT_VERSION})", path)
    try:
        config = SeSynConfig.from_dict(dict(data["config"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"invalid network config in checkpoint: {exc}", path) from exc
    variants = data.get("variants") or {}
    if not isinstance(variants, dict) or not all(
            isinstance(v, dict) and isinstance(v.get("settings", {}), dict) for v in variants.values()):
        raise ModelError("checkpoint variants are not a dict of {settings, state_dict}", path)
    where = ""
    state = data.get("state_dict")
    if variant is not None:
        if variant not in variants:
            raise ModelError(f"checkpoint has no variant {variant!r} (it has: {', '.join(variants) or 'none'})", path)
        state, where = variants[variant].get("state_dict"), f"variant {variant!r}: "
    _check_weights(config, state, path, where)
    net = SeSynNet(config)
    try:
        net.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise ModelError(f"{where}weights do not fit the SeSyn-Net described by its config: {_first_line(exc, 300)}", path) from exc
    meta = data.get("meta") or {}
    if not isinstance(meta, dict):
        raise ModelError("checkpoint meta is not a dict", path)
    if variants:
        meta = {**meta, "variants": {name: dict(v.get("settings") or {}) for name, v in variants.items()}}
    dev = device if isinstance(device, torch.device) else default_device(device)
    return net.to(dev).eval(), meta


def read_weights(path: Path) -> Any:
    """``torch.load(path, weights_only=True)``: tensors and plain values only, never code. Every
    failure is one ModelError, without torch's advice to load the file unsafely."""
    if not path.is_file():
        raise ModelError("model file not found" if not path.exists() else "model path is not a file", path)
    if path.stat().st_size == 0:
        raise ModelError("empty file (0 bytes)", path)
    try:
        with warnings.catch_warnings():  # torch's warnings about pickle protocols advise unsafe loading
            warnings.simplefilter("ignore")
            return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        if "GLOBAL" in str(exc):  # the file names a function or class to call
            raise ModelError("holds Python objects besides tensors and plain values; they are never loaded, since "
                             "loading them could run code from the file", path) from None
        raise ModelError("not a readable torch checkpoint (damaged, or not of tensors and plain values)", path) from None
    except Exception as exc:  # noqa: BLE001 - the unpickler raises anything (KeyError, ...) on junk
        raise ModelError(f"not a readable torch checkpoint ({type(exc).__name__}: {_first_line(exc)})", path) from None


def _check_weights(config: SeSynConfig, state: Any, path: Path, where: str) -> None:
    """``state`` holds exactly the finite tensors of the network ``config`` describes, checked on
    torch's meta device (no memory), so a config asking for huge layers is refused, not built."""
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ModelError(f"{where}checkpoint has no state_dict of tensors", path)
    blocks = {key.split(".")[1] for key in state if key.startswith("blocks.") and key.count(".") > 1}
    if len(blocks) != len(config.channels):
        raise ModelError(f"{where}its config describes {len(config.channels)} blocks, its weights {len(blocks)}", path)
    with torch.device("meta"):
        expected = {k: tuple(v.shape) for k, v in SeSynNet(config).state_dict().items()}
    found = {k: tuple(v.shape) for k, v in state.items()}
    if expected != found:
        wrong = sorted(set(expected) ^ set(found)) or sorted(k for k in expected if expected[k] != found[k])
        raise ModelError(f"{where}weights do not fit the SeSyn-Net described by its config (e.g. {wrong[0]}: "
                         f"{found.get(wrong[0])} in the file, {expected.get(wrong[0])} expected)", path)
    bad = [k for k, v in state.items() if v.is_floating_point() and not torch.isfinite(v).all()]
    if bad:
        raise ModelError(f"{where}weights hold NaN or infinite values (e.g. {bad[0]}): a damaged or diverged model", path)


def _first_line(exc: BaseException, limit: int = 200) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."

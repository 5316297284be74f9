"""Self-supervised training of SeSyn-Net on synchronized multi-view pose recordings.

Each step draws pairs of views of one recording, crops both to the SAME length with a random shift
between them (so crop length never tells the offset), augments them and minimises the paper's
three losses (section 3.3) in both directions. No offset labels are used: only the fact that the
views of a recording were synchronized.

Reproducible and resumable: the randomness of step s comes from ``default_rng([seed, s])``, so a
resumed run draws exactly what an uninterrupted one would have. ``last.pt`` (weights, optimizer,
step, history) is written atomically every ``checkpoint_every`` steps; ``best.pt`` is the
checkpoint with the lowest validation Frm.err so far, loadable by ``load_checkpoint``.
"""

from __future__ import annotations

import io
import json
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from videosync.datasets import EvalPair, Recording, find_pairs, find_recordings
from videosync.device import default_device
from videosync.errors import ModelError, PoseFileError, VideosyncError
from videosync.fileio import write_bytes, write_text
from videosync.model import SeSynConfig, SeSynNet, load_checkpoint, save_checkpoint, sesyn_loss
from videosync.model.checkpoint import read_weights
from videosync.model.losses import correspondence_loss
from videosync.poses import load_npz
from videosync.poses.layouts import COCO17_FLIP
from videosync.poses.track import interpolate_keypoints
from videosync.tunables import GRAD_CLIP_NORM, JITTER_FLOOR

log = logging.getLogger(__name__)

STATE_FORMAT = "videosync-train-state"
#: COCO-17 knees, ankles, then hips: what an upper-body shot loses, from the bottom up.
LOWER_BODY = (13, 14, 15, 16, 11, 12)
#: The paper's three losses (section 3.3) and our cross-view correspondence term.
LOSSES = ("identity", "deviation", "interval", "correspondence")


@dataclass
class TrainConfig:
    """Training settings; stored in every checkpoint so a model says how it was made.

    Defaults are sized for a full run of about an hour on a 2-core CPU (see MODEL_CARD.md);
    the optimiser settings are the paper's (SGD, lr 0.005, Nesterov 0.9, weight decay 1e-4).
    """

    steps: int = 3000
    batch_size: int = 16
    crop_frames: int = 64
    max_shift: int = 16
    optimizer: str = "sgd"
    lr: float = 0.005
    #: "constant" (the paper's) or "cosine": decay to 0 at ``steps``; a decaying rate settles the
    #: noisy Adam/SGD iterate, which matters for frame-exact matching.
    schedule: str = "constant"
    #: a model checkpoint to start from (fine-tuning) instead of random weights
    init: str | None = None
    momentum: float = 0.9
    weight_decay: float = 1e-4
    mu1: float = 0.5
    mu2: float = 0.035
    mu3: float = 1.0
    losses: tuple[str, ...] = ("identity", "deviation", "interval")
    channels: tuple[int, ...] = SeSynConfig().channels
    temporal_kernel: int = SeSynConfig().temporal_kernel
    #: per-block temporal dilation (empty: none); see :class:`SeSynConfig`
    temporal_dilation: tuple[int, ...] = ()
    augment: bool = True
    #: Largest playback-rate change of a training crop (both views alike), drawn log-uniformly
    #: in [1/f, f] for half the crops; 1 turns it off. Makes the embedding work over the frame
    #: rates real cameras use (15-60 fps for a model trained on 30 fps data with f = 2).
    rate_augment: float = 2.0
    #: Largest extra keypoint jitter (standard deviation, as a share of the image size) added to
    #: half the views of a crop, drawn log-uniformly from JITTER_FLOOR up; 0 turns it off. Every
    #: view already gets JITTER_FLOOR; a small, distant or blurred person, or a cheap detector,
    #: jitters several times more (see :mod:`videosync.sync.refine`), which the matching must
    #: survive.
    jitter_augment: float = 0.0
    val_every: int = 250
    snapshot_every: int = 0
    val_pairs: int = 120
    checkpoint_every: int = 50
    seed: int = 0
    time_limit_minutes: float | None = None

    def __post_init__(self) -> None:
        self.losses = tuple(self.losses)
        self.channels = tuple(int(c) for c in self.channels)
        self.temporal_dilation = tuple(int(d) for d in self.temporal_dilation)
        try:
            self.network_config()
        except ValueError as exc:
            raise VideosyncError(f"network shape: {exc}") from None
        unknown = set(self.losses) - set(LOSSES)
        if unknown or not self.losses:
            raise VideosyncError(f"losses must be among {'/'.join(LOSSES)}: {self.losses}")
        if self.optimizer not in ("sgd", "adam"):
            raise VideosyncError(f"optimizer must be sgd or adam, got {self.optimizer!r}")
        if self.schedule not in ("constant", "cosine"):
            raise VideosyncError(f"schedule must be constant or cosine, got {self.schedule!r}")
        if self.crop_frames < 8 or self.max_shift < 0 or self.max_shift >= self.crop_frames:
            raise VideosyncError("need crop_frames >= 8 and 0 <= max_shift < crop_frames")
        if self.rate_augment < 1.0:
            raise VideosyncError(f"rate_augment must be >= 1 (1: off), got {self.rate_augment}")
        if self.jitter_augment < 0.0:
            raise VideosyncError(f"jitter_augment must be >= 0 (0: off), got {self.jitter_augment}")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["losses"] = list(self.losses)
        d["channels"] = list(self.channels)
        d["temporal_dilation"] = list(self.temporal_dilation)
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        return cls(**data)

    def network_config(self) -> SeSynConfig:
        """The shape of the network these settings train."""
        return SeSynConfig(
            channels=self.channels, temporal_kernel=self.temporal_kernel, temporal_dilation=self.temporal_dilation
        )

    def lr_at(self, step: int, time_fraction: float = 0.0) -> float:
        """Learning rate for the update that makes step ``step + 1``.

        A pure function of the step, so a resumed run follows the same schedule without saving
        scheduler state. With a time limit, the cosine runs by whichever is further along, the
        steps or the time (``time_fraction`` of the limit used): a run sized by its time budget
        (on hardware whose speed is not known in advance) still ends with a decayed rate.
        """
        if self.schedule == "cosine":
            progress = max(min(step, self.steps) / self.steps, min(max(time_fraction, 0.0), 1.0))
            return 0.5 * self.lr * (1.0 + math.cos(math.pi * progress))
        return self.lr


@dataclass
class TrainResult:
    best_path: Path | None
    last_path: Path
    steps: int
    best_frm_err: float
    seconds: float
    history: list[dict[str, float]] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------- data
class ViewBank:
    """All training recordings in memory as normalised (T, 17, 3) arrays of equal length per recording."""

    def __init__(self, recordings: Sequence[Recording], min_frames: int) -> None:
        self.views: list[list[np.ndarray]] = []
        self.ids: list[str] = []
        rates = []
        for rec in recordings:
            tracks = [load_npz(p).dense() for p in rec.views]
            arrays = [t.normalized() for t in tracks]
            length = min(len(a) for a in arrays)
            if length >= min_frames:
                self.views.append([a[:length] for a in arrays])
                self.ids.append(rec.id)
                rates.append(tracks[0].fps)
        if not self.views:
            raise PoseFileError(f"no recording with at least two views of >= {min_frames} frames")
        #: the training data's frame rate (median over recordings), stored with the model
        self.fps = float(np.median(rates))

    def __len__(self) -> int:
        return len(self.views)


def sample_batch(
    bank: ViewBank, cfg: TrainConfig, rng: np.random.Generator, context: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(B, L + 2 * context, 17, 3)`` crops of view u and view v with a random shift between them.

    Both crops have the same length; v's window starts ``shift`` frames after u's, with the shift
    uniform in [-max_shift, max_shift] (clipped to the recording), so frame m of u shows the same
    instant as frame m - shift of v; the shifts are returned too. ``context`` extra frames on each
    side feed the temporal convolutions but are left out of the loss (see :func:`loss_mask`).
    """
    length = cfg.crop_frames + 2 * context
    us, vs, shifts = [], [], []
    for _ in range(cfg.batch_size):
        views = bank.views[rng.integers(len(bank))]
        iu, iv = rng.choice(len(views), size=2, replace=False)
        total = len(views[0])
        step = 1.0  # recording frames per crop frame
        if cfg.augment and cfg.rate_augment > 1.0 and rng.random() < 0.5:
            step = math.exp(rng.uniform(-math.log(cfg.rate_augment), math.log(cfg.rate_augment)))
            step = min(step, (total - 1) / (length - 1))  # the crop must fit the recording
        if step == 1.0:
            max_shift = min(cfg.max_shift, total - length)
            shift = int(rng.integers(-max_shift, max_shift + 1)) if max_shift > 0 else 0
            start = int(rng.integers(max(0, -shift), total - length - max(0, shift) + 1))
            u = views[iu][start : start + length]
            v = views[iv][start + shift : start + shift + length]
        else:
            # both crops sampled every `step` recording frames, v's `shift` crop frames later:
            # frame m of u is still the instant of frame m - shift of v
            max_shift = min(cfg.max_shift, int((total - 1) / step - (length - 1)))
            shift = int(rng.integers(-max_shift, max_shift + 1)) if max_shift > 0 else 0
            lo = step * max(0, -shift)
            hi = (total - 1) - step * (length - 1 + max(0, shift))
            start = rng.uniform(lo, max(lo, hi))
            m = np.arange(length)
            u = interpolate_keypoints(views[iu], start + step * m)
            v = interpolate_keypoints(views[iv], start + step * (m + shift))
        if cfg.augment:
            u, v = augment_pair(u, v, rng, cfg.jitter_augment)
        us.append(u)
        vs.append(v)
        shifts.append(shift)
    return np.stack(us).astype(np.float32), np.stack(vs).astype(np.float32), np.array(shifts, dtype=np.int64)


def augment_pair(u: np.ndarray, v: np.ndarray, rng: np.random.Generator, jitter_max: float = 0.0
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Label-preserving changes a real recording could show.

    A mirror image (applied to both views, so they stay the same moment), and per view: zoom,
    shift, in-plane rotation (tilted or sideways-mounted cameras), jitter (up to ``jitter_max``
    of the image size, see ``TrainConfig.jitter_augment``), missing joints, dropped frames and
    upper-body-only framing.
    """
    if rng.random() < 0.5:
        u, v = _mirror(u), _mirror(v)
    return _view_augment(u, rng, jitter_max), _view_augment(v, rng, jitter_max)


def _mirror(x: np.ndarray) -> np.ndarray:
    out = x[:, list(COCO17_FLIP)].copy()
    out[..., 0] = np.where(out[..., 2] > 0, -out[..., 0], 0.0)
    return out


def view_jitter(rng: np.random.Generator, jitter_max: float) -> float:
    """The jitter (share of the image size) of one augmented view: JITTER_FLOOR, or for half the
    views when ``jitter_max`` exceeds it, log-uniform in [JITTER_FLOOR, jitter_max]."""
    if jitter_max <= JITTER_FLOOR or rng.random() < 0.5:
        return JITTER_FLOOR
    return float(math.exp(rng.uniform(math.log(JITTER_FLOOR), math.log(jitter_max))))


def _view_augment(x: np.ndarray, rng: np.random.Generator, jitter_max: float = 0.0) -> np.ndarray:
    x = x.copy()
    valid = x[..., 2] > 0
    angle = rng.normal(0, 0.15)
    if rng.random() < 0.1:
        angle += rng.choice([np.pi / 2, -np.pi / 2])
    c, s = math.cos(angle), math.sin(angle)
    scale = math.exp(rng.uniform(-0.3, 0.3))
    xy = x[..., :2] @ np.array([[c, s], [-s, c]], dtype=np.float32).T * scale
    xy += rng.uniform(-0.1, 0.1, size=2).astype(np.float32)
    xy += rng.normal(0, view_jitter(rng, jitter_max), size=xy.shape).astype(np.float32)
    x[..., :2] = xy
    valid &= rng.random(valid.shape) > 0.04
    valid &= (rng.random(len(x)) > 0.03)[:, None]
    if rng.random() < 0.1:  # framed from the waist (or the chest) up: no legs in the picture
        valid[:, list(LOWER_BODY[: 4 if rng.random() < 0.5 else 6])] = False
    x[~valid] = 0.0
    return x


# ---------------------------------------------------------------------------------------------- loop
def loss_mask(batch: int, length: int, context: int, device: torch.device) -> torch.Tensor:
    """``(B, T)`` True for the frames the loss may use: all but ``context`` at each end.

    Why: a frame within the network's receptive radius of a crop's edge "sees" the zero padding,
    which tells it where it sits in the crop. Two crops of equal length can then be matched by
    position alone — frame m to frame m, i.e. offset 0 whatever the truth — and the cycle-
    consistency losses reward that just as much as matching the motion (they only ask that the
    matching be invertible). Keeping those frames out of the loss leaves motion as the only cue.
    """
    mask = torch.ones(batch, length, dtype=torch.bool, device=device)
    if context:
        mask[:, :context] = False
        mask[:, -context:] = False
    return mask


def partner_index(shifts: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``(B, T)``: the frame of v showing the instant of frame m of u (m - shift), -1 if none.

    Frames outside the loss mask on either side have no partner.
    """
    b, t = mask.shape
    n = torch.arange(t, device=mask.device)[None, :] - shifts[:, None]
    ok = (n >= 0) & (n < t) & mask
    ok &= torch.gather(mask, 1, n.clamp(0, t - 1))
    return torch.where(ok, n, torch.full_like(n, -1))


def _loss(net: SeSynNet, u: torch.Tensor, v: torch.Tensor, shifts: torch.Tensor, cfg: TrainConfig) -> dict[str, torch.Tensor]:
    """Total and per-term losses, each averaged over both directions (u -> v and v -> u)."""
    feats = net(torch.cat([u, v]))
    fu, fv = feats[: len(u)], feats[len(u) :]
    mask = loss_mask(len(u), u.shape[1], net.receptive_radius, u.device)
    terms: dict[str, torch.Tensor] = {}
    if "identity" in cfg.losses:
        mu1 = cfg.mu1 if "deviation" in cfg.losses else 0.0
        mu2 = cfg.mu2 if "interval" in cfg.losses else 0.0
        fwd = sesyn_loss(fu, fv, mask, mask, mu1=mu1, mu2=mu2)
        bwd = sesyn_loss(fv, fu, mask, mask, mu1=mu1, mu2=mu2)
        for name in ("identity", "deviation", "interval"):
            terms[name] = 0.5 * (getattr(fwd, name) + getattr(bwd, name))
        terms["total"] = 0.5 * (fwd.total + bwd.total)
    else:
        terms["total"] = torch.zeros((), device=u.device)
    if "correspondence" in cfg.losses:
        corr = 0.5 * (
            correspondence_loss(fu, fv, partner_index(shifts, mask), mask)
            + correspondence_loss(fv, fu, partner_index(-shifts, mask), mask)
        )
        terms["correspondence"] = corr
        terms["total"] = terms["total"] + cfg.mu3 * corr
    return terms


def train(
    poses_dir: str | Path, out_dir: str | Path, config: TrainConfig | None = None, *, resume: bool = False,
    device: str | None = None, validate: Callable[[SeSynNet, Sequence[EvalPair]], float] | None = None,
    on_step: Callable[[int, int, dict[str, float]], None] | None = None,
) -> TrainResult:
    """Train SeSyn-Net on the recordings in ``poses_dir``; checkpoints go to ``out_dir``.

    Args:
        validate: ``(net, pairs) -> Frm.err`` used every ``val_every`` steps on the validation
            pairs of the manifest (default: :func:`videosync.evaluate.frame_error` with the sesyn
            method); without validation pairs the last checkpoint is also the best one.
        on_step: ``(step, total, losses)`` called after every step (progress bars).
    """
    cfg = config or TrainConfig()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    last_path, best_path = out / "last.pt", out / "best.pt"
    dev = default_device(device)
    net = _new_network(cfg)
    optimiser = _optimiser(net, cfg)
    step, best, history = 0, math.inf, []
    if resume and last_path.exists():
        step, best, history = _load_state(last_path, net, optimiser, cfg)
        log.info("resumed from %s at step %d", last_path, step)
    elif resume:
        log.warning("--resume given but %s does not exist: starting from scratch", last_path)
    recordings = find_recordings(poses_dir, split="train") or find_recordings(poses_dir)
    bank = ViewBank(recordings, min_frames=cfg.crop_frames + 2 * net.receptive_radius + 1)
    val_pairs = _validation_pairs(poses_dir, cfg)
    if validate is None:
        from videosync.evaluate import frame_error

        validate = frame_error
    net.to(dev)
    start_time = time.perf_counter()
    write_text(out / "train_config.json", json.dumps(cfg.to_dict(), indent=2))
    while step < cfg.steps:
        record = _train_step(net, optimiser, bank, cfg, step, dev, start_time, out)
        step += 1
        out_of_time = cfg.time_limit_minutes is not None and (time.perf_counter() - start_time) > 60 * cfg.time_limit_minutes
        if val_pairs and (step % cfg.val_every == 0 or step == cfg.steps or out_of_time):
            frm_err = record["val_frm_err"] = float(validate(net, val_pairs))
            if frm_err < best:
                best = frm_err
                save_checkpoint(best_path, net, meta=_model_meta(cfg, bank, step, val_frm_err=frm_err))
        if cfg.snapshot_every and step % cfg.snapshot_every == 0:
            # kept for ablations and learning curves: the network after exactly `step` steps
            save_checkpoint(out / "snapshots" / f"step_{step:06d}.pt", net, meta=_model_meta(cfg, bank, step))
        history.append(record)
        if on_step:
            on_step(step, cfg.steps, record)
        if step % cfg.checkpoint_every == 0 or step == cfg.steps or out_of_time:
            _save_state(last_path, net, optimiser, cfg, step, best, history)
        if out_of_time:
            log.warning("time limit of %s minutes reached at step %d", cfg.time_limit_minutes, step)
            break
    if not val_pairs:
        save_checkpoint(best_path, net, meta=_model_meta(cfg, bank, step))
    return TrainResult(best_path=best_path if best_path.exists() else None, last_path=last_path, steps=step,
                       best_frm_err=best, seconds=time.perf_counter() - start_time, history=history)


def _new_network(cfg: TrainConfig) -> SeSynNet:
    """A seeded network of the configured shape, started from ``cfg.init`` when given."""
    torch.manual_seed(cfg.seed)
    net = SeSynNet(cfg.network_config(), seed=cfg.seed)
    if cfg.init:
        start, _ = load_checkpoint(cfg.init)
        if start.config != net.config:
            raise VideosyncError(
                f"cannot start from this model: its shape ({start.config.channels}, kernel "
                f"{start.config.temporal_kernel}, dilation {start.config.dilations}) differs from "
                "--channels/--temporal-kernel/--dilation", cfg.init)
        net.load_state_dict(start.state_dict())
    return net


def _optimiser(net: SeSynNet, cfg: TrainConfig) -> torch.optim.Optimizer:
    if cfg.optimizer == "adam":
        return torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    # the paper's: SGD with Nesterov momentum
    return torch.optim.SGD(net.parameters(), lr=cfg.lr, momentum=cfg.momentum, nesterov=True,
                           weight_decay=cfg.weight_decay)


def _train_step(net: SeSynNet, optimiser: torch.optim.Optimizer, bank: ViewBank, cfg: TrainConfig, step: int,
                dev: str, start_time: float, out: Path) -> dict[str, float]:
    """One optimisation step on a batch drawn for ``step`` (seeded); its losses, by name."""
    rng = np.random.default_rng([cfg.seed, step])
    u, v, shifts = (torch.from_numpy(a).to(dev) for a in sample_batch(bank, cfg, rng, net.receptive_radius))
    net.train()
    terms = _loss(net, u, v, shifts, cfg)
    loss = terms["total"]
    if not torch.isfinite(loss):
        raise VideosyncError(f"training diverged at step {step + 1} (loss is not finite); try a lower --lr", out)
    elapsed = time.perf_counter() - start_time
    for group in optimiser.param_groups:
        group["lr"] = cfg.lr_at(step, elapsed / (60 * cfg.time_limit_minutes) if cfg.time_limit_minutes else 0.0)
    optimiser.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(net.parameters(), GRAD_CLIP_NORM)
    optimiser.step()
    return {"step": step + 1, **{k: float(v.detach()) for k, v in terms.items()}}


def _model_meta(cfg: TrainConfig, bank: ViewBank, step: int, **extra: float) -> dict[str, Any]:
    """What a model file says about how it was made, and the frame rates it embeds as they are
    (the training data's rate, widened by the rate augmentation; see ``SesynMethod``)."""
    return {
        "train": cfg.to_dict(),
        "step": step,
        "fps": bank.fps,
        "fps_range": [bank.fps / cfg.rate_augment, bank.fps * cfg.rate_augment],
        **extra,
    }


def _validation_pairs(poses_dir: str | Path, cfg: TrainConfig) -> list[EvalPair]:
    try:
        pairs = find_pairs(poses_dir, split="validation")
    except PoseFileError:
        return []
    rng = np.random.default_rng(cfg.seed)
    if len(pairs) > cfg.val_pairs:
        pairs = [pairs[i] for i in sorted(rng.choice(len(pairs), cfg.val_pairs, replace=False))]
    return pairs


def _save_state(path: Path, net: SeSynNet, opt: torch.optim.Optimizer, cfg: TrainConfig, step: int, best: float, history: list) -> None:
    payload = {
        "format": STATE_FORMAT,
        "config": cfg.to_dict(),
        "model": net.state_dict(),
        "optimizer": opt.state_dict(),
        "step": step,
        "best": best,
        "history": json.dumps(history),
    }
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    write_bytes(path, buffer)


#: Settings a resumed run must share with the saved one (the others may change, e.g. more --steps).
_RESUME_SAME = ("channels", "temporal_kernel", "temporal_dilation", "crop_frames", "batch_size", "seed", "losses",
                "optimizer", "schedule", "init")


def _load_state(path: Path, net: SeSynNet, opt: torch.optim.Optimizer, cfg: TrainConfig) -> tuple[int, float, list]:
    """The saved step, best validation error and history, with ``net`` and ``opt`` restored; a
    damaged or foreign file is one VideosyncError (what is wrong, and that --overwrite starts over)."""
    try:
        state = read_weights(path)
    except ModelError as exc:  # its reason, as a training state's
        raise VideosyncError(f"cannot resume: {str(exc)[len(str(path)) + 2:]}; --overwrite starts over", path) from None
    if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
        raise VideosyncError("cannot resume: not a videosync training state", path)
    try:
        saved = {**TrainConfig().to_dict(), **dict(state["config"])}  # a setting added later had its default
        step, best, history = int(state["step"]), float(state["best"]), json.loads(state["history"])
        if step < 0 or not isinstance(history, list):
            raise ValueError(f"step {step}, history of type {type(history).__name__}")
        for key in _RESUME_SAME:
            if saved.get(key) != cfg.to_dict().get(key):
                raise VideosyncError(f"cannot resume: {key} differs from the saved run ({saved.get(key)} vs "
                                     f"{cfg.to_dict().get(key)})", path)
        net.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        _check_restored(net, opt)
    except VideosyncError:
        raise
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:  # JSONDecodeError is a ValueError
        raise VideosyncError(f"cannot resume: damaged training state ({type(exc).__name__}: "
                             f"{' '.join(str(exc).split())[:160]}); --overwrite starts over", path) from None
    return step, best, history


def _check_restored(net: SeSynNet, opt: torch.optim.Optimizer) -> None:
    """Restored weights are finite and the optimiser's buffers fit them (torch checks neither)."""
    for name, value in net.state_dict().items():
        if value.is_floating_point() and not torch.isfinite(value).all():
            raise ValueError(f"weight {name} is not finite")
    for param in net.parameters():
        for key, buf in opt.state.get(param, {}).items():
            if isinstance(buf, torch.Tensor) and buf.dim() and buf.shape != param.shape:
                raise ValueError(f"optimizer buffer {key} has shape {tuple(buf.shape)}, not {tuple(param.shape)}")

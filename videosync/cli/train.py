"""``videosync train``: self-supervised training on synchronized multi-view pose recordings."""

from __future__ import annotations

import click

from videosync.cli.progress import progress_bar, stderr
from videosync.train import TrainConfig, train

_DEFAULTS = TrainConfig()


def _int_list(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in text.split(","))
    except ValueError:
        raise click.BadParameter(f"expected comma-separated integers, got {text!r}") from None


@click.command("train")
@click.option("--poses", "poses_dir", required=True, type=click.Path(file_okay=False), help="Folder of pose files (manifest.json or one sub-folder per recording).")
@click.option("--out", "out_dir", default="runs/train", show_default=True, type=click.Path(file_okay=False), help="Where last.pt / best.pt go.")
@click.option("--steps", type=click.IntRange(min=1), default=_DEFAULTS.steps, show_default=True)
@click.option("--batch-size", type=click.IntRange(min=1), default=_DEFAULTS.batch_size, show_default=True)
@click.option("--crop", "crop_frames", type=click.IntRange(min=8), default=_DEFAULTS.crop_frames, show_default=True, help="Frames per training crop.")
@click.option("--max-shift", type=click.IntRange(min=0), default=_DEFAULTS.max_shift, show_default=True, help="Largest random shift between the two crops.")
@click.option("--optimizer", type=click.Choice(["sgd", "adam"]), default=_DEFAULTS.optimizer, show_default=True, help="sgd: the paper's (Nesterov 0.9); adam: AdamW.")
@click.option("--lr", type=float, default=_DEFAULTS.lr, show_default=True)
@click.option("--schedule", type=click.Choice(["constant", "cosine"]), default=_DEFAULTS.schedule, show_default=True, help="Learning-rate schedule; cosine decays to 0 at --steps.")
@click.option("--init", "init", type=click.Path(dir_okay=False), default=None, help="Start from this model checkpoint (fine-tuning) instead of random weights.")
@click.option("--losses", default=",".join(_DEFAULTS.losses), show_default=True, help="Subset of identity,deviation,interval,correspondence (ablation).")
@click.option("--channels", default=",".join(map(str, _DEFAULTS.channels)), show_default=True, help="ST-GCN block widths.")
@click.option("--temporal-kernel", type=click.IntRange(min=1), default=_DEFAULTS.temporal_kernel, show_default=True, help="Length of every temporal convolution (odd).")
@click.option("--dilation", "dilation", default="", help="Temporal dilation per block, e.g. 1,2,2,4 (default: none); widens the temporal view.")
@click.option("--rate-augment", type=click.FloatRange(min=1.0), default=_DEFAULTS.rate_augment, show_default=True, help="Largest playback-rate change of a training crop (1: off); sets the frame rates the model embeds as they are.")
@click.option("--jitter-augment", type=click.FloatRange(min=0.0), default=_DEFAULTS.jitter_augment, show_default=True, help="Largest extra keypoint jitter (share of the image size) added to half the views (0: off); for noisy detectors.")
@click.option("--val-every", type=click.IntRange(min=1), default=_DEFAULTS.val_every, show_default=True)
@click.option("--val-pairs", type=click.IntRange(min=1), default=_DEFAULTS.val_pairs, show_default=True, help="Validation pairs drawn from the manifest (more: a less noisy best checkpoint).")
@click.option("--snapshot-every", type=click.IntRange(min=0), default=0, show_default=True, help="Also keep the network every N steps (OUT/snapshots/).")
@click.option("--time-limit", "time_limit", type=float, default=None, help="Stop (with checkpoints) after this many minutes.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--device", default=None, help="cpu, cuda, cuda:1 ... (default: CUDA when available).")
@click.option("--resume", is_flag=True, help="Continue from OUT/last.pt.")
def train_command(poses_dir, out_dir, steps, batch_size, crop_frames, max_shift, optimizer, lr, schedule, init, losses, channels, temporal_kernel, dilation, rate_augment, jitter_augment, val_every, val_pairs, snapshot_every, time_limit, seed, device, resume) -> None:
    """Train SeSyn-Net without labels on synchronized recordings (paper section 3.3)."""
    cfg = TrainConfig(
        steps=steps,
        batch_size=batch_size,
        crop_frames=crop_frames,
        max_shift=max_shift,
        optimizer=optimizer,
        lr=lr,
        schedule=schedule,
        init=init,
        losses=tuple(s.strip() for s in losses.split(",") if s.strip()),
        channels=_int_list(channels),
        temporal_kernel=temporal_kernel,
        temporal_dilation=_int_list(dilation) if dilation.strip() else (),
        rate_augment=rate_augment,
        jitter_augment=jitter_augment,
        val_every=val_every,
        val_pairs=val_pairs,
        snapshot_every=snapshot_every,
        time_limit_minutes=time_limit,
        seed=seed,
    )
    last_val = {"v": float("nan")}
    with progress_bar("training", total=cfg.steps) as update:

        def on_step(step: int, total: int, rec: dict) -> None:
            if "val_frm_err" in rec:
                last_val["v"] = rec["val_frm_err"]
            info = f"loss {rec['total']:.3f}  val Frm.err {last_val['v']:.2f}"
            update(step, total, info=info)
            if not stderr.is_terminal and (step % 50 == 0 or "val_frm_err" in rec):
                # a log file gets no live bar: leave a line now and then instead
                stderr.print(f"step {step}/{total}  {info}", highlight=False)

        result = train(poses_dir, out_dir, cfg, resume=resume, device=device, on_step=on_step)
    stderr.print(
        f"{result.steps} steps in {result.seconds / 60:.1f} min; best validation Frm.err "
        f"{result.best_frm_err:.2f}; model: {result.best_path}"
    )

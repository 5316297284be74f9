"""``videosync train``: self-supervised training on synchronized multi-view pose recordings.

Every default is :class:`videosync.train.TrainConfig`'s, looked up when needed (``--help``, or a
run), so defining this command does not import torch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from videosync.cli import output
from videosync.cli.command import command
from videosync.cli.options import FiniteRange, LibraryDefault, check_outputs, comma_list, overwrite_option
from videosync.errors import VideosyncError
from videosync.fileio import check_folder_output


def _default(field: str, **kwargs: Any) -> LibraryDefault:
    return LibraryDefault(f"videosync.train:TrainConfig.{field}", **kwargs)


def _ints(ctx: click.Context, param: click.Parameter, text: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise click.BadParameter(f"expected comma-separated integers, got {text!r}") from None


def _names(ctx: click.Context, param: click.Parameter, text: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in text.split(",") if s.strip())


@command("train", short_help="Train SeSyn-Net without labels on synchronized recordings.")
@click.option("--poses", "poses_dir", required=True, type=click.Path(file_okay=False), help="Folder of pose files to learn from (manifest.json or one sub-folder per recording).")
@click.option("-o", "--out", "out_dir", default="runs/train", show_default=True, type=click.Path(file_okay=False), help="Folder for the checkpoints: last.pt (to resume), best.pt (the model to use).")
@click.option("--steps", metavar="N", type=click.IntRange(min=1), default=_default("steps"), show_default=True, help="Optimisation steps.")
@click.option("--batch-size", metavar="N", type=click.IntRange(min=1), default=_default("batch_size"), show_default=True, help="Crop pairs per step.")
@click.option("--crop", "crop_frames", metavar="FRAMES", type=click.IntRange(min=8), default=_default("crop_frames"), show_default=True, help="Frames per training crop.")
@click.option("--max-shift", metavar="FRAMES", type=click.IntRange(min=0), default=_default("max_shift"), show_default=True, help="Largest random shift between the two crops.")
@click.option("--optimizer", type=click.Choice(["sgd", "adam"]), default=_default("optimizer"), show_default=True, help="sgd: the paper's (Nesterov 0.9); adam: AdamW.")
@click.option("--lr", metavar="RATE", type=FiniteRange(min=0, min_open=True), default=_default("lr"), show_default=True, help="Learning rate.")
@click.option("--schedule", type=click.Choice(["constant", "cosine"]), default=_default("schedule"), show_default=True, help="Learning-rate schedule; cosine decays to 0 at --steps.")
@click.option("--init", "init", type=click.Path(dir_okay=False), default=None, help="Start from this model checkpoint (fine-tuning) instead of random weights.")
@click.option("--losses", type=str, metavar="NAMES", default=_default("losses", convert=comma_list), callback=_names, show_default=True, help="Subset of identity,deviation,interval,correspondence (ablation).")
@click.option("--channels", type=str, metavar="N,N,...", default=_default("channels", convert=comma_list), callback=_ints, show_default=True, help="ST-GCN block widths.")
@click.option("--temporal-kernel", metavar="FRAMES", type=click.IntRange(min=1), default=_default("temporal_kernel"), show_default=True, help="Length of every temporal convolution (odd).")
@click.option("--dilation", "temporal_dilation", type=str, metavar="N,N,...", default=_default("temporal_dilation", convert=comma_list), callback=_ints, help="Temporal dilation per block, e.g. 1,2,2,4 (default: none); widens the temporal view.")
@click.option("--rate-augment", metavar="FACTOR", type=FiniteRange(min=1.0), default=_default("rate_augment"), show_default=True, help="Largest playback-rate change of a training crop (1: off); sets the frame rates the model embeds as they are.")
@click.option("--jitter-augment", metavar="SHARE", type=FiniteRange(min=0.0), default=_default("jitter_augment"), show_default=True, help="Largest extra keypoint jitter (share of the image size) added to half the views (0: off); for noisy detectors.")
@click.option("--val-every", metavar="N", type=click.IntRange(min=1), default=_default("val_every"), show_default=True, help="Validate (and keep best.pt) every N steps.")
@click.option("--val-pairs", metavar="N", type=click.IntRange(min=1), default=_default("val_pairs"), show_default=True, help="Validation pairs drawn from the manifest (more: a less noisy best checkpoint).")
@click.option("--snapshot-every", metavar="N", type=click.IntRange(min=0), default=_default("snapshot_every"), show_default=True, help="Also keep the network every N steps (OUT/snapshots/; 0: never).")
@click.option("--time-limit", "time_limit_minutes", metavar="MINUTES", type=FiniteRange(min=0, min_open=True), default=None, help="Stop (with checkpoints) after this many minutes.")
@click.option("--seed", metavar="N", type=int, default=_default("seed"), show_default=True, help="Seed of the initial weights and of every random draw.")
@click.option("--device", metavar="DEVICE", default=None, help="cpu, cuda, cuda:1 ... (default: CUDA when available).")
@click.option("--resume", is_flag=True, help="Continue from OUT/last.pt.")
@overwrite_option
def train_command(poses_dir: str, out_dir: str, device: str | None, resume: bool, overwrite: bool, **settings: Any) -> None:
    """Train SeSyn-Net without labels on synchronized recordings (paper section 3.3).

    Synchronized views of the same motion teach the network which poses are the same instant;
    no offsets are needed. The data comes from "videosync synth" or from your own synchronized
    recordings (pose files, one sub-folder per recording). Use the result with
    "videosync align --model OUT/best.pt".

    \b
    Examples:
      videosync train --poses data/synth -o runs/mine
      videosync train --poses data/synth -o runs/mine --resume
      videosync train --poses my-recordings -o runs/tuned --init models/sesyn.pt --steps 500 --lr 0.001
    """
    _refuse_to_restart(Path(out_dir), resume, overwrite)
    check_folder_output(out_dir)
    check_outputs(*(Path(out_dir) / name for name in ("last.pt", "best.pt")), inputs=[settings.get("init")],
                  overwrite=True, creates_folder=out_dir)  # replacing a run is decided above
    from videosync.cli.progress import progress_bar
    from videosync.train import TrainConfig, train

    cfg = TrainConfig(**settings)
    with progress_bar("training", total=cfg.steps) as update:
        result = train(poses_dir, out_dir, cfg, resume=resume, device=device, on_step=_step_reporter(update))
    output.info(f"{result.steps} steps in {result.seconds / 60:.1f} min; best validation Frm.err "
                f"{result.best_frm_err:.2f}; model: {result.best_path}")


def _refuse_to_restart(out: Path, resume: bool, overwrite: bool) -> None:
    """A run already in ``out`` is continued (--resume) or replaced (--overwrite), never silently."""
    existing = [p for p in (out / "last.pt", out / "best.pt") if p.exists()]
    if existing and not (resume or overwrite):
        raise VideosyncError("already exists (add --resume to continue that run, --overwrite to start over)",
                             existing[0])


def _step_reporter(update):
    last_val = {"v": float("nan")}

    def on_step(step: int, total: int, rec: dict) -> None:
        if "val_frm_err" in rec:
            last_val["v"] = rec["val_frm_err"]
        info = f"loss {rec['total']:.3f}  val Frm.err {last_val['v']:.2f}"
        update(step, total, info=info)
        if not output.stderr_console().is_terminal and (step % 50 == 0 or "val_frm_err" in rec):
            output.info(f"step {step}/{total}  {info}")  # a log file gets no live bar: a line now and then

    return on_step

"""Synthesize the training data and train several SeSyn-Net configurations side by side.

This is how the shipped model and the loss ablation of ``models/MODEL_CARD.md`` were made, on a
machine with one GPU and 16 cores, in one go: every run gets the same wall-clock budget (so the
ablation compares equal budgets), its own process and CPU threads, and the cosine learning rate
decays over that budget (``TrainConfig.lr_at``). At the end each run's ``best.pt`` (lowest
validation Frm.err), ``final.pt`` (weights at the end) and ``history.json`` are packed into
``OUT/<run>.tar``.

    python scripts/train_runs.py --mocap ../shared/data/mocap --work /tmp/vs --out runs/ablation \
        --minutes 7 [--runs main,paper,identity,identity-deviation] [--threads 2]

Runs on the CPU too (slowly: about 2 s a step on 2 cores). Nothing here downloads anything.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # pack() imports videosync also where it is not installed

COMMON = ["--crop", "64", "--max-shift", "16", "--channels", "32,64,128,128", "--batch-size", "32",
          "--val-every", "1000", "--val-pairs", "120", "--steps", "1000000", "--seed", "0"]
#: name -> the train options that differ between runs
RUNS: dict[str, list[str]] = {
    # what ships: the cross-view correspondence loss, AdamW, cosine decay over the budget
    "main": ["--losses", "correspondence", "--optimizer", "adam", "--lr", "0.001", "--schedule", "cosine"],
    # the paper's losses and optimiser (Table 2, all three terms)
    "paper": ["--losses", "identity,deviation,interval", "--optimizer", "sgd", "--lr", "0.005"],
    "identity": ["--losses", "identity", "--optimizer", "sgd", "--lr", "0.005"],
    "identity-deviation": ["--losses", "identity,deviation", "--optimizer", "sgd", "--lr", "0.005"],
    # the paper's losses with our optimiser and schedule, and all four terms together
    "paper-adam": ["--losses", "identity,deviation,interval", "--optimizer", "adam", "--lr", "0.001", "--schedule", "cosine"],
    "all-adam": ["--losses", "identity,deviation,interval,correspondence", "--optimizer", "adam", "--lr", "0.001", "--schedule", "cosine"],
}
#: The shipped recipe with a wider temporal view (receptive radius 16 -> 24-36 frames, larger
#: crop shifts): can the network tell a walk one stride later from the same walk now?
_MAIN = RUNS["main"]
RUNS.update({
    **{f"main-seed{i}": [*_MAIN, "--seed", str(i)] for i in range(1, 8)},  # run-to-run spread of the shipped recipe
    "shift32": [*_MAIN, "--max-shift", "32"],  # radius 16
    "k13": [*_MAIN, "--temporal-kernel", "13", "--max-shift", "24"],  # radius 24
    "k17": [*_MAIN, "--temporal-kernel", "17", "--max-shift", "32"],  # radius 32
    "dil1122": [*_MAIN, "--dilation", "1,1,2,2", "--max-shift", "24"],  # radius 24
    "dil1224": [*_MAIN, "--dilation", "1,2,2,4", "--max-shift", "32"],  # radius 36
})
#: what runs without --runs: the shipped model and the loss ablation
DEFAULT_RUNS = ("main", "paper", "identity", "identity-deviation", "paper-adam", "all-adam")


def videosync(*args: str, threads: int, log: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads),
               PYTHONUNBUFFERED="1")
    code = "import sys; from videosync.cli.main import cli; sys.exit(cli())"
    return subprocess.Popen([sys.executable, "-c", code, *args], env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


def pack(run_dir: Path, dest: Path) -> None:
    """best.pt, final.pt (the last weights as a model file) and history.json into one tar."""
    import torch

    from videosync.model import SeSynNet, save_checkpoint
    from videosync.train import TrainConfig

    last = run_dir / "last.pt"
    if last.exists():
        state = torch.load(last, map_location="cpu", weights_only=True)
        (run_dir / "history.json").write_text(state["history"])
        net = SeSynNet(TrainConfig.from_dict(dict(state["config"])).network_config())
        net.load_state_dict(state["model"])
        best_meta = {}
        if (run_dir / "best.pt").exists():
            best_meta = torch.load(run_dir / "best.pt", map_location="cpu", weights_only=True)["meta"]
        meta = {k: v for k, v in best_meta.items() if k in ("train", "fps", "fps_range")}
        save_checkpoint(run_dir / "final.pt", net, meta={**meta, "step": int(state["step"])})
    with tarfile.open(dest, "w") as tar:
        for name in ("best.pt", "final.pt", "history.json", "train.log", "train_config.json"):
            if (run_dir / name).exists():
                tar.add(run_dir / name, arcname=f"{run_dir.name}/{name}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mocap", required=True, help="mocap folder, or a .tar.xz of it")
    ap.add_argument("--work", required=True, help="scratch folder (data, runs)")
    ap.add_argument("--out", required=True, help="where <run>.tar files go")
    ap.add_argument("--minutes", type=float, default=7.0, help="training budget of every run")
    ap.add_argument("--runs", default=",".join(DEFAULT_RUNS), help=f"subset of {','.join(RUNS)}")
    ap.add_argument("--threads", type=int, default=2, help="CPU threads per run")
    ap.add_argument("--recordings-per-clip", default="4")
    args = ap.parse_args()
    unknown = [name for name in args.runs.split(",") if name not in RUNS]
    if unknown:
        ap.error(f"unknown run(s) {', '.join(unknown)}; known: {', '.join(RUNS)}")
    work, out = Path(args.work), Path(args.out)
    work.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    mocap = Path(args.mocap)
    if mocap.suffixes[-2:] == [".tar", ".xz"]:
        with tarfile.open(mocap) as tar:
            tar.extractall(work / "mocap-src", filter="data")
        mocap = next((work / "mocap-src").iterdir())
    data = work / "synth-short"
    if not (data / "manifest.json").exists():
        proc = videosync("synth", "--mocap", str(mocap), "--out", str(data), "--preset", "short",
                         "--recordings-per-clip", args.recordings_per_clip, "--seed", "0",
                         threads=args.threads, log=work / "synth.log")
        if proc.wait() != 0:
            print((work / "synth.log").read_text()[-3000:])
            return 1
    print(f"data ready after {time.time() - t0:.0f} s", flush=True)
    procs = {}
    for name in args.runs.split(","):
        run_dir = work / "runs" / name
        run_dir.mkdir(parents=True, exist_ok=True)
        procs[name] = videosync("train", "--poses", str(data), "--out", str(run_dir), *COMMON, *RUNS[name],
                                "--time-limit", str(args.minutes), threads=args.threads, log=run_dir / "train.log")
    failed = 0
    for name, proc in procs.items():
        code = proc.wait()
        run_dir = work / "runs" / name
        tail = (run_dir / "train.log").read_text().strip().splitlines()[-3:]
        print(f"{name}: exit {code} after {time.time() - t0:.0f} s | " + " | ".join(tail), flush=True)
        failed += code != 0
        pack(run_dir, out / f"{name}.tar")
    summary = {name: json.loads((work / "runs" / name / "history.json").read_text())[-1]
               for name in procs if (work / "runs" / name / "history.json").exists()}
    print(json.dumps(summary, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Frames lost without timestamps: does ``align`` say the offset is not constant?

A camera that drops frames while writing a constant-rate file (a webcam under load, a phone
recording to a slow card) leaves no gap in its frame numbers: every later frame of B is shifted
against A by the number lost so far, so no single offset is right for the whole recording. The
tool should say so (confidence 0 and a note, :mod:`videosync.sync.drift`) rather than return an
average offset that is wrong at both ends.

Data: the synthetic long preset (``videosync synth --preset long``: 16 s windows at 30 fps, both
views equally long, true offsets in [-30, 30]), validation and test splits. For each pair, a
share of B's frames is removed at random (seeded) and the rest renumbered 0, 1, 2, ... (frame
``n`` of the new B is source frame ``kept[n]``). The true offset at A's frame ``i`` is then
``position of source frame (i + k) among the kept frames - i``; over the overlap it slides by
about ``share x overlap`` frames.

Per drop share and method, the script prints:

* ``flagged``: pairs answered with the "not constant" note (confidence 0);
* ``refused``: pairs refused for another reason (``CannotSynchronizeError``);
* ``trusted wrong``: pairs answered with confidence >= 0.2 (``align``'s default threshold) whose
  offset is more than 1 frame from the true one somewhere in the overlap (a trim made with it
  would be off by more than a frame there);
* ``trusted right``: answered with confidence >= 0.2 and within 1 frame everywhere in the overlap.

At share 0 (nothing lost) every pair should be trusted right or honestly unsure, none flagged.

The table is also written to this script's section of ``docs/results.md``.

Run: ``python benchmarks/bench_drift.py [--data data/synth-long] [--shares 0,0.005,0.02]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._results import write_section  # noqa: E402
from videosync.datasets import find_pairs  # noqa: E402
from videosync.errors import CannotSynchronizeError  # noqa: E402
from videosync.poses.npz import load_npz  # noqa: E402
from videosync.sync.methods import make_method  # noqa: E402

THRESHOLD = 0.2


def lose_frames(track, share: float, rng: np.random.Generator):
    """``track`` without a random ``share`` of its frames, renumbered; and the kept source frames."""
    keep = rng.random(len(track)) >= share
    keep[0] = True
    kept = track.select(keep)
    return kept.with_keypoints(kept.keypoints, np.arange(len(kept))), np.flatnonzero(keep)


def worst_error(pred: float, k: float, n_a: int, kept: np.ndarray) -> float:
    """Largest |pred - true offset| over A's frames whose partner B kept (renumbered)."""
    i = np.arange(n_a, dtype=np.float64)
    src = i + k  # source frame of B showing A's frame i
    inside = (src >= kept[0]) & (src <= kept[-1])
    true = np.interp(src[inside], kept, np.arange(len(kept))) - i[inside]
    return float(np.max(np.abs(pred - true))) if inside.any() else float("inf")


def window_seconds(pairs) -> float:
    """Duration of the first pair's first window (every pair of a preset has the same length)."""
    return load_npz(pairs[0].a).duration_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/synth-long")
    parser.add_argument("--shares", default="0,0.005,0.02")
    parser.add_argument("--methods", default="sesyn+geometry,sesyn,ssm")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    pairs = find_pairs(args.data, "validation") + find_pairs(args.data, "test")
    print(f"{len(pairs)} pairs (validation + test) of {args.data}; threshold {THRESHOLD}\n")
    table = ["| lost share | method | pairs | flagged | refused | trusted wrong | trusted right | time (s) |",
             "|---|---|---|---|---|---|---|---|"]
    print("\n".join(table))
    for share in (float(s) for s in args.shares.split(",")):
        for name in args.methods.split(","):
            base, _, extra = name.partition("+")
            method = make_method(base, refine=extra == "geometry")
            rng = np.random.default_rng(args.seed)  # the same frames lost for every method
            counts = dict(flagged=0, refused=0, wrong=0, right=0)
            t0 = time.perf_counter()
            for pair in pairs:
                a = load_npz(pair.a)
                b, kept = lose_frames(load_npz(pair.b), share, rng)
                try:
                    est = method.estimate(a, b)
                except CannotSynchronizeError:
                    counts["refused"] += 1
                    continue
                if any("not constant" in note for note in est.notes):
                    counts["flagged"] += 1
                elif est.confidence >= THRESHOLD:
                    ok = worst_error(est.offset_frames, pair.offset_frames, len(a), kept) <= 1.0
                    counts["right" if ok else "wrong"] += 1
            table.append(f"| {share:g} | {name} | {len(pairs)} | {counts['flagged']} | {counts['refused']} | "
                         f"{counts['wrong']} | {counts['right']} | {time.perf_counter() - t0:.0f} |")
            print(table[-1], flush=True)
    write_section("bench_drift", "Frames lost without timestamps (is the offset constant?)",
                  f"{len(pairs)} pairs (validation + test) of `{args.data}` ({window_seconds(pairs):.0f} s windows); "
                  f"B loses a random share of its frames (seed {args.seed}) and the rest are renumbered. "
                  "*flagged*: answered with the \"not constant\" note (confidence 0); *trusted wrong*: "
                  f"confidence >= {THRESHOLD:g} but more than 1 frame from the true (sliding) offset somewhere "
                  f"in the overlap; *trusted right*: confidence >= {THRESHOLD:g} and within 1 frame everywhere. "
                  "Pairs answered with a lower confidence are in none of the columns.\n\n" + "\n".join(table))


if __name__ == "__main__":
    main()

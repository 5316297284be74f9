"""Time and memory of frame matching + offset fit on two long synthetic feature sequences.

Default: 20,000 frames per input with C = 17 * 128 = 2176 feature dimensions (SeSyn-Net's
embedding width), full search (no band). The features are a smooth random 32-dimensional motion
mapped linearly to C dimensions plus noise, and B is A's motion shifted by a known offset, so the
answer is known and printed next to the estimate.

Memory is reported two ways, for the matching step alone (inputs are created before measuring):
* tracemalloc peak: numpy registers its array buffers with tracemalloc, so this is the peak of
  Python + numpy allocations made during matching (BLAS workspace is not included);
* process RSS: the kernel's peak resident set (VmHWM) is reset just before matching (Linux
  /proc/self/clear_refs) and read after it, compared with the resident set before matching; this
  includes everything (BLAS buffers too). Where that reset is not possible, the growth of
  ru_maxrss is printed instead (it only shows growth beyond the peak reached while building the
  inputs).

Usage: python benchmarks/bench_matching.py [--frames 20000] [--dims 2176] [--max-offset K]
       [--pca D] [--offset 137]
Prints figures and writes them to its section of docs/results.md (one section per band width);
asserts nothing about timing.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._results import markdown_table, write_section  # noqa: E402
from videosync.sync.fit import fit_offset  # noqa: E402
from videosync.sync.matching import match_frames  # noqa: E402


def synthetic_features(
    n: int, dims: int, offset: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two (n, dims) float32 sequences; row i of A equals (up to noise) row i + offset of B."""
    from scipy.ndimage import gaussian_filter1d

    rng = np.random.default_rng(seed)
    total = n + abs(offset)
    latent = gaussian_filter1d(rng.normal(size=(total, 32)), sigma=4.0, axis=0)
    latent /= latent.std()
    mix = (rng.normal(size=(32, dims)) / np.sqrt(32)).astype(np.float32)
    sa, sb = (offset, 0) if offset >= 0 else (0, -offset)
    fa = latent[sa:sa + n].astype(np.float32) @ mix
    fb = latent[sb:sb + n].astype(np.float32) @ mix
    fa += rng.normal(0, 0.1, size=fa.shape).astype(np.float32)
    fb += rng.normal(0, 0.1, size=fb.shape).astype(np.float32)
    return fa, fb


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def _reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) of this process; Linux only."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _vm_mib(field: str) -> float | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=20000)
    ap.add_argument("--dims", type=int, default=17 * 128)
    ap.add_argument("--offset", type=int, default=137)
    ap.add_argument("--max-offset", type=float, default=None)
    ap.add_argument("--pca", type=int, default=None)
    args = ap.parse_args()

    fa, fb = synthetic_features(args.frames, args.dims, args.offset)
    print(f"inputs: 2 x ({args.frames}, {args.dims}) float32 = "
          f"{2 * fa.nbytes / 2**20:.0f} MiB, true offset {args.offset} frames, "
          f"band {args.max_offset}, pca {args.pca}")

    rss0 = _maxrss_mib()
    hwm_reset = _reset_peak_rss()
    rss_before = _vm_mib("VmRSS")
    tracemalloc.start()
    t0, cpu0 = time.perf_counter(), time.process_time()
    match = match_frames(fa, fb, band=args.max_offset, pca_dims=args.pca)
    t_match, cpu_match = time.perf_counter() - t0, time.process_time() - cpu0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss1 = _maxrss_mib()
    hwm = _vm_mib("VmHWM") if hwm_reset else None

    t0 = time.perf_counter()
    fit = fit_offset(match.rows, match.cols_refined, quality=match.distinctiveness,
                     n_candidates=match.n_candidates, b_range=(0, args.frames - 1))
    t_fit = time.perf_counter() - t0

    print(f"matching: {t_match:.1f} s wall ({cpu_match:.1f} s CPU, all threads), "
          f"tracemalloc peak {peak / 2**20:.0f} MiB")
    if hwm is None or rss_before is None:
        print(f"ru_maxrss {rss0:.0f} -> {rss1:.0f} MiB (growth {rss1 - rss0:.0f} MiB)")
        memory = f"ru_maxrss growth {rss1 - rss0:.0f} MiB; tracemalloc peak {peak / 2**20:.0f} MiB"
    else:
        print(f"process RSS: {rss_before:.0f} MiB before matching (inputs included), peak during "
              f"matching {hwm:.0f} MiB (VmHWM after resetting it), "
              f"i.e. +{hwm - rss_before:.0f} MiB")
        memory = (f"+{hwm - rss_before:.0f} MiB over the {rss_before:.0f} MiB process (inputs included); "
                  f"tracemalloc peak {peak / 2**20:.0f} MiB")
    print(f"fit: {t_fit:.2f} s; offset {fit.offset_frames:.3f} frames (true {args.offset}), "
          f"confidence {fit.confidence:.3f}, inliers {fit.n_inliers}/{fit.n_pairs}")
    band = "full search" if args.max_offset is None else f"band of {args.max_offset:g} frames"
    pca = "no PCA" if args.pca is None else f"PCA to {args.pca} dimensions"
    body = (f"Two synthetic {args.frames:,}-frame sequences of {args.dims} feature dimensions, {band}, "
            f"{pca}, true offset {args.offset} frames.\n\n"
            + markdown_table(["step", "wall time", "CPU time (all threads)", "peak memory"],
                             [["matching (both ways, for the soft votes)", f"{t_match:.1f} s", f"{cpu_match:.1f} s", memory],
                              ["robust fit", f"{t_fit:.2f} s", "-", "-"]])
            + f"\n\nEstimate: {fit.offset_frames:.3f} frames (true {args.offset}), confidence "
              f"{fit.confidence:.2f}, inliers {fit.n_inliers}/{fit.n_pairs}. Wall times depend on "
              "what else the machine runs.")
    name = "bench_matching" if args.max_offset is None else f"bench_matching-band-{args.max_offset:g}"
    write_section(name, f"Speed and memory of the matching step ({band})", body)


if __name__ == "__main__":
    main()

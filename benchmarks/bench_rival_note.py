"""How often ``align`` names a rival offset ("another offset, ... is supported almost as well"),
and whether the answers that carry the note are right.

The note should appear where the motion repeats and the window cannot tell one repetition from
the next (the synthetic 4 s windows of walking and waving), and not on recordings whose answer
is clear. Runs the default method (sesyn + geometric refinement) on:

* the real Pose2Sim demo (OpenPose JSON, every camera pair, k in -20..20 step 2, equal windows,
  see ``bench_pose2sim_offsets.py``);
* the pairs of a synthetic split (``--data``, from ``videosync synth``), if given.

Prints, per set: pairs answered, within 1 frame, with the note, of those within 1 frame, and of
those with confidence >= 0.2 (answered by ``align``'s default threshold).

The counts are also written to ``docs/results.md``, one section per set (the demo, and the
synthetic split when ``--data`` is given).

Run: ``python benchmarks/bench_rival_note.py [--data data/synth-short] [--split validation]``.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks import bench_pose2sim_offsets as demo  # noqa: E402
from benchmarks._results import markdown_table, write_section  # noqa: E402
from videosync.datasets import find_pairs  # noqa: E402
from videosync.errors import CannotSynchronizeError  # noqa: E402
from videosync.tunables import UNCALIBRATED_MIN_CONFIDENCE  # noqa: E402
from videosync.poses import load_npz, load_poses  # noqa: E402
from videosync.sync.methods import make_method  # noqa: E402

NOTE = "another offset"


def count(method, cases) -> dict[str, int]:
    counts = dict(answered=0, right=0, noted=0, noted_right=0, noted_trusted=0)
    for a, b, true in cases:
        try:
            est = method.estimate(a, b)
        except CannotSynchronizeError:
            continue
        ok = abs(est.offset_frames - true) <= 1.0
        has = any(n.startswith(NOTE) for n in est.notes)
        counts["answered"] += 1
        counts["right"] += ok
        counts["noted"] += has
        counts["noted_right"] += has and ok
        counts["noted_trusted"] += has and est.confidence >= UNCALIBRATED_MIN_CONFIDENCE
    return counts


def describe(c: dict[str, int]) -> str:
    return (f"answered {c['answered']}, within 1 frame {c['right']}, with the note {c['noted']} "
            f"(within 1 frame {c['noted_right']}, confidence >= {UNCALIBRATED_MIN_CONFIDENCE:g}: {c['noted_trusted']})")


HEADER = ["pairs", "answered", "within 1 frame", "with the note", "with the note, within 1 frame",
          f"with the note, confidence >= {UNCALIBRATED_MIN_CONFIDENCE:g}"]
ABOUT = ("The default method (sesyn + geometric refinement). *with the note*: the answer carries \"another "
         "offset, ... is supported almost as well\" (a repeated motion whose window does not show which "
         "repetition is which).\n\n")


def report(key: str, title: str, label: str, counts: dict[str, int]) -> None:
    """Print one set's counts and write them to its own section of docs/results.md."""
    print(f"{label}:", describe(counts), flush=True)
    row = [label, counts["answered"], counts["right"], counts["noted"], counts["noted_right"], counts["noted_trusted"]]
    write_section(key, title, ABOUT + markdown_table(HEADER, [row]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="a folder made by `videosync synth`")
    parser.add_argument("--split", default="validation")
    args = parser.parse_args()
    method = make_method("sesyn", refine=True)
    tracks = {cam: load_poses(demo.JSON_DIR / f"{cam}_json") for cam in demo.CAMERAS}
    cases = ((*demo.equal_windows(tracks[ca], tracks[cb], k), k)
             for (ca, cb), k in itertools.product(itertools.combinations(demo.CAMERAS, 2), range(-20, 21, 2)))
    report("bench_rival_note", "How often align names a rival offset: the real demo",
           "Pose2Sim demo (OpenPose JSON), 6 camera pairs x k in -20..20 step 2", count(method, cases))
    if args.data is not None:
        pairs = find_pairs(args.data, split=args.split)
        cases = ((load_npz(p.a), load_npz(p.b), p.offset_frames) for p in pairs)
        report(f"bench_rival_note-synthetic-{args.split}", f"How often align names a rival offset: synthetic {args.split} split",
               f"synthetic {args.split} ({len(pairs)} pairs)", count(method, cases))


if __name__ == "__main__":
    main()

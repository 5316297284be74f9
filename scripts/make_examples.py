"""Rebuild examples/pose2sim-balance from ../shared/data/pose2sim-demo (run once; output committed).

The example is the real Pose2Sim demo (BSD-3) with camera 3 cut by CUT leading frames, as if it had
started recording later: the expected offset of cam03 relative to cam01 is therefore -CUT frames.
The OpenPose JSON is cut the same way (files renumbered from 0). Videos are cut by
``videosync.video.writer`` once that exists (see make_example_videos below).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO.parent / "shared" / "data" / "pose2sim-demo"
OUT = REPO / "examples" / "pose2sim-balance"
CUT = 7


def make_json() -> None:
    src = DEMO / "single-person" / "pose-json-index-is-video-frame-minus-1"
    for cam, cut in (("cam01", 0), ("cam03", CUT)):
        dst = OUT / f"{cam}_json"
        if dst.exists():
            shutil.rmtree(dst)
        dst.mkdir(parents=True)
        files = sorted((src / f"{cam}_json").glob(f"{cam}.*.json"))
        for new_index, f in enumerate(files[cut:]):
            shutil.copyfile(f, dst / f"{cam}.{new_index:04d}.json")
    shutil.copyfile(DEMO / "LICENSE", OUT / "LICENSE")


if __name__ == "__main__":
    make_json()
    print(f"wrote {OUT}", file=sys.stderr)

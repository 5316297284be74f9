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


def make_videos() -> None:
    """cam01.mp4 unchanged; cam03.mp4 re-encoded from its frame CUT on (frame-exact, via trim)."""
    import tempfile

    from videosync.video.writer import trim_videos

    videos = DEMO / "single-person" / "videos"
    shutil.copyfile(videos / "cam01.mp4", OUT / "cam01.mp4")
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        # input 0 = cam03, input 1 = cam01 with offset -CUT: the common start is cam03's frame CUT
        result = trim_videos([videos / "cam03.mp4", videos / "cam01.mp4"], [0, -CUT], tmp)
        cut = result.videos[0]
        assert cut.first_frame == CUT, cut
        shutil.move(str(cut.output), OUT / "cam03.mp4")


if __name__ == "__main__":
    make_json()
    make_videos()
    print(f"wrote {OUT}", file=sys.stderr)

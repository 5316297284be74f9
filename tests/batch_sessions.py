"""A folder of sessions built from the real Pose2Sim demo, for the batch tests.

The demo's four cameras are synchronized (true offset 0, see the data's README). A session with a
known offset k keeps equal-length windows of two cameras: the reference keeps original frames
[a, a + L), the other [b, b + L), both renumbered from 0. Frame i of the reference is then
original frame a + i, which is frame a + i - b of the other: k = a - b. (Equal lengths, so
nothing but the motion tells the offset.)
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from videosync.poses import load_poses, save_npz

#: The demo JSON folder for each camera, relative to the demo's single-person folder.
JSON = "pose-json-index-is-video-frame-minus-1/{cam}_json"


def cut_json(demo: Path, cam: str, first: int, length: int, dest: Path) -> Path:
    """Copy of a camera's OpenPose files [first, first + length), renumbered from 0, with a link to
    its video in ``videos/`` beside it (Pose2Sim's layout), where the frame rate and image size
    are read from. The session must use the JSON, not the video."""
    src = demo / JSON.format(cam=cam)
    dest.mkdir(parents=True)
    for i in range(length):
        shutil.copyfile(src / f"{cam}.{first + i:04d}.json", dest / f"{cam}.{i:04d}.json")
    (dest.parent / "videos").mkdir(exist_ok=True)
    (dest.parent / "videos" / f"{cam}.mp4").symlink_to(demo / "videos" / f"{cam}.mp4")
    return dest


def cut_npz(demo: Path, cam: str, first: int, length: int, dest: Path) -> Path:
    """A camera's demo poses over [first, first + length) as a .npz, renumbered from 0 (60 fps
    and the image size come from the demo video beside the JSON)."""
    track = load_poses(demo / JSON.format(cam=cam)).frames_between(first, first + length)
    return save_npz(track.with_keypoints(track.keypoints, track.frame_index - first), dest)


def cut_video(demo: Path, cam: str, first: int, dest: Path) -> Path:
    """A camera's demo video from frame ``first`` on, re-encoded (MPEG-4 part 2, same rate)."""
    import cv2

    src = cv2.VideoCapture(str(demo / "videos" / f"{cam}.mp4"))
    fps = src.get(cv2.CAP_PROP_FPS)
    dest.parent.mkdir(parents=True, exist_ok=True)
    out, index = None, 0
    while True:
        ok, frame = src.read()
        if not ok:
            break
        if index >= first:
            if out is None:
                height, width = frame.shape[:2]
                out = cv2.VideoWriter(str(dest), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
            out.write(frame)
        index += 1
    src.release()
    out.release()
    return dest


def nobody_json(dest: Path, n: int = 60) -> Path:
    """An OpenPose folder of a scene with nobody in it (every file has an empty people list)."""
    dest.mkdir(parents=True)
    for i in range(n):
        (dest / f"empty.{i:04d}.json").write_text(json.dumps({"version": 1.3, "people": []}))
    return dest


#: session -> {input name: expected offset in frames}, derived from the cuts in build_sessions.
EXPECTED = {
    "s01-json-plus7": {"cam01_json": 0, "cam02_json": 7},
    "s02-npz-minus12": {"cam03.npz": 0, "cam04.npz": -12},
    "s03-mixed-three": {"cam01_json": 0, "cam03.npz": -5, "cam04_json": -9},
}
#: a session of two videos, built by build_video_session: cam02 without its first 6 frames, so
#: cam01's frame i is the cut cam02's frame i - 6 (k = -6)
VIDEO_SESSION = ("s07-videos", {"cam01.mp4": 0, "cam02.mp4": -6})
#: session -> what its reason must say
BAD = {
    "s04-broken": "cam02.npz",
    "s05-nobody": "no person",
    "s06-one-camera": "at least two inputs",
}


def build_sessions(demo: Path, root: Path) -> Path:
    """The sessions of EXPECTED and BAD under ``root`` (and a folder that is not a session)."""
    L = 85
    s = root / "s01-json-plus7"  # a = 7, b = 0: k = +7
    cut_json(demo, "cam01", 7, L, s / "cam01_json")
    cut_json(demo, "cam02", 0, L, s / "cam02_json")
    s = root / "s02-npz-minus12"  # a = 0, b = 12: k = -12
    cut_npz(demo, "cam03", 0, L, s / "cam03.npz")
    cut_npz(demo, "cam04", 12, L, s / "cam04.npz")
    s = root / "s03-mixed-three"  # a = 0; b = 5 and 9: k = -5 and -9
    cut_json(demo, "cam01", 0, 80, s / "cam01_json")
    cut_npz(demo, "cam03", 5, 80, s / "cam03.npz")
    cut_json(demo, "cam04", 9, 80, s / "cam04_json")
    s = root / "s04-broken"  # a pose file cut short, as by a full disk
    cut_npz(demo, "cam01", 0, L, s / "cam01.npz")
    good = cut_npz(demo, "cam02", 0, L, s / "cam02.npz").read_bytes()
    (s / "cam02.npz").write_bytes(good[: len(good) // 2])
    nobody_json(root / "s05-nobody" / "cam01_json")
    nobody_json(root / "s05-nobody" / "cam02_json")
    cut_json(demo, "cam01", 0, L, root / "s06-one-camera" / "cam01_json")
    (root / "notes").mkdir()  # not a session: no inputs, left out
    (root / "notes" / "README.txt").write_text("recorded on a Tuesday\n")
    return root


def build_video_session(demo: Path, root: Path) -> Path:
    """VIDEO_SESSION under ``root``: its pose estimation is a Dask task per video."""
    s = root / VIDEO_SESSION[0]
    s.mkdir(parents=True)
    (s / "cam01.mp4").symlink_to(demo / "videos" / "cam01.mp4")
    cut_video(demo, "cam02", 6, s / "cam02.mp4")
    return s

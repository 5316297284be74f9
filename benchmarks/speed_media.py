"""Long recordings made from the Pose2Sim demo: the pose tracks `bench_speed.py` measures on
(:func:`long_tracks`), and video pairs (:func:`build_pair`) for the end-to-end figures of issue 22.

The demo is 100 frames (1.7 s) of one balancing trial filmed by 4 hardware-synchronized cameras
(portrait 1080x1920, 60 fps). A long recording is made from it by playing it forwards and
backwards ("ping-pong") with turn points drawn at random, so that no stretch of motion repeats at
a fixed period (a plain loop would make every offset a multiple of the loop ambiguous). Both
cameras follow the same sequence of source frames, so they stay synchronized; B then loses its
first ``CUT_FRAMES`` frames, so the true offset of B is ``-CUT_FRAMES`` (frame t of A shows the
instant of frame t - CUT_FRAMES of B). The 30 fps version takes every second entry of the 60 fps
sequence (the same motion at half the rate). Encoding: x264 CRF 20, one keyframe per second
(``-g fps``, no scene-cut keyframes), yuv420p, with the ffmpeg binary of imageio-ffmpeg; x264's
default preset (medium), or a faster one where named (the 10-minute pair: encoding 36,000 1080p
frames at medium takes hours on a shared 2-core machine; decoding them costs about the same).

Built once per (fps, minutes, seed) under ``data/speed/`` (git-ignored) and reused.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np

from benchmarks._paths import POSE2SIM_DEMO, REPO

VIDEOS = POSE2SIM_DEMO / "single-person" / "videos"
CAMERAS = ("cam01", "cam02")
#: frames of B cut at its start: the true offset of B is -CUT_FRAMES (at either rate)
CUT_FRAMES = 37
SOURCE_FPS = 60
#: a run between two turn points, in source frames: long enough to show a movement, short
#: enough that a 1-minute recording has dozens of them
MIN_RUN, MAX_RUN = 25, 99
CACHE = REPO / "data" / "speed"


def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def turn_sequence(n_source: int, n_out: int, seed: int) -> np.ndarray:
    """``n_out`` source frame numbers in [0, n_source): forwards and backwards one frame at a
    time, turning at random points (runs of MIN_RUN..MAX_RUN frames, bounded by the clip)."""
    rng = np.random.default_rng(seed)
    out = [0]
    direction = 1
    while len(out) < n_out:
        here = out[-1]
        room = (n_source - 1 - here) if direction > 0 else here
        if room < MIN_RUN:
            direction = -direction
            continue
        run = int(rng.integers(MIN_RUN, min(MAX_RUN, room) + 1))
        out.extend(here + direction * np.arange(1, run + 1))
        direction = -direction
    return np.asarray(out[:n_out], dtype=np.int64)


def _source_frames(camera: str) -> list[np.ndarray]:
    """The demo camera's frames as yuv420p planes (what the encoder takes, no colour conversion)."""
    import av

    with av.open(str(VIDEOS / f"{camera}.mp4")) as container:
        return [f.to_ndarray(format="yuv420p") for f in container.decode(video=0)]


def _encode(frames: list[np.ndarray], order: np.ndarray, fps: int, out: Path, preset: str) -> None:
    height = frames[0].shape[0] * 2 // 3
    width = frames[0].shape[1]
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp.mp4")
    cmd = [ffmpeg_exe(), "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{width}x{height}",
           "-r", str(fps), "-i", "-", "-c:v", "libx264", "-preset", preset, "-crf", "20", "-g", str(fps), "-keyint_min", str(fps),
           "-sc_threshold", "0", "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(tmp)]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    try:
        for k in order:
            proc.stdin.write(frames[int(k)].tobytes())
        proc.stdin.close()
        if proc.wait() != 0:
            raise RuntimeError(f"ffmpeg failed writing {out}")
    except BaseException:
        proc.kill()
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, out)


def build_pair(fps: int, minutes: float, seed: int = 0, preset: str = "medium", say=print) -> tuple[Path, Path]:
    """Paths of the (A, B) videos at ``fps`` (30 or 60) lasting ``minutes``; built if missing."""
    if SOURCE_FPS % fps:
        raise ValueError(f"fps must divide {SOURCE_FPS}")
    folder = CACHE / (f"{fps}fps-{minutes:g}min-seed{seed}" + ("" if preset == "medium" else f"-{preset}"))
    paths = (folder / "a.mp4", folder / "b.mp4")
    if all(p.exists() for p in paths):
        return paths
    folder.mkdir(parents=True, exist_ok=True)
    step = SOURCE_FPS // fps
    n_out = int(round(minutes * 60 * fps))
    order = turn_sequence(100, n_out * step, seed)[::step]
    (folder / "recipe.json").write_text(json.dumps({
        "cameras": CAMERAS, "fps": fps, "minutes": minutes, "seed": seed, "cut_frames_b": CUT_FRAMES, "preset": preset,
        "true_offset_b": -CUT_FRAMES, "source_frames": order.tolist()}))
    for camera, path, cut in zip(CAMERAS, paths, (0, CUT_FRAMES)):
        if path.exists():
            continue
        say(f"building {path.relative_to(REPO)} ({len(order) - cut} frames, {camera})")
        _encode(_source_frames(camera), order[cut:], fps, path, preset)
    return paths


def repeated_pair(copies: int, say=print) -> tuple[Path, Path]:
    """A pair ``copies`` minutes long made without encoding again: the 1-minute 30 fps pair's A
    (x264 medium) and the same 1-minute sequence of camera 2 (``b-uncut.mp4``, encoded once,
    preset ultrafast), each repeated ``copies`` times by stream copy, B without its first second
    (its first GOP: 30 frames, cut by stream copy), so the true offset of B is -30 frames.

    Why: encoding a 10-minute 1080p pair takes about an hour on the shared 2-core machine. The
    repeats make offsets a minute apart alike, which the analysis of a stretch does not see; the
    pair measures how the time of ``align`` grows with the length, not its choice among repeats.
    """
    a, _ = build_pair(30, 1, 0, say=say)
    folder = a.parent
    uncut = folder / "b-uncut.mp4"
    if not uncut.exists():
        order = np.asarray(json.loads((folder / "recipe.json").read_text())["source_frames"])
        say(f"building {uncut.relative_to(REPO)} ({len(order)} frames, {CAMERAS[1]})")
        _encode(_source_frames(CAMERAS[1]), order, 30, uncut, "ultrafast")
    out = CACHE / f"30fps-repeated-{copies}x"
    paths = (out / "a.mp4", out / "b.mp4")
    if all(p.exists() for p in paths):
        return paths
    out.mkdir(parents=True, exist_ok=True)
    for source, path, skip in ((a, paths[0], None), (uncut, paths[1], "1")):
        listing = out / f".{path.stem}.txt"
        listing.write_text("".join(f"file '{source}'\n" for _ in range(copies)))
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.mp4")
        cmd = [ffmpeg_exe(), "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing),
               *(["-ss", skip] if skip else []), "-c", "copy", "-an", str(tmp)]
        subprocess.run(cmd, check=True)
        os.replace(tmp, path)
        listing.unlink()
    return paths


JSON = POSE2SIM_DEMO / "single-person" / "pose-json-index-is-video-frame-minus-1"


def long_tracks(n_frames: int, offset: int, fps: int = 30, seed: int = 1):
    """Two ``n_frames`` pose tracks of the demo's OpenPose JSON (cam01, cam02) played back and
    forth like the videos, B starting ``offset`` frames later: the true offset of B is -offset."""
    from videosync.poses import load_poses

    step = SOURCE_FPS // fps
    order = turn_sequence(100, (n_frames + offset) * step, seed)[::step]
    out = []
    for camera, first in zip(CAMERAS, (0, offset)):
        track = load_poses(JSON / f"{camera}_json", fps=SOURCE_FPS, size=(1080, 1920)).dense()
        rows = np.clip(order[first:first + n_frames], 0, len(track) - 1)
        out.append(track.with_keypoints(track.keypoints[rows], np.arange(n_frames)))
        out[-1].fps = float(fps)
        out[-1].source = f"{camera}-{n_frames}-frames"
    return tuple(out)

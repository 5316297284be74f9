"""Pose2Sim demo pairs with real sound beside their poses, as a user's folders look: ``camNN_json/``
(the demo's own OpenPose JSON, cut to a window and renumbered from 0) next to ``camNN.mp4`` (a
grey video of the same frames with the sound that camera heard: real speech, late by its own
audio-video skew and distance). The demo's cameras are synchronized, so the true offset is the
cut. Repeated motion: the demo played forwards and backwards (a cycle of 198 frames), B starting
half a cycle later, so two offsets a cycle apart fit the poses equally."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from tests.audio.media import SPEECH, load, room, write_video
from tests.conftest import SHARED

DEMO_JSON = SHARED / "data" / "pose2sim-demo" / "single-person" / "pose-json-index-is-video-frame-minus-1"
FPS, RATE, N = 60, 48_000, 100
SIZE = (1080.0, 1920.0)  # the demo videos' size: the grey stand-in videos are small


def loop_orders(half: int) -> tuple[list[int], list[int], int]:
    """Frames (demo numbers) of A and B over two forwards-and-backwards cycles, B ``half`` frames
    later into the loop; the true offset (frame i of A = frame i + k of B) is ``-half``."""
    cycle = list(range(N)) + list(range(N - 2, 0, -1))
    loop = cycle * 3
    length = 2 * len(cycle)
    return loop[:length], loop[half : half + length], -half


def write_camera(folder: Path, cam: str, order: list[int], sound: np.ndarray | None) -> Path:
    """``folder/cam_json`` with the JSON of the frames in ``order`` renumbered 0.., and
    ``folder/cam.mp4`` beside it with ``sound``; returns the JSON folder."""
    out = folder / f"{cam}_json"
    out.mkdir(parents=True)
    for j, f in enumerate(order):
        shutil.copyfile(DEMO_JSON / f"{cam}_json" / f"{cam}.{f:04d}.json", out / f"{cam}.{j:04d}.json")
    write_video(folder / f"{cam}.mp4", len(order), FPS, sound, RATE)
    return out


def heard(speech: np.ndarray, start_frame: int, n_frames: int, delay_s: float, seed: int) -> np.ndarray:
    """What a camera whose window starts at scene frame ``start_frame`` records: the speech
    ``delay_s`` late (its skew + distance / 343 m/s), in a reverberant room with noise."""
    first = int(round((start_frame / FPS - delay_s) * RATE)) + RATE  # the speech starts 1 s before the scene
    x = speech[first : first + int(n_frames / FPS * RATE)]
    return room(x, RATE, rt60=0.4, snr_db=20, seed=seed)


def repeated_motion_pair(folder: Path, half: int = 99, cams=("cam01", "cam03"),
                         delays_s=(0.012 + 2 / 343, -0.008 + 4 / 343)) -> tuple[Path, Path, int]:
    """Two camera folders of the looped demo with speech; returns both JSON folders and the truth."""
    order_a, order_b, truth = loop_orders(half)
    speech = load(SPEECH, RATE)
    a = write_camera(folder, cams[0], order_a, heard(speech, 0, len(order_a), delays_s[0], 1))
    b = write_camera(folder, cams[1], order_b, heard(speech, half, len(order_b), delays_s[1], 2))
    return a, b, truth

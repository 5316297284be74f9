"""Real pairs for the report split: the Pose2Sim single-person demo (4 cameras, 100 frames at 60
fps, true offset 0: ``shared/data/pose2sim-demo/README.md``), cut by known offsets.

Each pair is two windows of ``WINDOW`` frames, A from one camera and B from another, placed so
that frame i of A shows the instant of frame i + k of B; the window length is the same for every
k, so nothing but the motion tells k. Poses come from the demo's OpenPose JSON (BODY_25B) and
from the demo videos through the project's own pose estimation (MediaPipe here). Two conditions
are added to the JSON pairs: B read as an OpenPose folder without its video (rate assumed 30 fps,
size from the extent) and B's camera on its side (a quarter turn).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from benchmarks._paths import POSE2SIM_DEMO
from videosync.poses import PoseTrack, load_poses
from videosync.synth.scenarios import Truth, View, assume_rate, true_offsets, turn_image

CAMERAS = ("cam01", "cam02", "cam03", "cam04")
#: Offsets (frames) cut into every camera pair, and the fewer that the added conditions get.
KS = tuple(range(-20, 21, 5))
CONDITION_KS = (-10, 0, 10)
#: Frames per window: the 100-frame recording less the largest offset.
WINDOW = 80
SOURCES = ("openpose-json", "mediapipe-video")


DEMO = POSE2SIM_DEMO / "single-person"


@dataclass
class RealCase:
    id: str
    a: PoseTrack
    b: PoseTrack
    truth: Truth
    tags: dict[str, Any] = field(default_factory=dict)


def demo_tracks(source: str) -> dict[str, PoseTrack]:
    """Each camera's poses: the OpenPose JSON (frame rate and size from the videos beside them) or
    the videos' own pose estimation (cached)."""
    if source == "openpose-json":
        folder = DEMO / "pose-json-index-is-video-frame-minus-1"
        return {cam: load_poses(folder / f"{cam}_json") for cam in CAMERAS}
    from videosync.estimate import estimate_poses

    return {cam: estimate_poses(DEMO / "videos" / f"{cam}.mp4", backend="auto", cache=True) for cam in CAMERAS}


def cut(track: PoseTrack, start: int, length: int) -> View:
    """Frames ``[start, start + length)`` renumbered from 0, with their capture times."""
    part = track.frames_between(start, start + length)
    view = View(part, part.frame_index / track.fps)
    return view.with_track(part.with_keypoints(part.keypoints, part.frame_index - start))


def pair(a: PoseTrack, b: PoseTrack, k: int, length: int = WINDOW) -> tuple[View, View]:
    """Windows of two synchronized tracks such that the true offset is ``k``, centred in the
    recording (``n - length`` frames to spare)."""
    n = min(int(a.frame_index[-1]), int(b.frame_index[-1])) + 1
    start = max(0, k) + (n - length - abs(k)) // 2
    return cut(a, start, length), cut(b, start - k, length)


def real_cases(sources: tuple[str, ...] = SOURCES) -> list[RealCase]:
    """Every camera pair at every offset of ``KS`` from each source; the JSON pairs also with B's
    rate unknown and B on its side at ``CONDITION_KS``."""
    out = []
    for source in sources:
        tracks = demo_tracks(source)
        conditions = [("", KS)] + ([("rate-unknown", CONDITION_KS), ("quarter-turn", CONDITION_KS)]
                                   if source == "openpose-json" else [])
        for (ca, cb), (condition, ks) in itertools.product(itertools.combinations(CAMERAS, 2), conditions):
            for k in ks:
                a, b = pair(tracks[ca], tracks[cb], k)
                truth = true_offsets(a, b, rate=1.0)
                if condition == "rate-unknown":
                    b = assume_rate(b)
                elif condition == "quarter-turn":
                    b = turn_image(b, 1)
                case_id = f"real-{source}-{ca}-{cb}-k{k:+d}" + (f"-{condition}" if condition else "")
                tags = {"source": source, "cameras": f"{ca}-{cb}", "k": k, "motion": "balancing",
                        "repeated": False, "conditions": [source] + ([condition] if condition else [])}
                out.append(RealCase(case_id, a.track, b.track, truth, tags))
    return out

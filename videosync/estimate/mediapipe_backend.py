"""MediaPipe Pose (BlazePose GHUM, legacy ``mediapipe.solutions.pose``): the fast CPU default.

Fully offline: the "full" landmark model (``model_complexity=1``) and the person detector ship inside
the mediapipe wheel. The "lite" and "heavy" models are downloaded by MediaPipe on first use, so we
never ask for them.

Scores: MediaPipe's per-landmark ``visibility`` (likelihood that the point is in the image and not
occluded) is used as the joint score. Landmarks MediaPipe places outside the image are guesses
beyond what the camera saw; they get score 0 (missing).

More than one person: MediaPipe Pose follows a single person, the one its detector finds most
salient, which is not necessarily the subject (in the multi-person demo it picks the composited
woman in front of the participant). So up to ``max_people`` trackers run per frame: tracker k sees
the frame with the people of trackers 0..k-1 painted over (thick grey strokes along their
skeletons, so someone standing behind stays mostly visible), which makes it lock onto someone else.
Every tracker keeps MediaPipe's own frame-to-frame ROI tracking, so a person, once found, is
followed instead of re-detected. A tracker that has found nobody for
a few frames in a row looks again only every ``rescan_every`` frames: a video with one person then costs little more than one tracker. Which of the people found is *the* subject is decided over the
whole clip by the subject tracker, from size and persistence, not here per frame.

In the single-person demo (cam01, cam02) the background bystander is small and masked; MediaPipe
never detects her (checked with the masking above: the second tracker finds nobody), so those
videos give the participant in every frame.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterable, Iterator

import numpy as np

from videosync.estimate.base import FramePeople, PoseBackend, empty_people
from videosync.poses.layouts import NUM_JOINTS
from videosync.tunables import DUPLICATE_DISTANCE, MISSES_BEFORE_IDLE
from videosync.video.probe import VideoInfo
from videosync.video.reader import Frame

log = logging.getLogger(__name__)

#: MediaPipe's 33 landmark index for each COCO-17 joint (nose, left/right eye, ear, shoulder,
#: elbow, wrist, hip, knee, ankle). MediaPipe's "left" is the person's left, as in COCO.
MEDIAPIPE_TO_COCO17: tuple[int, ...] = (0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28)
assert len(MEDIAPIPE_TO_COCO17) == NUM_JOINTS

#: The only landmark model in the wheel (0 = lite and 2 = heavy would be downloaded).
MODEL_COMPLEXITY = 1
MODEL_NAME = "blazepose-full"



def landmarks_to_coco17(landmarks: np.ndarray) -> np.ndarray:
    """``(33, 3)`` MediaPipe landmarks (px, px, visibility) -> ``(17, 3)`` COCO-17."""
    return np.asarray(landmarks, dtype=np.float32)[list(MEDIAPIPE_TO_COCO17)].copy()


def _import_mediapipe():
    """Import mediapipe without its log noise on stderr (glog lines, a protobuf deprecation)."""
    import os
    import warnings

    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    warnings.filterwarnings("ignore", message=r"SymbolDatabase\.GetPrototype\(\) is deprecated")
    import mediapipe as mp

    return mp


@contextlib.contextmanager
def _native_stderr_silenced():
    """Hide what MediaPipe's C++ side prints to file descriptor 2 while its graphs start up.

    Starting a graph prints TFLite/absl lines ("Created TensorFlow Lite XNNPACK delegate",
    "Feedback manager requires a model with a single signature") that no setting turns off and
    that would garble the CLI's progress bar. Only the start-up is silenced, never inference.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, AttributeError, ValueError):
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _landmark_array(result_landmarks, width: int, height: int) -> np.ndarray:
    """MediaPipe's normalised landmark list -> ``(33, 3)`` pixels + visibility (0 outside the image)."""
    arr = np.array([(lm.x, lm.y, lm.visibility) for lm in result_landmarks.landmark], dtype=np.float32)
    arr[:, 0] *= width
    arr[:, 1] *= height
    outside = (arr[:, 0] < 0) | (arr[:, 0] >= width) | (arr[:, 1] < 0) | (arr[:, 1] >= height)
    arr[outside, 2] = 0.0
    arr[:, 2] = np.clip(arr[:, 2], 0.0, 1.0)
    return arr


def _height(landmarks: np.ndarray) -> float:
    xy = landmarks[:, :2]
    return float(max(np.ptp(xy[:, 1]), np.ptp(xy[:, 0]), 1.0))


def _is_duplicate(new: np.ndarray, found: list[np.ndarray]) -> bool:
    for other in found:
        d = np.median(np.linalg.norm(new[:, :2] - other[:, :2], axis=1))
        if d < DUPLICATE_DISTANCE * max(_height(new), _height(other)):
            return True
    return False


def _paint_over(image_rgb: np.ndarray, landmarks: np.ndarray) -> None:
    """Hide one person from MediaPipe's detector: thick strokes along the skeleton, a disc on the head."""
    import cv2

    mp = _import_mediapipe()
    size = _height(landmarks)
    thick = max(6, int(0.12 * size))
    pts = np.round(landmarks[:, :2]).astype(np.int64)
    colour = (127, 127, 127)
    for a, b in mp.solutions.pose.POSE_CONNECTIONS:
        cv2.line(image_rgb, tuple(map(int, pts[a])), tuple(map(int, pts[b])), colour, thick)
    head = pts[:11]  # face landmarks
    centre = head.mean(axis=0).astype(int)
    radius = int(max(np.linalg.norm(pts[11] - pts[12]) * 0.6, np.ptp(head, axis=0).max(), thick))
    cv2.circle(image_rgb, tuple(map(int, centre)), radius, colour, -1)


class MediaPipeBackend(PoseBackend):
    """MediaPipe Pose, up to ``max_people`` people per frame (see the module docstring)."""

    name = "mediapipe"
    model = MODEL_NAME
    channels = "rgb"  # MediaPipe's own layout: frames decoded straight to it need no conversion

    def __init__(
        self,
        max_people: int = 2,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
        rescan_every: int = 10,
    ) -> None:
        if max_people < 1:
            raise ValueError("max_people must be >= 1")
        self.max_people = max_people
        self.rescan_every = max(1, rescan_every)
        self.min_detection_confidence = min_detection_confidence
        self.min_tracking_confidence = min_tracking_confidence

    def describe(self) -> dict:
        return {**super().describe(), "max_people": self.max_people}

    def _new_trackers(self) -> list:
        mp = _import_mediapipe()

        # smooth_landmarks=False: MediaPipe's smoothing filter lags fast motion by a frame or two,
        # and a lag that depends on speed is exactly what synchronization must not see.
        return [
            mp.solutions.pose.Pose(
                static_image_mode=False,
                model_complexity=MODEL_COMPLEXITY,
                smooth_landmarks=False,
                enable_segmentation=False,
                min_detection_confidence=self.min_detection_confidence,
                min_tracking_confidence=self.min_tracking_confidence,
            )
            for _ in range(self.max_people)
        ]

    def iter_landmarks(self, frames: Iterable[Frame]) -> Iterator[tuple[Frame, list[np.ndarray]]]:
        """Per frame: the frame and the ``(33, 3)`` landmarks (px + visibility) of each person found.

        Exposed for the MMPose backend, which uses these people as its person boxes.
        """
        import cv2

        with _native_stderr_silenced():
            trackers = self._new_trackers()
        started = [False] * len(trackers)
        misses = [0] * len(trackers)
        n_seen = 0
        try:
            for frame in frames:
                h, w = frame.image.shape[:2]
                own = frame.channels != "rgb"  # a converted copy is ours to paint on
                rgb = cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB) if own else frame.image
                found: list[np.ndarray] = []
                painted = 0
                for k, tracker in enumerate(trackers):
                    if k > 0 and not found:
                        break  # the detector saw nobody on the whole frame: nobody else to find
                    if k > 0 and misses[k] >= MISSES_BEFORE_IDLE and n_seen % self.rescan_every:
                        continue  # has found nobody for a while: look again every rescan_every frames
                    if not own and found[painted:]:
                        rgb, own = rgb.copy(), True  # never paint on the caller's frame
                    for lms in found[painted:]:
                        _paint_over(rgb, lms)
                    painted = len(found)
                    if started[k]:
                        result = tracker.process(rgb)
                    else:
                        with _native_stderr_silenced():
                            result = tracker.process(rgb)
                        started[k] = True
                    misses[k] += 1
                    if result.pose_landmarks is None:
                        continue
                    lms = _landmark_array(result.pose_landmarks, w, h)
                    if (lms[:, 2] > 0).sum() < 2 or _is_duplicate(lms, found):
                        continue
                    found.append(lms)
                    misses[k] = 0
                n_seen += 1
                yield frame, found
        finally:
            for tracker in trackers:
                tracker.close()

    def estimate(self, frames: Iterable[Frame], info: VideoInfo) -> Iterator[FramePeople]:
        for frame, found in self.iter_landmarks(frames):
            people = np.stack([landmarks_to_coco17(lm) for lm in found]) if found else empty_people()
            yield frame.index, people

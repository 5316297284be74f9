"""Where the MMPose backend's person boxes come from, with HRNet and MediaPipe stubbed out."""

from __future__ import annotations

import numpy as np

from videosync.estimate.mmpose_backend import MMPoseBackend
from videosync.tunables import MAX_BOX_CARRY
from videosync.video.reader import Frame


class Stub(MMPoseBackend):
    """The box logic of MMPoseBackend without mmpose: HRNet returns a person filling each box."""

    def __init__(self, landmarks_per_frame):
        self.batch_size = 4
        self.min_mean_score = 0.2
        self.calls: list[list[tuple[float, ...]]] = []
        frames = [Frame(i, np.zeros((100, 200, 3), np.uint8)) for i in range(len(landmarks_per_frame))]
        outer = self

        class Boxes:
            def iter_landmarks(self, _frames):
                yield from zip(frames, landmarks_per_frame)

        self.boxes = Boxes()
        self.frames = frames

        def predict(crops):
            outer.calls.append([tuple(np.round(b, 1)) for _, b in crops])
            out = np.zeros((len(crops), 17, 3), np.float32)
            for i, (_, (x0, y0, x1, y1)) in enumerate(crops):
                out[i, :, 0] = np.linspace(x0 + 10, x1 - 10, 17)
                out[i, :, 1] = np.linspace(y0 + 10, y1 - 10, 17)
                out[i, :, 2] = 0.9
            return out

        self.predict_boxes = predict


def person_landmarks(x0, y0, x1, y1):
    lm = np.zeros((33, 3), np.float32)
    lm[:, 0] = np.linspace(x0, x1, 33)
    lm[:, 1] = np.linspace(y0, y1, 33)
    lm[:, 2] = 1
    return lm


def test_mediapipe_boxes_then_carried_boxes_then_nothing():
    someone = [person_landmarks(80, 20, 120, 80)]
    frames = [someone, someone] + [[]] * (MAX_BOX_CARRY + 2)
    stub = Stub(frames)
    out = list(stub.estimate(stub.frames, None))
    assert [i for i, _ in out] == list(range(len(frames)))
    # the padded box (1.25x) around the landmarks: centre (100, 50), half size 25 x 37.5
    assert stub.calls[0] == [(75.0, 12.5, 125.0, 87.5), (75.0, 12.5, 125.0, 87.5)]  # 2 frames, 1 batch
    n_people = [len(p) for _, p in out]
    assert n_people == [1, 1] + [1] * MAX_BOX_CARRY + [0, 0]


def test_full_frame_box_until_someone_is_found():
    stub = Stub([[], []])
    out = list(stub.estimate(stub.frames, None))
    assert stub.calls[0] == [(0.0, 0.0, 199.0, 99.0)]
    assert len(out[0][1]) == 1  # found in the full frame -> carried to the next frame
    assert len(stub.calls) == 2


def test_low_scoring_people_are_dropped():
    stub = Stub([[person_landmarks(80, 20, 120, 80)]])
    stub.min_mean_score = 0.95
    out = list(stub.estimate(stub.frames, None))
    assert out[0][1].shape == (0, 17, 3)

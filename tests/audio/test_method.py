"""AudioMethod: pose tracks in, the offset between their videos' frame numbers out."""

from __future__ import annotations

import numpy as np
import pytest

from videosync.audio import NoAudioError
from videosync.poses import PoseTrack
from videosync.sync.bounds import OffsetBounds
from videosync.sync.methods.audio import AudioMethod, media_path

from tests.audio.media import SPEECH, load, room, write_video


def track_of(video, fps: float, n: int = 10, meta: dict | None = None, source: str | None = None) -> PoseTrack:
    kp = np.ones((n, 17, 3), np.float32)
    return PoseTrack(kp, fps=fps, width=64, height=48, source=str(video) if source is None else source,
                     meta=meta or {})


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """Two 30 fps videos of one scene: B started recording 0.5 s (15 frames) after A."""
    d = tmp_path_factory.mktemp("pair")
    rate, fps = 48_000, 30
    speech = load(SPEECH, rate)[: 10 * rate]
    a = write_video(d / "a.mp4", 8 * fps, fps, room(speech[: 8 * rate], rate, snr_db=25, seed=1), rate)
    b = write_video(d / "b.mp4", 8 * fps, fps,
                    room(speech[rate // 2 : rate // 2 + 8 * rate], rate, rt60=0.3, snr_db=15, seed=2), rate)
    return a, b, fps


def test_the_offset_comes_out_in_frames_as_the_pose_methods_give_it(pair):
    a, b, fps = pair
    est = AudioMethod().estimate(track_of(a, fps), track_of(b, fps))
    # frame i of A is frame i - 15 of B (B started 15 frames later)
    assert est.method == "audio"
    assert abs(est.offset_frames - (-15.0)) < 0.03  # 1 ms = 0.03 frames at 30 fps
    assert est.offset_seconds == pytest.approx(est.offset_frames / fps)
    assert est.rate == 1.0 and est.confidence > 0.5 and not est.notes
    assert est.diagnostics["uncertainty_frames"] < 0.03


def test_max_offset_bounds_the_search(pair):
    a, b, fps = pair
    est = AudioMethod().estimate(track_of(a, fps), track_of(b, fps), bounds=OffsetBounds(10))
    assert abs(est.offset_frames) <= 10.5  # the true -15 is outside: it cannot be given
    assert est.confidence < 0.5 or abs(est.offset_frames + 15) < 0.1


def test_an_openpose_folder_reaches_its_video_through_meta(pair, tmp_path):
    a, b, fps = pair
    ta = track_of(a, fps, source=str(tmp_path / "cam1_json"), meta={"video": str(a)})
    assert media_path(ta) == a
    est = AudioMethod().estimate(ta, track_of(b, fps))
    assert abs(est.offset_frames + 15) < 0.03


def test_poses_without_a_video_have_no_sound(tmp_path, pair):
    a, _, fps = pair
    orphan = track_of(a, fps, source=str(tmp_path / "poses.npz"))
    with pytest.raises(NoAudioError, match="poses.npz: cannot synchronize: no sound"):
        AudioMethod().estimate(orphan, track_of(a, fps))


def test_a_mute_video_is_refused_with_its_name(tmp_path, pair):
    a, _, fps = pair
    mute = write_video(tmp_path / "mute.mp4", 30, fps, None)
    with pytest.raises(NoAudioError, match="mute.mp4: cannot synchronize: no audio stream"):
        AudioMethod().estimate(track_of(a, fps), track_of(mute, fps))

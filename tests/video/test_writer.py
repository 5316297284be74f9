"""Synchronized copies checked by decoding them: which frame each starts with, how many, the audio.

The synthetic scene: every frame shows a "world instant" number w. Camera a shows w = j + 100 at
its frame j, camera b w = j + 93 (so a's frame t = b's frame t + 7: offset 7), camera c
w = j + 105 (offset -5). Clicks in the audio happen at world instants, at the same w in every
camera that has audio. After trimming, frame m of every copy must show the same w, and each click
must sound at the same time in every copy.
"""

from __future__ import annotations

import os
from pathlib import Path

import av
import pytest

from videosync.errors import CannotSynchronizeError, VideoError, VideosyncError
from videosync.video import transcode, writer
from videosync.video.writer import output_paths, trim_videos

from .media import click_times, decode_numbers, has_audio, make_video

FPS = 30
CLICK_W = [110, 125]  # world instants of the clicks


def camera(path: Path, w0: int, n: int, audio: bool = True, fps: int = FPS) -> Path:
    clicks = [(w - w0) / fps for w in CLICK_W if 0 <= w - w0 < n] if audio else None
    return make_video(path, [w0 + j for j in range(n)], fps, clicks_s=clicks)


@pytest.fixture(scope="module")
def scene(tmp_path_factory) -> list[Path]:
    d = tmp_path_factory.mktemp("scene")
    return [
        camera(d / "a.mp4", 100, 40),
        camera(d / "b.mp4", 93, 50),
        camera(d / "c.mp4", 105, 30, audio=False),
    ]


def listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder)) if folder.exists() else []


def test_fixture_clicks_are_where_they_were_put(scene):
    # guards the audio checks below: the source clicks sit at their frame's time (±1 ms)
    assert click_times(scene[0]) == pytest.approx([10 / FPS, 25 / FPS], abs=1e-3)


def test_copies_start_at_the_same_instant_with_audio_aligned(scene, tmp_path):
    seen = []
    result = trim_videos(scene, [0, 7, -5], tmp_path / "out", progress=lambda d, t: seen.append((d, t)))
    # common start: world 105 (c's first frame) = a frame 5, b frame 12, c frame 0
    assert [v.first_frame for v in result.videos] == [5, 12, 0]
    assert [v.n_frames for v in result.videos] == [35, 38, 30]  # each to its own end
    for v, n in zip(result.videos, [35, 38, 30]):
        numbers, fps, rotation = decode_numbers(v.output)
        assert numbers == list(range(105, 105 + n))
        assert fps == FPS and rotation == 0
        assert (v.width, v.height, v.fps) == (112, 64, FPS)
    assert result.start_seconds == pytest.approx(5 / FPS)
    assert not result.offsets_rounded and not result.audio_dropped and result.backend == "pyav"
    assert [v.has_audio for v in result.videos] == [True, True, False]
    assert [v.audio_kept for v in result.videos] == [True, True, False]
    # clicks at world 110 and 125 -> 5 and 20 frames after the copies' start, in a and b alike
    expected = [5 / FPS, 20 / FPS]
    assert click_times(result.videos[0].output) == pytest.approx(expected, abs=2e-3)
    assert click_times(result.videos[1].output) == pytest.approx(expected, abs=2e-3)
    assert not has_audio(result.videos[2].output)
    assert seen[-1] == (103, 103) and len(seen) == 103
    assert listing(tmp_path / "out") == ["a.mp4", "b.mp4", "c.mp4"]  # no temp files left


def test_common_end_and_rounded_offsets(scene, tmp_path):
    result = trim_videos(scene, [0, 6.6, -5.4], tmp_path, common_end=True)
    assert result.offsets_rounded and any("rounded" in n for n in result.notes)
    assert [v.offset_frames_used for v in result.videos] == [0, 7, -5]
    for v in result.videos:
        numbers, _, _ = decode_numbers(v.output)
        assert numbers == list(range(105, 135))  # c ends first, at world 134
        assert v.n_frames == 30
    # the audio window ends with the video: 30 frames = 1 s (AAC pads its last packet)
    with av.open(str(result.videos[1].output)) as c:
        assert float(c.streams.audio[0].duration * c.streams.audio[0].time_base) == pytest.approx(1.0, abs=0.025)


def test_existing_output_is_refused_before_writing(scene, tmp_path):
    first = trim_videos(scene[:2], [0, 7], tmp_path)
    before = {v.output: v.output.read_bytes() for v in first.videos}
    (tmp_path / "b.mp4").unlink()  # only a.mp4 is in the way: still nothing may be written
    with pytest.raises(VideosyncError, match="a.mp4: already exists.*overwrite"):
        trim_videos(scene[:2], [0, 7], tmp_path)
    assert listing(tmp_path) == ["a.mp4"]
    assert (tmp_path / "a.mp4").read_bytes() == before[tmp_path / "a.mp4"]
    again = trim_videos(scene[:2], [0, 3], tmp_path, overwrite=True)
    assert [v.first_frame for v in again.videos] == [0, 3]
    assert decode_numbers(tmp_path / "b.mp4")[0][0] == 96


def test_output_over_an_input_is_refused_even_with_overwrite(tmp_path):
    src = camera(tmp_path / "cam.mp4", 0, 10, audio=False)
    data = src.read_bytes()
    with pytest.raises(VideosyncError, match="written over that input"):
        trim_videos([src], [0], tmp_path, overwrite=True)
    assert src.read_bytes() == data and listing(tmp_path) == ["cam.mp4"]


def test_unwritable_output_folder_is_named(scene, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(VideosyncError, match="file/out: cannot create the output folder"):
        trim_videos(scene[:2], [0, 7], blocker / "out")
    assert listing(tmp_path) == ["file"]


def test_non_overlapping_inputs_are_refused_before_anything_is_written(scene, tmp_path):
    with pytest.raises(CannotSynchronizeError, match="do not overlap"):
        trim_videos(scene[:2], [0, 60], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_failure_midway_leaves_no_output(scene, tmp_path):
    def stop_in_third_video(done: int, total: int) -> None:
        if done == 35 + 38 + 3:  # a and b are complete, c is under way
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        trim_videos(scene, [0, 7, -5], tmp_path, progress=stop_in_third_video)
    assert listing(tmp_path) == []


def test_failing_input_leaves_no_output(scene, tmp_path, monkeypatch):
    calls = []
    real = transcode.copy_frames_pyav

    def flaky(src, dst, plan, **kw):
        calls.append(src)
        if len(calls) == 3:
            raise VideoError("cannot decode", src)
        return real(src, dst, plan, **kw)

    monkeypatch.setattr(transcode, "copy_frames_pyav", flaky)
    with pytest.raises(VideoError, match="c.mp4: cannot decode"):
        trim_videos(scene, [0, 7, -5], tmp_path)
    assert len(calls) == 3 and listing(tmp_path) == []


def test_same_names_from_different_folders_get_distinct_outputs(tmp_path):
    a = camera((tmp_path / "day1").mkdir() or tmp_path / "day1" / "cam.mp4", 0, 12, audio=False)
    b = camera((tmp_path / "day2").mkdir() or tmp_path / "day2" / "cam.mp4", 0, 12, audio=False)
    result = trim_videos([a, b], [0, 2], tmp_path / "out")
    assert [v.output.name for v in result.videos] == ["cam.mp4", "cam-2.mp4"]
    assert decode_numbers(tmp_path / "out" / "cam-2.mp4")[0] == list(range(2, 12))


def test_output_names():
    got = output_paths([Path("a/cam.mp4"), Path("b/cam.mp4"), Path("c/cam-2.mp4")], Path("o"))
    assert [p.name for p in got] == ["cam.mp4", "cam-3.mp4", "cam-2.mp4"]
    got = output_paths([Path("x/Cam.MOV"), Path("y/cam.mp4")], Path("o"))
    assert [p.name for p in got] == ["Cam.mp4", "cam-2.mp4"]


def test_different_frame_rates_refused_or_resampled(tmp_path):
    # a: 30 fps, frame j shows j; b: 60 fps, frame j shows j; b's frame 6 is a's frame 0
    a = make_video(tmp_path / "a.mp4", list(range(30)), 30, clicks_s=[5 / 30])
    b = make_video(tmp_path / "b.mp4", list(range(60)), 60, clicks_s=[16 / 60])
    with pytest.raises(VideosyncError, match="30 fps.*60 fps.*--fps"):
        trim_videos([a, b], [0, 6], tmp_path / "out")
    result = trim_videos([a, b], [0, 6], tmp_path / "out", fps=30)
    assert result.resampled
    numbers_a, fps_a, _ = decode_numbers(result.videos[0].output)
    numbers_b, fps_b, _ = decode_numbers(result.videos[1].output)
    assert fps_a == fps_b == 30
    assert numbers_a == list(range(30))
    assert numbers_b == [2 * m + 6 for m in range(27)]
    # both clicks happen at 10/60 s after the common start
    for v in result.videos:
        assert click_times(v.output) == pytest.approx([10 / 60], abs=2e-3)


def test_rotated_phone_video_is_written_upright(tmp_path):
    src = make_video(tmp_path / "phone.mp4", list(range(50, 60)), 30, rotation=90)
    result = trim_videos([src], [0], tmp_path / "out")
    v = result.videos[0]
    numbers, _, rotation = decode_numbers(v.output)  # read_pattern asserts the upright size
    assert numbers == list(range(50, 60)) and rotation == 0
    assert (v.width, v.height, v.rotation) == (112, 64, 90)


def test_matroska_input_without_frame_count(tmp_path):
    ref = make_video(tmp_path / "ref.mp4", list(range(20)), 25)
    src = make_video(tmp_path / "cam.mkv", list(range(20)), 25)
    result = trim_videos([ref, src], [0, 4], tmp_path / "out", common_end=True)
    assert result.videos[1].output.name == "cam.mp4"
    assert decode_numbers(result.videos[1].output)[0] == list(range(4, 20))


def test_opencv_fallback_says_audio_was_dropped(scene, tmp_path):
    result = trim_videos(scene[:2], [0, 7], tmp_path, backend="opencv")
    assert result.backend == "opencv" and result.audio_dropped
    assert any("audio" in n for n in result.notes)
    for v, n in zip(result.videos, [40, 43]):
        assert not v.audio_kept and v.has_audio is None
        assert decode_numbers(v.output)[0] == list(range(100, 100 + n))
        assert not has_audio(v.output)


def test_auto_backend_falls_back_when_pyav_is_unusable(scene, tmp_path, monkeypatch):
    monkeypatch.setattr(transcode, "pyav_usable", lambda: False)
    assert writer._choose_backend("auto") == "opencv"
    with pytest.raises(VideosyncError, match="PyAV"):
        writer._choose_backend("pyav")


def test_missing_input(tmp_path):
    with pytest.raises(VideoError, match="nope.mp4: no such file"):
        trim_videos([tmp_path / "nope.mp4"], [0], tmp_path)


def test_resampled_audio_starts_at_the_instant_not_at_the_nearest_frame(tmp_path):
    # b (25 fps) has offset 2.5: its frame j is at world (j - 2.5) / 25 s, so the common start
    # (world 0) falls half-way between its frames 2 and 3; a click at world 0.2 s is at b's 0.3 s
    a = make_video(tmp_path / "a.mp4", list(range(30)), 30, clicks_s=[0.2])
    b = make_video(tmp_path / "b.mp4", list(range(25)), 25, clicks_s=[0.3])
    result = trim_videos([a, b], [0, 2.5], tmp_path / "out", fps=30)
    assert result.videos[1].first_frame == 2
    for v in result.videos:
        assert click_times(v.output) == pytest.approx([0.2], abs=2e-3)


def test_stereo_pcm_audio_in_matroska_is_cut_and_reencoded(tmp_path):
    # 16-bit interleaved stereo in, AAC out: the sample format and layout conversions on the way
    ref = make_video(tmp_path / "ref.mp4", list(range(30)), 30, clicks_s=[0.5])
    cam = make_video(tmp_path / "cam.mkv", list(range(30)), 30, clicks_s=[0.6],
                     audio_codec="pcm_s16le", channels=2)
    result = trim_videos([ref, cam], [0, 3], tmp_path / "out")
    assert [v.audio_kept for v in result.videos] == [True, True]
    with av.open(str(result.videos[1].output)) as c:
        assert c.streams.audio[0].codec_context.name == "aac"
        assert c.streams.audio[0].codec_context.layout.nb_channels == 2
    for v in result.videos:
        assert click_times(v.output) == pytest.approx([0.5], abs=2e-3)


@pytest.mark.parametrize("backend", ["pyav", "opencv"])
def test_variable_frame_rate_source_is_cut_by_timestamps(tmp_path, backend):
    """A 30 fps recording that lost frames 3, 4 and 11 but kept the timestamps of the others: the
    pose pipeline numbers its frames 0, 1, 2, 5, 6, ... (timestamps), so the copy must too, with
    either writer. Cut from frame 2 for 10 frames: slots 2..11, the lost ones filled by the next
    frame that exists."""
    from fractions import Fraction

    from tests.estimate.test_reader import _timestamped_video

    kept = [n for n in range(20) if n not in (3, 4, 11)]
    src = _timestamped_video(tmp_path / "vfr.mp4", {n: n for n in kept}, Fraction(1, 30), 30)
    from videosync.video.plan import FramePlan

    plan = FramePlan(first_frame=2, n_frames=10, fps_out=Fraction(30), offset_used=0.0)
    if backend == "pyav":
        outcome = transcode.copy_frames_pyav(src, tmp_path / "cut.mp4", plan, keep_audio=False)
    else:
        outcome = transcode.copy_frames_opencv(src, tmp_path / "cut.mp4", plan)
    assert outcome.n_frames == 10
    numbers, fps, _ = decode_numbers(tmp_path / "cut.mp4")
    assert numbers == [2, 5, 5, 5, 6, 7, 8, 9, 10, 12]

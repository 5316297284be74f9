"""The threaded reader: frame numbers, seeking, damaged and non-video files."""

from __future__ import annotations

import numpy as np
import pytest

from tests.estimate._helpers import destroy_frame, level, write_video
from videosync.errors import VideoError
from videosync.video.reader import VideoReader, read_frames


def test_reads_every_frame_in_order_with_its_number(tmp_path):
    path = write_video(tmp_path / "v.avi", 12)
    frames = list(read_frames(path))
    assert [f.index for f in frames] == list(range(12))
    for f in frames:
        assert f.image.shape == (48, 64, 3)
        assert abs(level(f.image) - 6 * f.index) < 3


def test_seek_into_a_gop_gives_the_exact_frames(tmp_path):
    # mp4v (MPEG-4 part 2) has a keyframe every 12 frames: frame 17 needs decoding from 12 on.
    path = write_video(tmp_path / "v.mp4", 30, fourcc="mp4v")
    frames = list(read_frames(path, start_frame=17, stop_frame=21))
    assert [f.index for f in frames] == [17, 18, 19, 20]
    for f in frames:
        assert abs(level(f.image) - 6 * f.index) < 4


def test_destroyed_middle_frame_is_skipped_and_counted(tmp_path):
    path = write_video(tmp_path / "v.avi", 20)
    destroy_frame(path, 10)
    with VideoReader(path) as reader:
        frames = list(reader)
    assert [f.index for f in frames] == [i for i in range(20) if i != 10]
    assert reader.n_corrupt == 1
    # later frames keep their own numbers (no shift after the gap)
    assert all(abs(level(f.image) - 6 * f.index) < 3 for f in frames)


def test_stopping_early_stops_the_thread(tmp_path):
    path = write_video(tmp_path / "v.avi", 40)
    reader = VideoReader(path, queue_size=2)
    for f in reader:
        if f.index == 2:
            break
    reader.close()
    assert not reader._thread.is_alive()


def test_not_a_video_names_the_file(tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_text("not a video")
    with pytest.raises(VideoError, match="notes.mp4"):
        list(read_frames(path))


def test_missing_file(tmp_path):
    with pytest.raises(VideoError, match="no such file"):
        VideoReader(tmp_path / "absent.mp4")


def test_zero_frames_is_an_error(tmp_path):
    path = write_video(tmp_path / "empty.avi", 0)
    with pytest.raises(VideoError, match=r"empty\.avi: no decodable frame"):
        list(read_frames(path))


def test_start_past_the_end_is_an_error(tmp_path):
    path = write_video(tmp_path / "v.avi", 5)
    with pytest.raises(VideoError, match="from frame 9"):
        list(read_frames(path, start_frame=9))


def test_real_vp9_video_frame_numbers(demo_dir):
    # cam02 is VP9 in MP4: a codec OpenCV builds often lack
    path = demo_dir / "single-person" / "videos" / "cam02.mp4"
    frames = list(read_frames(path, start_frame=40, stop_frame=43))
    assert [f.index for f in frames] == [40, 41, 42]
    assert frames[0].image.shape == (1920, 1080, 3)


def test_garbled_bytes_inside_a_frame_do_not_stop_decoding(tmp_path):
    import numpy as np

    from tests.estimate._helpers import jpeg_starts

    path = write_video(tmp_path / "v.avi", 20)
    data = bytearray(path.read_bytes())
    starts = jpeg_starts(bytes(data))
    middle = (starts[10] + starts[11]) // 2
    data[middle : middle + 64] = np.random.default_rng(0).integers(0, 256, 64, dtype=np.uint8).tobytes()
    path.write_bytes(bytes(data))
    with VideoReader(path) as reader:
        indices = [f.index for f in reader]
    # FFmpeg either conceals the damage or drops the frame; every other frame keeps its number
    assert [i for i in indices if i != 10] == [i for i in range(20) if i != 10]
    assert len(indices) + reader.n_corrupt >= 20


def test_display_rotation_is_applied():
    import numpy as np

    from videosync.video.reader import _upright

    image = np.arange(6, dtype=np.uint8).reshape(2, 3, 1)  # [[0 1 2], [3 4 5]]
    assert _upright(image, 0) is image
    # +90 = counter-clockwise: the right column becomes the top row
    assert _upright(image, 90)[..., 0].tolist() == [[2, 5], [1, 4], [0, 3]]
    assert _upright(image, -90)[..., 0].tolist() == [[3, 0], [4, 1], [5, 2]]
    assert _upright(image, 180)[..., 0].tolist() == [[5, 4, 3], [2, 1, 0]]


def test_rotated_phone_style_video_matches_opencv(tmp_path):
    """A display-rotation tag (as phones write) gives the same upright frames as OpenCV shows."""
    import subprocess

    import cv2
    import numpy as np

    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    src = tmp_path / "src.mp4"
    writer = cv2.VideoWriter(str(src), cv2.VideoWriter_fourcc(*"mp4v"), 30, (64, 48))
    for _ in range(3):
        image = np.zeros((48, 64, 3), np.uint8)
        image[:, :16] = 255  # a white band on the left
        writer.write(image)
    writer.release()
    rotated = tmp_path / "rotated.mp4"
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-y", "-display_rotation", "90",
           "-i", str(src), "-c", "copy", str(rotated)]
    if subprocess.run(cmd, capture_output=True).returncode != 0:
        pytest.skip("this ffmpeg cannot tag a display rotation")
    ours = next(iter(read_frames(rotated))).image
    ok, theirs = cv2.VideoCapture(str(rotated)).read()
    assert ok and ours.shape == theirs.shape == (64, 48, 3)
    assert ours[56:, :, 0].mean() > 200 and ours[:40, :, 0].mean() < 20  # the band is now at the bottom
    assert np.abs(ours.astype(int) - theirs.astype(int)).mean() < 3


def _timestamped_video(path, pts, time_base, rate):
    """H.264 video whose frame shows its own source number ``n`` and has timestamp ``pts[n]``
    (``pts``: dict source number -> pts in ``time_base``); frames absent from ``pts`` are dropped."""
    from fractions import Fraction

    import av
    import numpy as np

    from tests.video.media import H, W, pattern

    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(rate), options={"crf": "12", "preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        stream.codec_context.time_base = Fraction(time_base)
        for number, stamp in sorted(pts.items()):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(pattern(number)), format="gray")
            frame.pts, frame.time_base = stamp, Fraction(time_base)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def _numbers(frames):
    import cv2

    from tests.video.media import read_pattern

    return [read_pattern(cv2.cvtColor(f.image, cv2.COLOR_BGR2GRAY)) for f in frames]


def test_variable_frame_rate_file_keeps_the_source_frame_numbers(tmp_path):
    """A 30 fps recording that lost 6 of 40 frames but kept every timestamp (VFR): the average rate
    is 34 frames / 1.333 s = 25.5 fps, yet frames must be numbered at 30 fps from the timestamps."""
    from fractions import Fraction

    from videosync.video.probe import probe_video

    lost = {3, 4, 11, 20, 21, 22}
    kept = [n for n in range(40) if n not in lost]
    path = _timestamped_video(tmp_path / "vfr.mp4", {n: n for n in kept}, Fraction(1, 30), 30)
    with VideoReader(path) as reader:
        frames = list(reader)
    assert reader.fps == 30.0
    assert [f.index for f in frames] == kept
    assert _numbers(frames) == kept  # the number each frame shows is the number it was given
    info = probe_video(path)
    assert info.fps == 30.0
    assert info.n_frames == 40  # frames 0..39, the lost ones included
    # seeking by frame number lands on the right frames despite the gaps
    part = list(read_frames(path, start_frame=19, stop_frame=25))
    assert [f.index for f in part] == [19, 23, 24]


def test_jittered_phone_timestamps_are_numbered_at_the_nominal_rate(tmp_path):
    """Phones stamp 30 fps frames in 1/600 s ticks with jitter (20 +- 3 ticks): rounding at the
    nominal 30 fps still gives 0, 1, 2, ... and a lost frame stays a gap."""
    from fractions import Fraction

    jitter = [0, 2, -3, 1, -1, 3, 0, -2]
    kept = [n for n in range(30) if n != 17]
    pts = {n: 20 * n + jitter[n % len(jitter)] + 3 for n in kept}  # first stamp 3 ticks in
    path = _timestamped_video(tmp_path / "phone.mp4", pts, Fraction(1, 600), 30)
    with VideoReader(path) as reader:
        frames = list(reader)
    assert reader.fps == 30.0
    assert [f.index for f in frames] == kept
    assert _numbers(frames) == kept


def test_ntsc_rate_stays_exact(tmp_path):
    from fractions import Fraction

    rate = Fraction(30000, 1001)
    path = _timestamped_video(tmp_path / "ntsc.mp4", {n: n for n in range(20)}, 1 / rate, rate)
    with VideoReader(path) as reader:
        assert reader._rate == rate
        assert [f.index for f in reader] == list(range(20))


def test_nominal_rate_from_timestamps():
    """Hand-made streams: 60 fps in 1/15360 ticks is 256 ticks a frame."""
    from fractions import Fraction
    from types import SimpleNamespace

    from videosync.video.probe import nominal_rate

    tb = Fraction(1, 15360)
    # 10 frames, frames 3 and 6 lost: steps 256 x 6 and 512 x 2; the average rate is 54 fps
    stamps = [256 * n for n in range(10) if n not in (3, 6)]
    vfr = SimpleNamespace(time_base=tb, average_rate=Fraction(54), guessed_rate=Fraction(60), base_rate=Fraction(60))
    assert nominal_rate(vfr, stamps) == 60
    # no trustworthy declared rate: the measured one (15360 / 256 = 60 exactly)
    blind = SimpleNamespace(time_base=tb, average_rate=Fraction(54), guessed_rate=None, base_rate=Fraction(90000))
    assert nominal_rate(blind, stamps) == 60
    # no timestamps: the average rate, as before
    assert nominal_rate(vfr, []) == 54
    # a constant-rate file keeps its exact declared rate
    ntsc = SimpleNamespace(time_base=Fraction(1, 30000), average_rate=Fraction(30000, 1001), guessed_rate=Fraction(30000, 1001), base_rate=None)
    assert nominal_rate(ntsc, [1001 * n for n in range(50)]) == Fraction(30000, 1001)


def test_every_kth_frame_from_the_start_frame(tmp_path):
    path = write_video(tmp_path / "v.mp4", 30, fourcc="mp4v")
    frames = list(read_frames(path, start_frame=5, stop_frame=20, step=4))
    assert [f.index for f in frames] == [5, 9, 13, 17]
    for f in frames:  # the frames in between were decoded (they are predicted from), not handed out
        assert abs(level(f.image) - 6 * f.index) < 4


def test_rgb_frames_are_the_bgr_frames_reversed(tmp_path):
    import cv2

    path = tmp_path / "v.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, (64, 48))
    image = np.zeros((48, 64, 3), np.uint8)
    image[..., 0] = 200  # blue in OpenCV's BGR
    for _ in range(3):
        writer.write(image)
    writer.release()
    with VideoReader(path, channels="rgb") as reader:
        first = next(iter(reader))
    assert first.channels == "rgb"
    assert first.image[..., 2].mean() > 150 and first.image[..., 0].mean() < 50


def test_bad_step_or_channels(tmp_path):
    path = write_video(tmp_path / "v.avi", 3)
    with pytest.raises(ValueError, match="step"):
        VideoReader(path, step=0)
    with pytest.raises(ValueError, match="channels"):
        VideoReader(path, channels="yuv")

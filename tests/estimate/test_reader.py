"""The threaded reader: frame numbers, seeking, damaged and non-video files."""

from __future__ import annotations

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

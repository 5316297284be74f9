import logging

import numpy as np
import pytest

from videosync.errors import PoseFileError
from videosync.poses import load_openpose_dir, load_poses, save_npz
from videosync.poses.openpose import find_video
from videosync.tunables import ASSUMED_FPS, EXTENT_MARGIN
from tests.conftest import make_track
from tests.poses.skeletons import BODY_25B, COCO17, COCO_18, figure, write_openpose


def coco18(cx, cy=600, height=400):
    return figure(COCO_18, cx, cy, height)


def tiny_video(path, size=(64, 48), fps=25.0):
    import cv2

    path.parent.mkdir(parents=True, exist_ok=True)
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    for _ in range(3):
        w.write(np.zeros((size[1], size[0], 3), np.uint8))
    w.release()
    return path


def test_numbering_gaps_empty_frames_and_multi_person(tmp_path):
    # frames 3..9 with 6 missing (dropped) and 5 empty (nobody detected); a static bystander listed first
    frames = {}
    for f in (3, 4, 5, 7, 8, 9):
        people = [] if f == 5 else [coco18(100, 600, 200), coco18(400 + 10 * f)]
        frames[f"clip_{f:012d}_keypoints.json"] = people
    folder = write_openpose(tmp_path / "clip", frames)
    track = load_openpose_dir(folder)
    assert track.frame_index.tolist() == [3, 4, 5, 7, 8, 9]
    assert track.valid_frames.tolist() == [True, True, False, True, True, True]
    expected_nose_x = [430, 440, 0, 470, 480, 490]  # the subject's nose, never the bystander's
    np.testing.assert_allclose(track.keypoints[:, 0, 0], expected_nose_x, atol=1e-3)
    # COCO-18 left shoulder (index 5) lands in COCO-17 slot 5, right hip (8) in slot 12
    np.testing.assert_allclose(track.keypoints[0, [5, 12], :2], figure(COCO17, 430, 600, 400)[[5, 12], :2], atol=1e-3)
    assert track.meta["layout"] == "COCO_18"
    assert track.meta["n_people_max"] == 2 and track.meta["n_tracks"] == 2 and track.meta["person"] == 0
    assert track.dense().frame_index.tolist() == list(range(3, 10))
    bystander = load_openpose_dir(folder, person=1)
    np.testing.assert_allclose(bystander.keypoints[bystander.valid_frames, 0, 0], 100, atol=1e-3)
    with pytest.raises(PoseFileError, match="person 2 requested but only 2"):
        load_openpose_dir(folder, person=2)


def test_extent_size_and_assumed_fps(tmp_path):
    folder = write_openpose(tmp_path / "solo", {f"solo.{i:04d}.json": [coco18(300 + i)] for i in range(4)})
    track = load_openpose_dir(folder)
    xy = track.keypoints[..., :2][track.keypoints[..., 2] > 0]
    assert track.size_source == "extent"
    assert track.width == pytest.approx(xy[:, 0].max() * (1 + EXTENT_MARGIN), rel=1e-6)
    assert track.height == pytest.approx(xy[:, 1].max() * (1 + EXTENT_MARGIN), rel=1e-6)
    # by hand: lowest joint = ankles at 600 + 0.47 * 400 = 788, rightmost = left wrist of the last
    # frame at 303 + 0.16 * 400 = 367; plus the 5% margin
    assert track.height == pytest.approx(788 * 1.05, rel=1e-5)
    assert track.width == pytest.approx(367 * 1.05, rel=1e-5)
    assert track.fps == ASSUMED_FPS and track.meta["fps_source"] == "assumed"
    given = load_openpose_dir(folder, fps=50, size=(1280, 720))
    assert (given.width, given.height, given.size_source, given.fps) == (1280, 720, "given", 50)
    assert given.meta["fps_source"] == "given"


@pytest.mark.parametrize("where", ["beside", "videos_beside", "parent", "parent_videos"])
def test_video_of_the_same_name_gives_size_and_fps(tmp_path, where):
    root = tmp_path / "session" / "pose"
    folder = write_openpose(root / "cam07_json", {f"cam07.{i:04d}.json": [coco18(30)] for i in range(3)})
    place = {
        "beside": root,
        "videos_beside": root / "videos",
        "parent": root.parent,
        "parent_videos": root.parent / "videos",
    }[where]
    video = tiny_video(place / "cam07.mp4")
    assert find_video(folder) == video.resolve()
    track = load_poses(folder)
    assert (track.width, track.height, track.fps) == (64, 48, 25)
    assert track.size_source == "video" and track.meta["fps_source"] == "video"
    assert track.meta["video"] == str(video.resolve())
    # a given size wins, the fps still comes from the video
    track = load_poses(folder, size=(100, 200))
    assert (track.width, track.height, track.size_source, track.fps) == (100, 200, "given", 25)


def test_unreadable_video_of_the_same_name_is_an_error(tmp_path):
    folder = write_openpose(tmp_path / "cam1_json", {"cam1.0000.json": [coco18(30)]})
    (tmp_path / "cam1.mp4").write_text("not a video")
    with pytest.raises(PoseFileError, match="cam1.mp4") as err:
        load_poses(folder)
    assert str(err.value).startswith(str(folder))
    assert load_poses(folder, size=(640, 480), fps=30).size_source == "given"


def test_junk_files_are_ignored_and_listed(tmp_path, caplog):
    frames = {f"cam03.{i:04d}.json": [coco18(300 + i)] for i in range(5)}
    frames["del_000001_0.json"] = [coco18(900)]
    frames["cam03.0002.old.json"] = [coco18(900)]
    folder = write_openpose(tmp_path / "cam03_json", frames)
    (folder / "cam03.0003.json.old").write_text("{not json")
    with caplog.at_level(logging.WARNING):
        track = load_openpose_dir(folder)
    assert track.frame_index.tolist() == [0, 1, 2, 3, 4]
    np.testing.assert_allclose(track.keypoints[:, 0, 0], [300, 301, 302, 303, 304], atol=1e-3)
    assert sorted(track.meta["ignored_files"]) == ["cam03.0002.old.json", "del_000001_0.json"]
    assert "ignoring 2 file(s)" in caplog.text


def test_frames_sort_numerically_not_by_name(tmp_path):
    frames = {f"f{i}.json": [coco18(300 + i)] for i in (1, 2, 10, 11)}  # no zero padding
    track = load_openpose_dir(write_openpose(tmp_path / "f", frames))
    assert track.frame_index.tolist() == [1, 2, 10, 11]
    np.testing.assert_allclose(track.keypoints[:, 0, 0], [301, 302, 310, 311], atol=1e-3)


def test_ambiguous_naming_is_an_error_not_a_guess(tmp_path):
    frames = {f"a_{i}.json": [coco18(300)] for i in range(3)} | {f"b_{i}.json": [coco18(300)] for i in range(3)}
    with pytest.raises(PoseFileError, match="mixed file names"):
        load_openpose_dir(write_openpose(tmp_path / "mixed", frames))
    frames = {"x_7.json": [coco18(300)], "x_007.json": [coco18(300)]}
    with pytest.raises(PoseFileError, match="same frame number 7"):
        load_openpose_dir(write_openpose(tmp_path / "dup", frames))


def test_forced_layout(tmp_path):
    kp = figure(BODY_25B, 300, 600, 400)
    folder = write_openpose(tmp_path / "one", {"one_0.json": [kp]})
    with pytest.raises(PoseFileError, match="cannot tell BODY_25 from BODY_25B"):
        load_openpose_dir(folder)  # one skeleton is too little evidence
    track = load_openpose_dir(folder, layout="BODY_25B")
    np.testing.assert_allclose(track.keypoints[0], figure(COCO17, 300, 600, 400), atol=1e-3)
    assert track.meta["layout_evidence"] == "given"
    with pytest.raises(PoseFileError, match="COCO_18 has 18 keypoints but the files have 25"):
        load_openpose_dir(folder, layout="coco_18")
    with pytest.raises(PoseFileError, match="unknown keypoint layout"):
        load_openpose_dir(folder, layout="body_135")


# ----------------------------------------------------------------------------- errors
def test_missing_path(tmp_path):
    with pytest.raises(PoseFileError, match="no such file or folder") as err:
        load_poses(tmp_path / "nope")
    assert str(err.value).startswith(str(tmp_path / "nope"))


def test_empty_folder_and_folder_without_json(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(PoseFileError, match="empty folder"):
        load_poses(tmp_path / "empty")
    (tmp_path / "txt").mkdir()
    (tmp_path / "txt" / "a.txt").write_text("x")
    with pytest.raises(PoseFileError, match="not a pose file: expected .npz or a folder of OpenPose .json files"):
        load_poses(tmp_path / "txt")


def test_not_a_pose_file(tmp_path):
    path = tmp_path / "poses.csv"
    path.write_text("1,2,3")
    with pytest.raises(PoseFileError, match="not a pose file") as err:
        load_poses(path)
    assert str(path) in str(err.value)


def test_invalid_json_names_the_exact_file(tmp_path):
    folder = write_openpose(tmp_path / "bad", {f"c.{i:04d}.json": [coco18(300)] for i in range(3)})
    (folder / "c.0001.json").write_text('{"people": [')
    with pytest.raises(PoseFileError, match="unreadable OpenPose JSON") as err:
        load_poses(folder)
    assert str(err.value).startswith(str(folder / "c.0001.json"))
    (folder / "c.0001.json").write_text('{"version": 1.3}')
    with pytest.raises(PoseFileError, match="no 'people' list"):
        load_poses(folder)
    (folder / "c.0001.json").write_text('{"people": [{"pose_keypoints_2d": [1, 2, 3, 4]}]}')
    with pytest.raises(PoseFileError, match="not \\(x, y, score\\) triples") as err:
        load_poses(folder)
    assert "c.0001.json" in str(err.value)


def test_mismatched_keypoint_counts(tmp_path):
    frames = {"m.0000.json": [figure(BODY_25B, 300, 600, 400)], "m.0001.json": [coco18(300)]}
    with pytest.raises(PoseFileError, match="18 keypoints per person, but m.0000.json has 25") as err:
        load_poses(write_openpose(tmp_path / "m", frames))
    assert "m.0001.json" in str(err.value)
    with pytest.raises(PoseFileError, match="20 keypoints per person matches no known layout"):
        load_poses(write_openpose(tmp_path / "k20", {"k.0.json": [np.ones((20, 3))]}))


def test_no_valid_joints(tmp_path):
    empty = write_openpose(tmp_path / "nobody", {f"n.{i}.json": [] for i in range(3)})
    with pytest.raises(PoseFileError, match="no person"):
        load_poses(empty)
    zeros = write_openpose(tmp_path / "zeros", {f"z.{i}.json": [np.zeros((18, 3))] for i in range(3)})
    with pytest.raises(PoseFileError, match="no frame has a valid joint"):
        load_poses(zeros)
    track = make_track(5)
    track.keypoints[:] = 0
    with pytest.raises(PoseFileError, match="no frame has a valid joint"):
        load_poses(save_npz(track, tmp_path / "zeros.npz"))


def test_npz_dispatch_and_overrides(tmp_path):
    path = save_npz(make_track(20, seed=3), tmp_path / "t.npz")
    track = load_poses(path)
    assert len(track) == 20 and track.fps == 30 and (track.width, track.height) == (640, 480)
    track = load_poses(path, fps=25, size=(1920, 1080))
    assert (track.fps, track.width, track.height, track.size_source) == (25, 1920, 1080, "given")


def test_joints_with_a_zero_coordinate_are_missing(tmp_path):
    kp = coco18(300)
    kp[0, 0] = 0.0  # nose x zeroed with a score left on, as edited Pose2Sim files do
    kp[2, 2] = float("nan")
    track = load_openpose_dir(write_openpose(tmp_path / "z", {"z.0.json": [kp]}))
    assert track.keypoints[0, 0].tolist() == [0, 0, 0]
    assert track.keypoints[0, 6].tolist() == [0, 0, 0]  # COCO-18 2 = right shoulder = COCO-17 6
    assert (track.keypoints[0, [1, 2, 5, 11, 12], 2] > 0).all()

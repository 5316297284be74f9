"""The real Pose2Sim demo JSON (OpenPose BODY_25B, 4 cameras, bystander in cam01/cam02)."""

import json

import numpy as np
import pytest

from videosync.poses import load_poses
from tests.poses.skeletons import BODY_25, BODY_25B, reorder, write_openpose

JSON_DIR = "single-person/pose-json-index-is-video-frame-minus-1"
# from the data's README: image sizes of the videos in ../videos
SIZES = {"cam01": (1080, 1920), "cam02": (1080, 1920), "cam03": (1088, 1920), "cam04": (1088, 1920)}


def raw_people(folder):
    """Every frame's people as (n, 25, 3) arrays, read here without the loader."""
    files = sorted(folder.glob("*.json"))
    return [np.array([p["pose_keypoints_2d"] for p in json.loads(f.read_text())["people"]]).reshape(-1, 25, 3) for f in files]


@pytest.mark.parametrize("cam", sorted(SIZES))
def test_demo_camera_loads_with_video_size_and_the_participant(demo_dir, cam):
    folder = demo_dir / JSON_DIR / f"{cam}_json"
    track = load_poses(folder)
    assert (track.width, track.height) == SIZES[cam]
    assert track.size_source == "video" and track.fps == 60 and track.meta["fps_source"] == "video"
    assert track.meta["video"].endswith(f"single-person/videos/{cam}.mp4")
    assert track.meta["layout"] == "BODY_25B"
    assert track.frame_index.tolist() == list(range(100))
    assert track.meta["coverage"] == 1.0

    # The data notes say the participant is people[0] in every frame except cam01 frame 37, where
    # OpenPose split him in two; there the track must hold one of his two parts.
    people = raw_people(folder)
    for t, frame in enumerate(people):
        if cam == "cam01" and t == 37:
            parts = [p[:17] for p in frame[:2]]
            assert any(np.allclose(track.keypoints[t], p, atol=1e-3) for p in parts)
        else:
            np.testing.assert_allclose(track.keypoints[t], frame[0, :17], atol=1e-3, err_msg=f"frame {t}")

    # his hips never jump (a switch to the bystander would move them by hundreds of px)
    hips = track.keypoints[:, 11:13]
    both = (hips[..., 2] > 0).all(axis=1)
    mid = hips[both, :, :2].mean(axis=1)
    assert both.sum() > 90
    assert np.linalg.norm(np.diff(mid, axis=0), axis=1).max() < 40


def test_demo_bystander_is_person_1(demo_dir):
    track = load_poses(demo_dir / JSON_DIR / "cam01_json", person=1)
    kp = track.keypoints[track.valid_frames]
    # the bystander stands at the left edge of cam01, x < 130 px
    assert track.meta["person"] == 1 and track.n_valid >= 99
    assert kp[..., 0][kp[..., 2] > 0].max() < 130


def test_demo_reindexed_to_body_25_is_detected_and_gives_the_same_track(demo_dir, tmp_path):
    src = demo_dir / JSON_DIR / "cam01_json"
    frames = {}
    for f, people in zip(sorted(src.glob("*.json")), raw_people(src)):
        body25 = reorder(people, BODY_25B, BODY_25)
        for k, (a, b) in {1: (5, 6), 8: (11, 12)}.items():  # neck and mid-hip: means of the pairs
            ok = (people[:, a, 2] > 0) & (people[:, b, 2] > 0)
            body25[ok, k, :2] = (people[ok, a, :2] + people[ok, b, :2]) / 2
            body25[ok, k, 2] = np.minimum(people[ok, a, 2], people[ok, b, 2])
        frames[f.name] = list(body25)
    folder = write_openpose(tmp_path / "cam01_json", frames)
    converted = load_poses(folder, size=SIZES["cam01"])
    assert converted.meta["layout"] == "BODY_25"
    original = load_poses(src)
    assert original.meta["layout"] == "BODY_25B"
    np.testing.assert_allclose(converted.keypoints, original.keypoints, atol=1e-3)
    # forcing the wrong layout is obeyed (and visibly wrong: left shoulder = original left elbow)
    forced = load_poses(folder, size=SIZES["cam01"], layout="BODY_25B")
    assert forced.meta["layout"] == "BODY_25B"
    assert not np.allclose(forced.keypoints, original.keypoints, atol=1)


@pytest.mark.parametrize("cam", sorted(SIZES))
def test_demo_multi_person_json_keeps_the_participant(demo_dir, cam):
    # The same JSON plus a synthetic static "virtual person", people in varying order, the
    # participant removed from cam01 frames 0-1 and cam01 noses edited to x=0 in some frames.
    single = load_poses(demo_dir / JSON_DIR / f"{cam}_json")
    multi = load_poses(demo_dir / "multi-person/pose-synthetic-2nd-person-not-in-videos" / f"{cam}_json")
    assert multi.meta["n_tracks"] >= 2 and multi.meta["layout"] == "BODY_25B"
    start = 2 if cam == "cam01" else 0
    assert not multi.keypoints[:start].any()
    seen = multi.keypoints[start:, :, 2] > 0
    np.testing.assert_allclose(multi.keypoints[start:][seen], single.keypoints[start:][seen], atol=1e-3)
    assert seen.sum() >= (single.keypoints[start:, :, 2] > 0).sum() - 10

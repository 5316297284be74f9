"""Which person to synchronize when an input shows several (videosync.subjects)."""

from videosync.poses.subject import candidate_ranks
from videosync.tunables import CANDIDATE_SHARE, MAX_SUBJECTS_TRIED
from videosync.subjects import choose_people


def test_candidate_ranks_by_share_of_the_main_subjects_score():
    assert CANDIDATE_SHARE == 0.25 and MAX_SUBJECTS_TRIED == 3
    assert candidate_ranks([1000.0, 300.0, 249.0]) == [0, 1]  # 30 % in, 24.9 % out
    assert candidate_ranks([1000.0, 900.0, 800.0, 700.0]) == [0, 1, 2]  # at most three
    assert candidate_ranks([1000.0, 20.0]) == [0]  # a bystander far in the background
    assert candidate_ranks([]) == [0] and candidate_ranks([0.0, 0.0]) == [0]


def _table(scores):
    """confidence(ref, input, rank) from a dict {(ref, input, rank): value}; unknown -> 0."""
    asked = []

    def confidence(ref, i, rank):
        asked.append((ref, i, rank))
        return scores.get((ref, i, rank), 0.0)

    return confidence, asked


def test_each_input_keeps_its_main_subject_when_nothing_matches_better():
    confidence, _ = _table({(0, 1, 0): 0.6, (0, 1, 1): 0.6, (0, 2, 0): 0.5})
    # equal confidences: the more prominent person (listed first) stays
    assert choose_people([[0], [0, 1], [0]], confidence) == [0, 0, 0]


def test_another_person_of_one_input_wins_when_it_matches_the_others():
    # input 1's main subject is a second performer near that camera: its person 1 is the one
    # the reference sees
    confidence, _ = _table({(0, 1, 0): 0.05, (0, 1, 1): 0.7, (0, 2, 0): 0.6})
    assert choose_people([[0], [0, 1], [0]], confidence) == [0, 1, 0]


def test_the_reference_person_is_chosen_by_the_sum_of_its_best_matches():
    # reference person 0: best matches 0.3 (input 1) + 0.3 (input 2) = 0.6
    # reference person 1: best matches 0.5 (input 1, its person 1) + 0.4 (input 2) = 0.9
    confidence, asked = _table({
        (0, 1, 0): 0.3, (0, 1, 1): 0.1, (0, 2, 0): 0.3,
        (1, 1, 0): 0.2, (1, 1, 1): 0.5, (1, 2, 0): 0.4,
    })
    assert choose_people([[0, 1], [0, 1], [0]], confidence) == [1, 1, 0]
    assert sorted(set(asked)) == sorted({(r, 1, k) for r in (0, 1) for k in (0, 1)} | {(0, 2, 0), (1, 2, 0)})


def test_no_candidates_no_choice():
    assert choose_people([], lambda *a: 1.0) == []


# ---------------------------------------------------------------------------------------------- end to end
import json  # noqa: E402
import shutil  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import videosync  # noqa: E402
from videosync.errors import CannotSynchronizeError  # noqa: E402

JSON_DIR = "single-person/pose-json-index-is-video-frame-minus-1"


def _with_second_performer(demo_dir, tmp_path, cut=7, scale=1.3):
    """cam01 as it is; cam03 cut by ``cut`` leading frames, plus a larger second performer: the
    same participant played backwards, 1.3x larger and beside him, so that per view the second
    performer is the more prominent person but moves unlike anything cam01 sees."""
    src = demo_dir / JSON_DIR
    shutil.copytree(src / "cam01_json", tmp_path / "cam01_json")
    (tmp_path / "cam03_json").mkdir()
    docs = [json.loads(f.read_text()) for f in sorted((src / "cam03_json").glob("*.json"))]
    for i, doc in enumerate(docs[cut:]):
        other = docs[len(docs) - 1 - i]["people"][0]
        kp = np.array(other["pose_keypoints_2d"], dtype=float).reshape(-1, 3)
        seen = kp[:, 2] > 0
        kp[seen, :2] = kp[seen, :2] * scale + np.array([400.0, -150.0])
        doc["people"] = [doc["people"][0], {**other, "pose_keypoints_2d": kp.ravel().tolist()}]
        (tmp_path / "cam03_json" / f"cam03.{i:04d}.json").write_text(json.dumps(doc))
    return tmp_path / "cam01_json", tmp_path / "cam03_json"


def test_align_synchronizes_the_person_both_cameras_share(demo_dir, tmp_path):
    ref, other = _with_second_performer(demo_dir, tmp_path)
    kwargs = dict(fps=60.0, size=(1088, 1920))
    # alone, cam03's main subject is the second performer, and that pair cannot be synchronized
    with pytest.raises(CannotSynchronizeError):
        videosync.align([ref, other], person=0, **kwargs)
    result = videosync.align([ref, other], **kwargs)
    entry = result.inputs[1]
    assert abs(entry.offset_frames - (-7)) <= 1.0 and entry.confidence >= 0.5
    assert any("synchronized on person 1" in w and "cam03_json" in w for w in result.warnings)

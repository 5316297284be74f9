"""The calibration cases: catalogue, splits kept apart, seeded drawing, rendering with the truth."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from videosync.synth import cases
from videosync.synth.cases import (
    _short_overlap,
    COMMON_FPS,
    MAX_FRAMES,
    REPORT_ONLY,
    SPLITS,
    CaseSpec,
    MotionClip,
    action_of,
    build_case,
    catalogue,
    draw_split,
    performer_of,
    pick_clips,
    repeats,
    split_clips,
)

from tests.synth.mocap_fixtures import write_bvh


def clip(i: int, performer: str, action: str = "walk", seconds: float = 5.0, repeated: bool = True,
         arms: bool = False) -> MotionClip:
    return MotionClip(f"c{i}", Path(f"c{i}.bvh"), action, action, repeated, arms, performer, seconds, "train")


def test_labels_give_the_action_and_files_the_performer():
    assert action_of("walk-back / style angry / take 001") == "walk-back"
    assert action_of("balance on one leg, outstretched arms") == "balance on one leg, outstretched arms"
    assert performer_of("bandai_namco_2/data/dataset-2_wave-left-hand_elderly_001.bvh", "bandai_22") == "bandai2:elderly"
    assert performer_of("cmu/bvh_daz/07_12.bvh", "cmu_daz_43") == "cmu:07"
    assert performer_of("cmu/asfamc/sheffieldml_gpmat/35/35_01.amc", "asf:x/35.asf") == "cmu:35"
    assert performer_of("cmu/asfamc/gsimchoni_mocap/charleston2.amc", "asf:gsimchoni_mocap/charleston.asf") == \
        "asf:gsimchoni_mocap/charleston.asf"


def test_splits_keep_every_performer_in_one_split_and_share_out_the_kinds():
    clips = [clip(10 * p + k, f"p{p}", repeated=k % 2 == 0, arms=k == 1) for p in range(12) for k in range(3)]
    split_of = split_clips(clips, seed=5)
    assert split_of == split_clips(clips, seed=5)
    for p in range(12):
        assert len({split_of[c.clip_id] for c in clips if c.performer == f"p{p}"}) == 1
    for s in SPLITS:
        mine = [c for c in clips if split_of[c.clip_id] == s]
        assert len(mine) == 12  # 12 performers of 3 clips: 4 performers each
        assert any(c.repeated for c in mine) and any(not c.repeated for c in mine) and any(c.arms for c in mine)


def test_a_long_clip_is_used_alone_and_short_ones_are_chained_each_clip_once_while_others_are_left():
    pool = [clip(0, "p", "walk", 3.0), clip(1, "p", "walk", 3.0), clip(2, "p", "bow", 3.0, repeated=False),
            clip(3, "p", "run", 30.0), clip(4, "p", "walk", 3.0)]
    assert pick_clips(pool, 20.0, np.random.default_rng(0), same_action=True)[0] == ("c3",)  # 30 s / 1.15 > 20
    walks = [pool[0], pool[1], pool[4]]
    chain, tempos = pick_clips(walks, 7.0, np.random.default_rng(0), same_action=True)
    assert len(chain) == 3 and len(set(chain)) == 3  # three walks of 2.6-3.5 s, none twice
    assert all(0.85 <= t <= 1.15 for t in tempos) and len(tempos) == 3
    longer, _ = pick_clips(walks, 12.0, np.random.default_rng(0), same_action=True)
    assert set(longer[:3]) == {"c0", "c1", "c4"} and len(longer) > 3  # then clips come back
    assert all(a != b for a, b in zip(longer, longer[1:]))  # never the same clip twice in a row
    mixed, _ = pick_clips([pool[0], pool[2]], 5.0, np.random.default_rng(1), same_action=True)
    assert set(mixed) == {"c0", "c2"}  # the walks ran out: another clip before a walk again
    assert repeats([pool[2], pool[2]]) and not repeats([pool[2]]) and repeats([pool[0]])


def test_cases_are_seeded_and_a_larger_split_keeps_its_first_cases():
    clips = [clip(i, f"p{i % 6}", action=("walk", "bow", "wave")[i % 3], seconds=4.0 + i,
                  repeated=i % 3 != 1, arms=i % 3 == 2) for i in range(30)]
    split_of = split_clips(clips)
    first = draw_split(clips, split_of, "calib", 5, seed=1)
    assert draw_split(clips, split_of, "calib", 8, seed=1)[:5] == first
    assert draw_split(clips, split_of, "calib", 5, seed=2) != first
    assert CaseSpec.from_json(first[0].to_json()) == first[0]
    assert first[0].digest() == CaseSpec.from_json(first[0].to_json()).digest()


def test_the_report_split_alone_draws_the_report_only_settings():
    clips = [clip(i, f"p{i % 9}", seconds=70.0) for i in range(27)]
    split_of = split_clips(clips)
    seen = {}
    for split in SPLITS:
        specs = draw_split(clips, split_of, split, 300)
        seen[split] = {
            "fps": {f for s in specs for f in (s.fps_a, s.fps_b)},
            "camera": {c for s in specs for c in s.camera},
            "noise": {n for s in specs for n in s.noise},
            "tilt": max(abs(t) for s in specs for t in s.tilt_deg),
        }
        for s in specs:
            assert 0.8 <= s.overlap_s <= 60.0
            reach = 0.5 * s.overlap_s if s.overlap_s < 2.0 else min(max(0.5 * s.overlap_s, 1.0), 10.0)
            assert abs(s.offset_s) <= reach
            assert s.window_s == pytest.approx(s.overlap_s + abs(s.offset_s))
            assert s.window_s * max(s.fps_a, s.fps_b) <= MAX_FRAMES
    for split in ("tune", "calib"):
        assert seen[split]["fps"] <= set(COMMON_FPS)
        assert not seen[split]["camera"] & set(REPORT_ONLY["camera"])
        assert not seen[split]["noise"] & set(REPORT_ONLY["noise"])
        assert seen[split]["tilt"] <= 25.0
    assert seen["report"]["fps"] & set(REPORT_ONLY["fps"])
    assert seen["report"]["camera"] & set(REPORT_ONLY["camera"])
    assert seen["report"]["noise"] & set(REPORT_ONLY["noise"])
    assert seen["report"]["tilt"] > 25.0


# ------------------------------------------------------------------------------ rendering
@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> dict[str, MotionClip]:
    root = tmp_path_factory.mktemp("mocap")
    for i in range(3):
        write_bvh(root / "walks" / f"walk_{i}.bvh", 720, seed=i)  # 6 s at 120 fps
    (root / "manifest.csv").write_text(
        "path,skeleton,label\n" + "".join(f"walks/walk_{i}.bvh,tiny,walk / style s{i} / take 001\n" for i in range(3)))
    clips = catalogue(root)
    assert [c.action for c in clips] == ["walk"] * 3 and all(c.repeated for c in clips)
    assert clips[0].seconds == pytest.approx(719 / 120, rel=1e-3)
    return {c.clip_id: c for c in clips}


def plain(tiny, **changes) -> CaseSpec:
    spec = CaseSpec(id="t-0000", split="calib", seed=3, clips=(sorted(tiny)[0],), repeated=True, overlap_s=3.0,
                    offset_s=0.4, fps_a=30.0, fps_b=30.0, rate_unknown=False, body="full",
                    camera=("train", "train"), noise=("train", "train"))
    return dataclasses.replace(spec, **changes)


def test_a_plain_case_has_equal_windows_numbered_from_0_and_the_drawn_offset(tiny):
    case = build_case(plain(tiny), tiny)
    assert len(case.a) == len(case.b) == round(3.4 * 30)
    assert case.a.frame_index[0] == case.b.frame_index[0] == 0
    assert case.truth.offset_range == pytest.approx((12.0, 12.0))  # 0.4 s at 30 fps, B earlier
    assert case.truth.overlap_frames == 90  # 3 s of A's 3.4 s
    assert case.b.meta["fps_source"] == "video" and case.b.size_source == "video"
    again = build_case(plain(tiny), tiny)
    np.testing.assert_array_equal(again.a.keypoints, case.a.keypoints)


def test_the_windows_last_as_long_whatever_the_offset_and_the_rates(tiny):
    for offset, fps_b in ((-0.9, 30.0), (0.9, 30.0), (0.3, 12.0), (-0.2, 60.0)):
        case = build_case(plain(tiny, offset_s=offset, fps_b=fps_b), tiny)
        assert abs(len(case.a) / 30.0 - len(case.b) / fps_b) <= 1.0 / min(30.0, fps_b)
        assert case.truth.offset_range[0] == pytest.approx(offset * fps_b, abs=1e-6)


def test_conditions_reach_the_tracks_and_the_truth_follows(tiny):
    spec = plain(tiny, fps_b=60.0, rate_unknown=True, drops=("none", "renumbered"), drop_share=(0.0, 0.03),
                 turns=(1, 0), body="legs-out")
    case = build_case(spec, tiny)
    assert case.b.fps == 30.0 and case.b.meta["fps_source"] == "assumed" and case.b.size_source == "extent"
    assert case.truth.rate == 2.0  # the true rates, not the assumed one
    lost = round(3.4 * 60) - len(case.b)
    assert lost >= 6
    low, high = case.truth.offset_range
    assert high == pytest.approx(24.0, abs=1e-6) and low < high - 1.0  # the offset slides
    upright = build_case(dataclasses.replace(spec, turns=(0, 0)), tiny)
    assert (case.a.width, case.a.height) == (upright.a.height, upright.a.width)
    assert np.all(case.a.keypoints[:, 11:, 2] == 0) and np.all(case.b.keypoints[:, 11:, 2] == 0)
    assert set(case.tags["conditions"]) >= {"legs-out", "rate-unknown", "quarter-turn", "renumbered"}


def test_short_clips_map_the_drawn_overlap_and_leave_the_other_cases_as_they_were(monkeypatch):
    # 2 s -> 0.8 s, 20 s -> 2 s, and log-uniform between: sqrt(2 * 20) -> sqrt(0.8 * 2)
    assert _short_overlap(2.0) == pytest.approx((0.8, 0.4))
    assert _short_overlap(20.0) == pytest.approx((2.0, 1.0))
    assert _short_overlap(math.sqrt(40.0))[0] == pytest.approx(math.sqrt(1.6))
    clips = [clip(i, f"p{i % 9}", seconds=70.0) for i in range(27)]
    split_of = split_clips(clips)
    with_short = draw_split(clips, split_of, "calib", 200)
    monkeypatch.setattr(cases, "P_SHORT", 0.0)
    without = draw_split(clips, split_of, "calib", 200)
    changed = [(a, b) for a, b in zip(with_short, without) if a != b]
    assert 10 <= len(changed) <= 45  # 15 % of the 85 % that are not long: about 25 of 200
    for short, plain in changed:
        assert short.overlap_s < 2.0 <= plain.overlap_s < 20.0
        assert dataclasses.replace(short, overlap_s=plain.overlap_s, offset_s=plain.offset_s) == plain

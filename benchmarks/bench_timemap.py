"""Offsets that change along the recording (issue 19): the time map against today's single offset.

Four parts, each measured against the single offset ``align`` answered before the time map (the
same estimate, made once per pair in this process; the time map starts from it):

* **drops**: synthetic pairs of 10-120 s (:mod:`benchmarks.timemap_cases`; repeated and one-off
  motion) whose B lost 1-10 runs of 1-5 frames without timestamps. A pair is *right* when every
  frame of A at least 1 s from a drop maps within 1 frame of the truth and every drop is located
  within 1 s (no change found where there is none); *refused* below the default confidence;
  *flagged* when it is not right but every frame's error lies within its segment's stated
  uncertainty (+1 frame: the error bar owns up to it; widened where a step was not placed or a
  stretch may hide one); else *confidently wrong*.
* **drift**: B's clock 50-500 ppm fast over 2-10 minutes, no drop: the drift within 20 ppm and
  every frame's mapping within 1 frame.
* **clean**: the same kind of pairs without drop or drift: the answers unchanged (the offset at
  the longest segment vs the single offset) and the time the time map adds.
* **demo**: the real Pose2Sim demo (OpenPose JSON, 4 cameras, true offset 0), every camera
  pair cut to equal windows with true offset k, once as it is (still 100 % within a frame?) and
  once with a run of 2-5 frames removed from B's middle and the rest renumbered (does the time
  map find the cut?); then B re-timed onto A's frames by the time map
  (:func:`videosync.sync.timemap.held_rows`, the pose-level trim) and aligned again: one
  segment at 0 +- 1 frame?
* **varied**: the calibration benchmark's cases of the split (:mod:`videosync.synth.cases`: other
  cameras, rates of 6-60 fps, noise, seated and arms-only bodies, very short clips, some with
  frames lost without timestamps), unbounded as ``align`` searches them. On the pairs whose offset
  is constant: how many answers the time map moves, and how many right single offsets it makes
  wrong (a false step); on those that lost frames: every frame 1 s clear of a true step within
  1 frame, time map against single offset.

Every search is bounded (``--max-offset``, as a user of long recordings would give it: the
offsets drawn lie within it). Settings were chosen on ``--split tune``; the figures written to
``docs/results.md`` come from ``--split report`` (performers no tuning run saw).
Run: ``python benchmarks/bench_timemap.py [--split report] [--drops 30] [--drift 6] [--clean 10]``.
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._paths import shared_root  # noqa: E402
from benchmarks._results import markdown_table, write_section  # noqa: E402
from benchmarks.bench_pose2sim_offsets import CAMERAS, JSON_DIR, equal_windows  # noqa: E402
from benchmarks.timemap_cases import MAX_OFFSET_SECONDS, Case, make_case  # noqa: E402
from videosync.errors import CannotSynchronizeError  # noqa: E402
from videosync.poses import load_poses  # noqa: E402
from videosync.sync.bounds import UNBOUNDED, OffsetBounds  # noqa: E402
from videosync.sync.methods import make_method  # noqa: E402
from videosync.sync.framerate import resolve_assumed_rates  # noqa: E402
from videosync.sync.timemap import TimeMap, estimate_time_map, held_rows  # noqa: E402
from videosync.tunables import DEFAULT_MIN_CONFIDENCE  # noqa: E402

MOCAP = shared_root() / "data" / "mocap"
SEEDS = {"tune": 1, "report": 2}


@dataclass
class Answer:
    """One pair's answers: the single offset (baseline) and the time map, with their times."""

    est: object | None
    tm: TimeMap | None
    est_s: float
    tm_s: float

    @property
    def base_conf(self) -> float:
        return 0.0 if self.est is None else float(self.est.confidence)

    @property
    def tm_conf(self) -> float:
        return 0.0 if self.tm is None else float(self.tm.estimate.confidence)


REFUSED = Answer(None, None, 0.0, 0.0)


def answer(method, a, b, bounds: OffsetBounds) -> Answer:
    t0 = time.perf_counter()
    try:
        est = method.estimate(a, b, bounds=bounds)
    except CannotSynchronizeError:
        return Answer(None, None, time.perf_counter() - t0, 0.0)
    t1 = time.perf_counter()
    tm = estimate_time_map(method, a, b, est, bounds=bounds)
    return Answer(est, tm, t1 - t0, time.perf_counter() - t1)


# ------------------------------------------------------------------------------ scoring
def far_from_drops(case: Case, seconds: float = 1.0) -> np.ndarray:
    """Frames of A with a truth at least ``seconds`` from every drop."""
    i = np.arange(len(case.a))
    keep = np.isfinite(case.truth_b)
    for d in case.drops_a:
        keep &= np.abs(i - d) >= seconds * case.fps
    return i[keep]


def base_errors(ans: Answer, case: Case, frames: np.ndarray) -> np.ndarray:
    return base_errors_at(ans, frames, case.truth_b[frames])


def base_errors_at(ans: Answer, frames: np.ndarray, true_b: np.ndarray) -> np.ndarray:
    """How far the single offset puts each of A's ``frames`` from B's true frame ``true_b``."""
    return np.abs(ans.est.rate * frames + ans.est.offset_frames - true_b)


def stated_uncertainty(tm: TimeMap, frames_a: np.ndarray) -> np.ndarray:
    """The uncertainty of the segment holding each frame of A's partner in B."""
    firsts = np.array([s.first_frame for s in tm.segments])
    k = np.clip(np.searchsorted(firsts, np.rint(tm.b_frame(frames_a)), side="right") - 1, 0, len(firsts) - 1)
    return np.array([s.uncertainty_frames for s in tm.segments])[k]


def true_segments_within(errors_at, case: Case) -> tuple[int, int]:
    """How many of the true segments (between drops, 1 s clear of them) map within 1 frame."""
    frames = far_from_drops(case)
    edges = [0, *case.drops_a, len(case.a)]
    parts = [frames[(frames >= lo) & (frames < hi)] for lo, hi in zip(edges[:-1], edges[1:])]
    parts = [p for p in parts if len(p)]
    return sum(int(np.max(errors_at(p)) <= 1.0) for p in parts), len(parts)


def score_drops(ans: Answer, case: Case) -> dict:
    frames = far_from_drops(case)
    out = {"base": "refused", "tm": "refused", "base_seg": (0, 0), "tm_seg": (0, 0), "located": None}
    if ans.est is not None:
        out["base_seg"] = true_segments_within(lambda f: base_errors(ans, case, f), case)
        if ans.base_conf >= DEFAULT_MIN_CONFIDENCE:
            out["base"] = "right" if base_errors(ans, case, frames).max() <= 1.0 else "confidently wrong"
    if ans.tm is None:
        return out
    tm = ans.tm
    err = lambda f: np.abs(tm.b_frame(f) - case.truth_b[f])  # noqa: E731
    out["tm_seg"] = true_segments_within(err, case)
    tol = case.fps  # 1 s
    found = [c.frame_a for c in tm.changes]
    located = all(any(abs(f - d) <= tol for f in found) for d in case.drops_a)
    spurious = any(all(abs(f - d) > tol for d in case.drops_a) for f in found)
    out["located"] = located and not spurious
    if ans.tm_conf < DEFAULT_MIN_CONFIDENCE:
        return out
    e = err(frames)
    out["found"] = [(c.frame_a, int(c.step_frames), bool(c.located)) for c in tm.changes]
    out["truth"] = list(zip(case.drops_a, case.sizes))
    out["widest"] = max(s.uncertainty_frames for s in tm.segments)
    if e.max() <= 1.0 and out["located"]:
        out["tm"] = "right"
    elif np.all(e <= stated_uncertainty(tm, frames) + 1.0):
        out["tm"] = "flagged"
    else:
        out["tm"] = "confidently wrong"
    return out


# ------------------------------------------------------------------------------ parts
def run_synthetic(kind: str, n: int, split: str, method, progress) -> list[dict]:
    rows = []
    rng = np.random.default_rng([SEEDS[split], {"drops": 1, "drift": 2, "clean": 3}[kind]])
    for k in range(n):
        if kind == "drift":
            seconds, ppm, drops = float(rng.uniform(120, 600)), float(rng.uniform(50, 500)), 0
        else:
            seconds, ppm = float(np.exp(rng.uniform(np.log(10), np.log(120)))), 0.0
            drops = int(rng.integers(1, 11)) if kind == "drops" else 0
        case = make_case(f"{kind}{k}", split, MOCAP, SEEDS[split], seconds=seconds, n_drops=drops, drift_ppm=ppm)
        bounds = OffsetBounds(int(math.ceil((MAX_OFFSET_SECONDS + 1) * case.fps)))
        ans = answer(method, case.a, case.b, bounds)
        row = {"case": case, "ans": ans}
        if kind == "drops":
            row.update(score_drops(ans, case))
        elif kind == "drift":
            frames = np.flatnonzero(np.isfinite(case.truth_b))
            row["tm_drift"] = ans.tm.drift_ppm if ans.tm else math.nan
            row["tm_err"] = float(np.max(np.abs(ans.tm.b_frame(frames) - case.truth_b[frames]))) if ans.tm else math.inf
            row["base_err"] = float(base_errors(ans, case, frames).max()) if ans.est else math.inf
        else:
            frames = np.flatnonzero(np.isfinite(case.truth_b))
            row["changed"] = (ans.tm is not None and (len(ans.tm.segments) > 1 or abs(
                ans.tm.b_frame(frames) - (ans.est.rate * frames + ans.est.offset_frames)).max() > 0.1))
            row["base_err"] = float(base_errors(ans, case, frames).max()) if ans.est else math.inf
            row["tm_err"] = float(np.max(np.abs(ans.tm.b_frame(frames) - case.truth_b[frames]))) if ans.tm else math.inf
            row["widest"] = max(s.uncertainty_frames for s in ans.tm.segments) if ans.tm else math.nan
        rows.append(row)
        progress(kind, k, row)
    return rows


def demo_pairs(ks=(-10, 0, 10)):
    tracks = {cam: load_poses(JSON_DIR / f"{cam}_json") for cam in CAMERAS}
    for (ca, cb), k in itertools.product(itertools.combinations(CAMERAS, 2), ks):
        a, b = equal_windows(tracks[ca], tracks[cb], k)
        yield f"{ca}-{cb} k={k:+d}", a, b, k


def without(track, start: int, size: int):
    keep = np.ones(len(track), bool)
    keep[start:start + size] = False
    kept = track.select(keep)
    return kept.with_keypoints(kept.keypoints, np.arange(len(kept)))


def retimed(track, tm: TimeMap, frames_a: np.ndarray):
    """``track`` (B) on the reference's frames ``frames_a`` as trim re-times a video: row ``i``
    holds B's frame showing the reference's frame ``i``, its last one held where it lost frames."""
    rows = held_rows(tm, track.frame_index, frames_a)
    inside = rows >= 0
    return track.with_keypoints(track.keypoints[rows[inside]], np.asarray(frames_a)[inside])


def run_demo(method, progress) -> list[dict]:
    """Every pair as it is, then with ``size`` frames removed from B's middle (2-5 in turn)."""
    rows = []
    bounds = OffsetBounds(30)
    for n, (name, a, b, k) in enumerate(demo_pairs()):
        plain = answer(method, a, b, bounds)
        size = 2 + n % 4
        cut = len(b) // 2
        dropped = without(b, cut, size)
        ans = answer(method, a, dropped, bounds)
        row = {"name": name, "k": k, "size": size, "plain": plain, "ans": ans}
        # truth: B's frame j shows A's frame j - k before the cut, j + size - k after it
        frames_a = np.arange(len(a))
        truth_b = frames_a + k - np.where(frames_a + k >= cut + size, size, 0)
        truth_b = np.where((frames_a + k >= cut) & (frames_a + k < cut + size), np.nan, truth_b)
        ok = np.isfinite(truth_b) & (truth_b >= 0) & (truth_b < len(dropped))
        row["drop_a"] = cut + size - k
        if ans.tm is not None:
            row["tm_err"] = float(np.max(np.abs(ans.tm.b_frame(frames_a[ok]) - truth_b[ok])))
            row["found"] = [(c.frame_a, c.step_frames) for c in ans.tm.changes]
            resynced = retimed(dropped, ans.tm, a.frame_index)
            again = answer(method, a, resynced, bounds)
            row["again"] = again
        if plain.est is not None:
            row["plain_err"] = abs(plain.est.offset_frames - k)
            row["plain_tm_err"] = abs(plain.tm.longest.offset_frames - k)
        if ans.est is not None:
            row["base_err"] = float(np.max(np.abs(ans.est.rate * frames_a[ok] + ans.est.offset_frames - truth_b[ok])))
        rows.append(row)
        progress("demo", n, row)
    return rows


# ------------------------------------------------------------------------------ report
def clear_of_steps(truth, fps: float, seconds: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """A's whole frames in the overlap of a synthetic case's ``truth`` (``videosync.synth.scenarios.Truth``)
    at least ``seconds`` from a step of its true offset, and B's true (fractional) frame at each."""
    frames = np.arange(math.ceil(truth.a[0]), math.floor(truth.a[-1]) + 1)
    true_b = np.interp(frames, truth.a, truth.b)
    offset = true_b - truth.rate * frames
    steps = frames[1:][np.abs(np.diff(offset)) > 0.5]
    keep = np.ones(len(frames), bool)
    for f in steps:
        keep &= np.abs(frames - f) >= seconds * fps
    return frames[keep], true_b[keep]


def score_varied(ans: Answer, truth, fps_a: float) -> dict:
    """Worst frame error of the single offset and of the time map over ``clear_of_steps``, the time
    map's worst error beyond its stated uncertainty, and whether it moved the single answer."""
    frames, true_b = clear_of_steps(truth, fps_a)
    lo, hi = truth.offset_range
    out = {"constant": hi - lo < 1e-6, "base_err": math.inf, "tm_err": math.inf, "beyond": math.inf,
           "moved": False, "base_conf": ans.base_conf, "tm_conf": ans.tm_conf}
    if ans.est is None or not len(frames):
        return out
    out["base_err"] = float(base_errors_at(ans, frames, true_b).max())
    if ans.tm is not None:
        err = np.abs(ans.tm.b_frame(frames) - true_b)
        out["tm_err"] = float(err.max())
        out["beyond"] = float(np.max(err - stated_uncertainty(ans.tm, frames)))
        out["moved"] = len(ans.tm.segments) > 1 or float(np.max(np.abs(
            ans.tm.b_frame(frames) - (ans.est.rate * frames + ans.est.offset_frames)))) > 0.1
    return out


def run_varied(n: int, split: str, method, progress) -> list[dict]:
    """The first ``n`` calibration cases of ``split`` (the same draw as ``bench_calibration.py``)."""
    from videosync.synth.cases import build_case, catalogue, draw_split, split_clips

    clips = catalogue(MOCAP)
    by_id = {c.clip_id: c for c in clips}
    rows = []
    for k, spec in enumerate(draw_split(clips, split_clips(clips, 0), split, n, 0)):
        case = build_case(spec, by_id)
        # an assumed frame rate is found from the motion first, as align does (or the pair refused)
        a, b = resolve_assumed_rates([case.a, case.b], method, UNBOUNDED)
        ans = REFUSED if b.meta.get("fps_unresolved") else answer(method, a, b, UNBOUNDED)
        row = {"case": spec.id, "ans": ans, "rate_unknown": "rate-unknown" in case.tags["conditions"],
               **score_varied(ans, case.truth, case.a.fps)}
        rows.append(row)
        progress("varied", k, {key: row[key] for key in ("constant", "base_err", "tm_err", "moved")})
    return rows


def varied_table(rows: list[dict]) -> str:
    confident = lambda r, key: r[f"{key}_conf"] >= DEFAULT_MIN_CONFIDENCE  # noqa: E731
    right = lambda r, key: r[f"{key}_err"] <= 1.0  # noqa: E731
    def line(name: str, group: list[dict], constant: bool) -> list[str]:
        broken = [r for r in group if right(r, "base") and not right(r, "tm")]
        n = len(group)
        return [f"{name}: {n}", pct(sum(right(r, "base") and confident(r, "base") for r in group), n),
                pct(sum(right(r, "tm") and confident(r, "tm") for r in group), n), pct(sum(r["moved"] for r in group), n),
                pct(len(broken), n) if constant else "-",
                pct(sum(confident(r, "tm") and r["beyond"] > 1.0 for r in broken), n) if constant else "-"]

    known = [r for r in rows if r["constant"] and not r["rate_unknown"]]
    unknown = [r for r in rows if r["constant"] and r["rate_unknown"]]
    lost = [r for r in rows if not r["constant"]]
    table = markdown_table(
        ["pairs", "single offset within 1 frame (confident)", "time map within 1 frame (confident)",
         "answers the time map moved", "right single offsets the time map made wrong",
         "... of them confident and beyond the stated uncertainty + 1 frame"],
        [line("constant offset, frame rates known", known, True),
         line("constant offset, a frame rate unknown (found from the motion)", unknown, True),
         line("frames lost without timestamps", lost, False)])
    return (f"The first {len(rows)} cases of the calibration benchmark's split (varied cameras, rates, noise, "
            "bodies and overlaps; unbounded search). Within 1 frame: every frame of A in the overlap at least 1 s "
            "from a true step; confident: the method's own confidence at least align's default. A frame rate "
            "read as 30 fps (an OpenPose folder without its video) is first found from the motion, as align does; "
            "a pair whose rate the motion cannot decide counts as refused.\n\n" + table)


def pct(k: int, n: int) -> str:
    return f"{k}/{n} ({100 * k / n:.0f} %)" if n else "-"


def drops_table(rows: list[dict]) -> str:
    n = len(rows)
    count = lambda key, value: sum(r[key] == value for r in rows)  # noqa: E731
    seg = lambda key: tuple(map(sum, zip(*(r[key] for r in rows))))  # noqa: E731
    located = sum(bool(r["located"]) for r in rows)
    drops = sum(len(r["case"].drops_a) for r in rows)
    body = markdown_table(
        ["answer", "right (every segment within 1 frame, every drop within 1 s)", "flagged", "refused",
         "confidently wrong", "true segments within 1 frame"],
        [["single offset (today's align)", pct(count("base", "right"), n), "-", pct(count("base", "refused"), n),
          pct(count("base", "confidently wrong"), n), pct(*seg("base_seg"))],
         ["time map", pct(count("tm", "right"), n), pct(count("tm", "flagged"), n), pct(count("tm", "refused"), n),
          pct(count("tm", "confidently wrong"), n), pct(*seg("tm_seg"))]])
    seconds = [r["case"].seconds for r in rows]
    widest = np.array([r.get("widest", math.nan) for r in rows])
    return (f"{n} pairs of {min(seconds):.0f}-{max(seconds):.0f} s, {drops} drops inside the overlaps; every "
            f"drop located within 1 s with no change found elsewhere: {pct(located, n)} of pairs; the time map's "
            f"widest stated uncertainty per pair: median {np.nanmedian(widest):.1f}, largest "
            f"{np.nanmax(widest):.1f} frames.\n\n" + body)


def drift_table(rows: list[dict]) -> str:
    table = [[f"{r['case'].seconds / 60:.1f} min", f"{r['case'].drift_ppm:.0f}", f"{r['tm_drift']:.0f}",
              f"{r['tm_err']:.2f}", f"{r['base_err']:.2f}", f"{r['ans'].tm_conf:.2f}"] for r in rows]
    good = sum(abs(r["tm_drift"] - r["case"].drift_ppm) <= 20 and r["tm_err"] <= 1.0 for r in rows)
    base = sum(r["base_err"] <= 1.0 for r in rows)
    return (f"Drift within 20 ppm and every frame within 1 frame: {pct(good, len(rows))} of pairs (the single "
            f"offset: every frame within 1 frame in {pct(base, len(rows))}).\n\n"
            + markdown_table(["length", "true drift (ppm)", "time map's drift (ppm)", "time map's worst frame error",
                              "single offset's worst frame error", "confidence"], table))


def clean_table(rows: list[dict]) -> str:
    n = len(rows)
    changed = sum(r["changed"] for r in rows)
    est_s = sum(r["ans"].est_s for r in rows)
    tm_s = sum(r["ans"].tm_s for r in rows)
    within = lambda key: sum(r[key] <= 1.0 for r in rows)  # noqa: E731
    widest = np.array([r["widest"] for r in rows])
    return (f"{n} pairs of 10-120 s without drop or drift: answer changed by the time map (another segment, "
            f"or more than 0.1 frame anywhere) in {changed}; every frame within 1 frame: single offset "
            f"{pct(within('base_err'), n)}, time map {pct(within('tm_err'), n)}; the time map's widest stated "
            f"uncertainty: median {np.nanmedian(widest):.1f}, largest {np.nanmax(widest):.1f} frames; time: the "
            f"estimate {est_s:.0f} s, the time map {tm_s:.0f} s more (x{(est_s + tm_s) / max(est_s, 1e-9):.2f}).")


def demo_table(rows: list[dict]) -> str:
    n = len(rows)
    plain = sum(r.get("plain_err", math.inf) <= 1.0 and r["plain"].base_conf >= DEFAULT_MIN_CONFIDENCE for r in rows)
    plain_tm = sum(r.get("plain_tm_err", math.inf) <= 1.0 and len(r["plain"].tm.segments) == 1
                   and r["plain"].tm_conf >= DEFAULT_MIN_CONFIDENCE for r in rows if r["plain"].tm)
    found = sum(any(abs(f - r["drop_a"]) <= 6 and s == -r["size"] for f, s in r.get("found", [])) for r in rows)
    right = sum(r.get("tm_err", math.inf) <= 1.0 and r["ans"].tm_conf >= DEFAULT_MIN_CONFIDENCE for r in rows)
    base = sum(r.get("base_err", math.inf) <= 1.0 and r["ans"].base_conf >= DEFAULT_MIN_CONFIDENCE for r in rows)
    again = sum(r.get("again") is not None and r["again"].tm is not None and len(r["again"].tm.segments) == 1
                and abs(r["again"].tm.segments[0].offset_frames) <= 1.0 and r["again"].tm_conf >= DEFAULT_MIN_CONFIDENCE
                for r in rows)
    t_est = sum(r["plain"].est_s for r in rows)
    t_tm = sum(r["plain"].tm_s for r in rows)
    return markdown_table(["Pose2Sim demo, 6 camera pairs x k in -10, 0, +10 (60 fps, 75-100 frames)", "pairs"], [
        ["as recorded: single offset within 1 frame (confident)", pct(plain, n)],
        ["as recorded: time map one segment within 1 frame (confident)", pct(plain_tm, n)],
        ["as recorded: time of the estimate / of the time map added", f"{t_est:.1f} s / {t_tm:.1f} s"],
        ["2-5 frames removed from B's middle: the cut found (step exact, within 0.1 s)", pct(found, n)],
        ["... every frame within 1 frame: time map (confident)", pct(right, n)],
        ["... every frame within 1 frame: single offset (confident)", pct(base, n)],
        ["... B re-timed by the time map, aligned again: one segment at 0 +- 1 frame (confident)", pct(again, n)]])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=sorted(SEEDS), default="tune")
    parser.add_argument("--drops", type=int, default=30)
    parser.add_argument("--drift", type=int, default=6)
    parser.add_argument("--clean", type=int, default=10)
    parser.add_argument("--varied", type=int, default=0, help="calibration cases of the split to run (0: none)")
    parser.add_argument("--no-demo", action="store_true")
    parser.add_argument("--method", default="sesyn", help="sesyn (with its geometric refinement, align's default)")
    parser.add_argument("--no-write", action="store_true", help="print only (always so for --split tune)")
    args = parser.parse_args()
    method = make_method(args.method, refine=True)
    t0 = time.perf_counter()

    def progress(kind: str, k: int, row: dict) -> None:
        keys = ("base", "tm", "located", "tm_drift", "tm_err", "base_err", "changed", "found", "truth", "widest",
                "plain_err", "constant", "moved")
        shown = {key: row[key] for key in keys if key in row}
        print(f"[{time.perf_counter() - t0:6.0f} s] {kind} {k}: {shown}", flush=True)

    parts = []
    for kind, n, table in (("drops", args.drops, drops_table), ("drift", args.drift, drift_table),
                           ("clean", args.clean, clean_table)):
        if n:
            parts.append((kind, table(run_synthetic(kind, n, args.split, method, progress))))
    if args.varied:
        parts.append(("varied", varied_table(run_varied(args.varied, args.split, method, progress))))
    if not args.no_demo:
        parts.append(("demo", demo_table(run_demo(method, progress))))
    text = "\n\n".join(f"**{kind}**\n\n{body}" for kind, body in parts)
    print(text)
    if args.split == "report" and not args.no_write:
        intro = (f"Method {args.method} with its geometric refinement (align's default); synthetic pairs from the "
                 f"`{args.split}` clips (performers the settings were not chosen on), offsets within "
                 f"+-{MAX_OFFSET_SECONDS:g} s, searched within +-{MAX_OFFSET_SECONDS + 1:g} s. Run time "
                 f"{(time.perf_counter() - t0) / 60:.0f} min.")
        write_section("bench_timemap", "Offsets that change along the recording: the time map", intro + "\n\n" + text)


if __name__ == "__main__":
    main()

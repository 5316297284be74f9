"""When may ``align``'s adaptive analysis stop? Its ladder of rounds replayed on pose tracks of the
``tune`` split (issue 22): the figures the stopping rule of :mod:`videosync.sync.adaptive` was
chosen on, never those it is reported on.

Cases (none is a pair ``bench_speed.py`` reports on):

* ``synthetic``: the ``tune`` split of :mod:`videosync.synth.cases` (its performers only), the
  cases whose windows are longer than ``FULL_RATE_SECONDS`` (the ones the ladder applies to);
* ``demo``: 1-minute tracks made from the Pose2Sim demo's OpenPose poses like the speed
  benchmark's (:func:`benchmarks.speed_media.long_tracks`) but from the camera pairs and seeds it
  does not use (cam03/cam04, cam01/cam03, cam02/cam04), B cut by 20-900 frames.

Each case climbs the ladder as ``videosync.sync.adaptive._climb`` does on videos (the first
stretch placed where A's joints move most, instead of where its compressed frames are largest),
recording every round's answer (offset error against the truth, calibrated confidence, error
bar); then, for each candidate threshold and rule, where "confidence >= threshold and error bar
within the frame-exact search" (*alone*), or that and the answer within a coarse frame of the
round before's (*agreeing*; a round covering the tracks needs no agreement), or that without the
error bar (*agreeing, no error-bar condition*, the rule of ``adaptive.trusted``), stops: whether the
answer it stops on is right (within one coarse frame, which the frame-exact pass then sets), and
how much it analysed. The answer of the whole tracks (``--full``) is the reference.

Usage: python benchmarks/tune_stopping.py [--cases 400] [--demo 9] [--from-records]
Prints the figures and writes them to its section of docs/results.md; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._paths import REPO, shared_root  # noqa: E402
from benchmarks._results import markdown_table, write_section  # noqa: E402

THRESHOLDS = (0.3, 0.6, 0.7, 0.9)
#: (name, the answer must agree with the round before's, the error bar must lie within the frame-exact search)
RULES = (("alone", False, True), ("agreeing", True, True), ("agreeing, no error-bar condition", True, False))
DEMO_PAIRS = (("cam03", "cam04"), ("cam01", "cam03"), ("cam02", "cam04"))
WITHIN_FRAMES = 1.0


@dataclass
class Case:
    name: str
    a: object
    b: object
    error: object  # (offset_frames, rate) -> worst error in frames of B


def synthetic_cases(n: int) -> list[Case]:
    from videosync.synth.cases import build_case, catalogue, draw_split, split_clips
    from videosync.tunables import FULL_RATE_SECONDS

    clips = catalogue(shared_root() / "data" / "mocap")
    specs = [s for s in draw_split(clips, split_clips(clips), "tune", n) if s.window_s > FULL_RATE_SECONDS]
    by_id = {c.clip_id: c for c in clips}
    out = []
    for spec in specs:
        case = build_case(spec, by_id)
        out.append(Case(spec.id, case.a, case.b, case.truth.worst_error))
    return out


def demo_cases(n: int) -> list[Case]:
    import benchmarks.speed_media as media

    rng = np.random.default_rng(22)
    out = []
    for i in range(n):
        cams = DEMO_PAIRS[i % len(DEMO_PAIRS)]
        offset = int(rng.integers(20, 900))
        saved, media.CAMERAS = media.CAMERAS, cams
        try:
            a, b = media.long_tracks(1800, offset, fps=30, seed=100 + i)
        finally:
            media.CAMERAS = saved
        out.append(Case(f"demo-{cams[0]}-{cams[1]}-{offset}", a, b,
                        lambda off, rate, true=-offset: abs(off - true) + abs(rate - 1.0) * 1800))
    return out


def _videos(case: Case):
    from videosync.sync.adaptive import Video

    return [Video(Path(t.source or str(k)), float(t.fps), int(t.frame_index[0]), int(t.frame_index[-1]) + 1)
            for k, t in enumerate((case.a, case.b))]


def _first(case: Case, videos) -> object:
    from videosync.sync.adaptive import Round
    from videosync.sync.coarse import busiest_stretch
    from videosync.tunables import FIRST_STRETCH_SECONDS

    part = busiest_stretch(case.a, FIRST_STRETCH_SECONDS)
    return Round(float(part.frame_index[0]) / videos[0].fps, FIRST_STRETCH_SECONDS, 0.0)


def climb(case: Case) -> list[dict]:
    """Every round's answer on the case, until the stretches cover the tracks."""
    from videosync.api import align
    from videosync.sync.adaptive import _round_answer, covers, pair_at_source_rate
    from videosync.sync.bounds import OffsetBounds
    from videosync.sync.coarse import lower_rate

    videos, bounds = _videos(case), OffsetBounds(None)
    step, rounds = _first(case, videos), []
    while True:
        spans = step.spans(videos, bounds)
        tracks = [lower_rate(t.frames_between(s.first, s.stop), s.stride) for t, s in zip((case.a, case.b), spans)]
        strides = [s.stride for s in spans]
        result = _round_answer(align, tracks, {}, strides) if all(len(t) > 1 for t in tracks) else None
        row = {"seconds": sum((s.stop - s.first) / v.fps for s, v in zip(spans, videos)), "confidence": 0.0,
               "uncertainty": float("inf"), "right": False, "offset": float("nan"), "stride": strides[1]}
        if result is not None and result.pairs:
            pair = pair_at_source_rate(result.pairs[0], *strides)
            entry = result.inputs[1]
            row.update(confidence=float(entry.confidence), uncertainty=float(entry.uncertainty_seconds),
                       offset=float(pair.offset_frames),
                       right=bool(case.error(pair.offset_frames, pair.rate) <= WITHIN_FRAMES * strides[1]))
        rounds.append(row)
        later = step.next(videos)
        row["covers"] = covers(spans, videos)
        if covers(spans, videos) or later.spans(videos, bounds) == spans:
            return rounds
        step = later


def full(case: Case) -> dict:
    from videosync.api import align
    from videosync.errors import CannotSynchronizeError

    try:
        result = align([case.a, case.b], min_confidence=0.0)
    except CannotSynchronizeError:
        return {"confidence": 0.0, "right": False}
    entry = result.inputs[1]
    return {"confidence": float(entry.confidence),
            "right": bool(case.error(entry.offset_frames, entry.rate) <= WITHIN_FRAMES)}


def stop_at(rounds: list[dict], threshold: float, agreeing: bool, error_bar: bool = True) -> tuple[dict | None, float]:
    """The round the rule stops at (None: everything analysed) and the seconds analysed.
    ``agreeing``: the round's answer must also be within one coarse frame of the previous one's
    (a wider search confirms it), unless the round covers the tracks (as
    :func:`videosync.sync.adaptive.confirmed` is used); ``error_bar``: its error bar (90 %) must
    lie within the frame-exact search (``REFINE_SEARCH_SECONDS``)."""
    from videosync.tunables import REFINE_SEARCH_SECONDS

    for k, row in enumerate(rounds):
        if row["confidence"] >= threshold and (not error_bar or row["uncertainty"] <= REFINE_SEARCH_SECONDS):
            if not agreeing or row["covers"] or (k and abs(row["offset"] - rounds[k - 1]["offset"]) <= row["stride"]):
                return row, row["seconds"]
    return None, rounds[-1]["seconds"]


def table(records: list[tuple[Case, list[dict], dict]], trusted: float) -> list[list[str]]:
    """Per threshold: stopped early, right when stopped, wrong answers trusted (the stopped
    round's, or the full analysis' at ``trusted`` where the rule did not stop), seconds analysed."""
    rows = []
    n_full_wrong = sum(1 for _, _, f in records if not f["right"] and f["confidence"] >= trusted)
    for t, (rule, agreeing, error_bar) in ((t, rule) for rule in RULES for t in THRESHOLDS):
        stops = [(stop_at(r, t, agreeing, error_bar), f) for _, r, f in records]
        early = [(s, f) for (s, _), f in stops if s is not None]
        before_end = sum(1 for ((s, _), _), (_, r, _) in zip(stops, records) if s is not None and s is not r[-1])
        wrong = sum(1 for s, _ in early if not s["right"])
        wrong += sum(1 for (s, _), f in stops if s is None and not f["right"] and f["confidence"] >= max(t, trusted))
        seconds = np.mean([sec for (_, sec), _ in stops])
        rows.append([f"{t:.2f}" + ("" if rule == "alone" else f", {rule}"),
                     f"{before_end} / {len(records)}",
                     f"{sum(s['right'] for s, _ in early)} / {len(early)}", str(wrong),
                     str(sum(1 for s, _ in early if not s["right"] and s["confidence"] >= trusted)), f"{seconds:.1f} s"])
    rows.append(["(everything, --full)", "-", "-", str(n_full_wrong), "-",
                 f"{np.mean([r[-1]['seconds'] for _, r, _ in records]):.1f} s"])
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=400, help="tune-split cases drawn (those longer than "
                    "FULL_RATE_SECONDS are kept)")
    ap.add_argument("--demo", type=int, default=9, help="1-minute demo tracks")
    ap.add_argument("--records", type=Path, default=REPO / "data" / "tune_stopping.json",
                    help="every round's answer per case (written; with --from-records, read instead of run)")
    ap.add_argument("--from-records", action="store_true", help="the figures from --records, nothing run")
    args = ap.parse_args()
    if args.from_records:
        saved = json.loads(args.records.read_text())
        report([(SimpleNamespace(name=r["name"]), r["rounds"], r["full"]) for r in saved["cases"]],
               saved["demo"], saved["drawn"])
        return
    from videosync.trust.assess import default_min_confidence

    cases = demo_cases(args.demo) + synthetic_cases(args.cases)
    records = []
    for case in cases:
        rounds, whole = climb(case), full(case)
        records.append((case, rounds, whole))
        print(case.name, [(round(r["confidence"], 2), round(r["uncertainty"], 2), r["right"], round(r["offset"], 1))
                          for r in rounds], whole, flush=True)
        args.records.parent.mkdir(parents=True, exist_ok=True)
        args.records.write_text(json.dumps({"demo": args.demo, "drawn": args.cases, "cases": [
            {"name": c.name, "rounds": r, "full": f} for c, r, f in records]}))
    report(records, args.demo, args.cases)


def report(records: list, demo: int, drawn: int) -> None:
    from videosync.trust.assess import default_min_confidence

    trusted = default_min_confidence()
    header = ["stop at confidence >=", "stopped before the end", "right when stopped", "wrong answers trusted",
              "of which a stopped round's answer trusted", "seconds analysed (A + B, mean)"]
    body = (f"{len(records)} cases: {demo} demo tracks (1 minute, 30 fps, camera pairs and seeds the speed "
            f"benchmark does not use) and {len(records) - demo} `tune`-split cases longer than the "
            f"adaptive analysis' minimum (of {drawn} drawn). Right: within 1 frame (1 coarse frame for a "
            f"stopped round, which the frame-exact pass then sets). Wrong answers trusted: a stopped round's "
            f"wrong answer, or, where the rule never stops, the full analysis' wrong answer at a confidence of at "
            f"least the threshold and align's default ({trusted}).\n\n"
            + markdown_table(header, table(records, trusted))
            + "\n\nRead: where the answer of a round alone may stop the analysis, some stop on a wrong answer "
              "its narrow view made look sure (the truth beyond the round's stretches), at any threshold the "
              "calibrated confidence takes; asking the next, wider round to agree stops none there, for about "
              "a round more of analysis. With the 90 % error bar asked to lie within the frame-exact search, "
              "every threshold up to 0.9 stops alike: an answer under 0.9 has an error bar reaching into the far "
              "errors, so that condition asks for 0.9 whatever the threshold. Without it, at align's threshold "
              "(one meaning of trusted), compare the rows: the rule `adaptive.trusted` follows.")
    print(body)
    write_section("tune_stopping", "Adaptive analysis: when to stop (tune split)", body,
                  command=f"python benchmarks/tune_stopping.py --cases {drawn} --demo {demo}")


if __name__ == "__main__":
    main()

"""End-to-end ``videosync.align`` on videos derived from the Pose2Sim demo under hard conditions.

The tool will meet recordings we do not have: phones mounted sideways, dropped frames,
upper-body-only shots, low and mixed frame rates, webcam resolutions. This script makes such
videos from the 4 real demo cameras (60 fps, 100 frames, hardware-synchronized: true offset 0),
writes them to a work folder (the inputs are never modified), and runs the real end-to-end
``videosync.align([a, b])`` (pose estimation with MediaPipe included) on camera pairs with a known
offset k.

Known offset without a length leak: for k > 0 camera A keeps source frames [s, s + L) and camera B
[0, L) (s = the shift in source frames, L = 100 - s); for k < 0 the other way round. Both videos
then last equally long, so the clip length never reveals k (see ``equal_windows`` in
``bench_pose2sim_offsets.py``). k is expressed, as ``align`` reports it, in frames of B: frame i of
A shows the same instant as frame ``rate * i + k`` of B.

Conditions (``--conditions`` to choose; each names what is done to which camera):

* ``original``: the windows re-encoded as they are (the control).
* ``rot90-pixels``: B's pixels turned 90 degrees clockwise, no tag (a phone filming sideways that
  does not write a rotation tag). ``rot90-both``: both cameras.
* ``rot90-tag``: B's pixels turned and a display-matrix tag that turns them back (what phones write).
* ``drop-vfr``: ~10 % of B's frames removed at random, the rest keep their timestamps (a variable
  frame rate file: the reader must number frames from the timestamps, not the decode order).
* ``drop-cfr``: the same frames removed but the rest written at a constant rate (nothing can tell
  a frame is missing; the true offset drifts by up to 10 % of the clip; measured against k at
  frame 0 of A).
* ``upper-body``: both cameras cropped to the top ~55 % of the person (hips up).
* ``fps30`` / ``fps15``: every 2nd / 4th frame kept, both cameras (30 / 15 fps files).
* ``mixed-60-30``: A at 60 fps, B at 30 fps (the offset is in B's frames).
* ``lowres``: both cameras scaled to 360 px wide (360x640), as a webcam would give.

Poses are cached (``VIDEOSYNC_CACHE_DIR`` in the work folder; derived videos are written
deterministically, so a rerun with ``--workdir`` reuses both videos and poses). Prints one row per
condition for the default method (SeSyn-Net + geometric refinement, what ``videosync align`` runs)
and for a baseline on the same pairs.

The table is also written to this script's section of ``docs/results.md``.

Run: ``python benchmarks/bench_conditions.py [--conditions original,fps15] [--workdir DIR]``.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._paths import POSE2SIM_DEMO  # noqa: E402
from benchmarks._results import markdown_table, write_section  # noqa: E402

DEMO = POSE2SIM_DEMO / "single-person"
VIDEOS = DEMO / "videos"
JSON_DIR = DEMO / "pose-json-index-is-video-frame-minus-1"
N_SOURCE = 100  # frames per demo video
SOURCE_FPS = 60

#: Camera pairs (A, B): every camera appears, front/front, front/back and back/back views.
PAIRS = (("cam01", "cam02"), ("cam01", "cam03"), ("cam02", "cam04"))
#: Offsets k in frames of B at 60 fps (scaled down for lower rates, see Condition.ks).
KS_60 = (-9, 0, 14)


@dataclass(frozen=True)
class Condition:
    name: str
    step_a: int = 1  # keep every step-th source frame
    step_b: int = 1
    transform_a: str = ""  # "", "rot90", "upper", "lowres"
    transform_b: str = ""
    drop_b: str = ""  # "", "vfr", "cfr"
    tag_b: int = 0  # display rotation tag (degrees counter-clockwise) on B
    ks: tuple[int, ...] = KS_60  # in frames of B

    @property
    def fps_b(self) -> float:
        return SOURCE_FPS / self.step_b


CONDITIONS = {
    c.name: c
    for c in (
        Condition("original"),
        Condition("rot90-pixels", transform_b="rot90"),
        Condition("rot90-both", transform_a="rot90", transform_b="rot90"),
        Condition("rot90-tag", transform_b="rot90", tag_b=90),
        Condition("drop-vfr", drop_b="vfr"),
        Condition("drop-cfr", drop_b="cfr"),
        Condition("upper-body", transform_a="upper", transform_b="upper"),
        Condition("fps30", step_a=2, step_b=2, ks=(-5, 0, 7)),
        Condition("fps15", step_a=4, step_b=4, ks=(-2, 0, 3)),
        Condition("mixed-60-30", step_a=1, step_b=2, ks=(-5, 0, 7)),
        Condition("lowres", transform_a="lowres", transform_b="lowres"),
    )
}


# ---------------------------------------------------------------------------- deriving videos
@functools.lru_cache(maxsize=None)
def upper_body_box(cam: str) -> tuple[int, int, int, int]:
    """Fixed crop (x0, y0, x1, y1) showing the top ~55 % of the person over the whole clip.

    From the OpenPose JSON shipped with the demo: head top ~ nose - 0.12 x (ankle - nose); the
    crop ends at head top + 0.55 x person height (just below the hips), and spans the arms'
    reach plus a margin, like a webcam framing someone from the hips up.
    """
    from videosync.poses import load_poses

    t = load_poses(JSON_DIR / f"{cam}_json")
    kp = t.keypoints
    seen = kp[..., 2] > 0
    y = np.where(seen, kp[..., 1], np.nan)
    x = np.where(seen, kp[..., 0], np.nan)
    nose, ankle = np.nanmedian(y[:, 0]), np.nanmedian(y[:, 15:17])
    top = nose - 0.12 * (ankle - nose)
    height = ankle + 0.05 * (ankle - nose) - top
    bottom = top + 0.55 * height
    upper = y <= bottom  # joints inside the crop decide its width
    xs = np.where(upper, x, np.nan)
    margin = 0.12 * height
    x0, x1 = np.nanmin(xs) - margin, np.nanmax(xs) + margin
    y0 = min(np.nanmin(np.where(upper, y, np.nan)), top) - margin
    w, h = int(t.width), int(t.height)
    x0, y0 = max(0, int(x0)) // 2 * 2, max(0, int(y0)) // 2 * 2
    x1, y1 = min(w, int(x1)) // 2 * 2, min(h, int(bottom)) // 2 * 2
    return x0, y0, x1, y1


def transform(image: np.ndarray, how: str, cam: str) -> np.ndarray:
    import cv2

    if how == "rot90":  # clockwise, as a phone held sideways (top to the right) sees the scene
        return np.ascontiguousarray(np.rot90(image, k=-1))
    if how == "upper":
        x0, y0, x1, y1 = upper_body_box(cam)
        return np.ascontiguousarray(image[y0:y1, x0:x1])
    if how == "lowres":
        h, w = image.shape[:2]
        return cv2.resize(image, (360, int(round(h * 360 / w / 2)) * 2), interpolation=cv2.INTER_AREA)
    return image


def dropped(n: int, seed: int) -> set[int]:
    """~10 % of the positions 1..n-1 (the first frame is always kept: it defines frame 0)."""
    rng = np.random.default_rng(seed)
    return set(int(i) for i in rng.choice(np.arange(1, n), size=max(1, round(0.1 * n)), replace=False))


@functools.lru_cache(maxsize=None)
def source_frames(cam: str) -> tuple[np.ndarray, ...]:
    """All decoded frames of a demo camera (BGR), kept in memory: each is reused many times."""
    import av

    with av.open(str(VIDEOS / f"{cam}.mp4")) as src:
        return tuple(f.to_ndarray(format="bgr24") for f in src.decode(video=0))


def write_derived(out: Path, cam: str, first: int, length: int, step: int, how: str, drop: str, tag: int) -> Path:
    """Source frames first, first + step, ... < first + length of ``cam``, transformed, as H.264."""
    import av

    if out.exists():
        return out
    keep = list(range(first, first + length, step))
    gone = dropped(len(keep), seed=zlib.crc32(f"{cam}-{first}-{length}".encode())) if drop else set()
    fps = Fraction(SOURCE_FPS, step)
    tmp = out.with_suffix(".part.mp4")
    with av.open(str(tmp), "w") as dst:
        stream = dst.add_stream("libx264", rate=fps, options={"crf": "18", "preset": "ultrafast"})
        stream.pix_fmt = "yuv420p"
        if tag:
            stream.set_display_rotation(tag)  # degrees counter-clockwise to show it upright
        written = 0
        for position, n in enumerate(keep):
            if position in gone:
                continue
            image = transform(source_frames(cam)[n], how, cam)
            if written == 0:
                stream.height, stream.width = image.shape[:2]
                stream.codec_context.time_base = 1 / fps
            vf = av.VideoFrame.from_ndarray(image, format="bgr24")
            vf.pts = position if drop == "vfr" else written  # vfr: the timestamp stays where it was
            vf.time_base = 1 / fps
            for packet in stream.encode(vf):
                dst.mux(packet)
            written += 1
        for packet in stream.encode(None):
            dst.mux(packet)
    tmp.rename(out)
    return out


def pair_videos(workdir: Path, cond: Condition, ca: str, cb: str, k: int) -> tuple[Path, Path]:
    """Equal-duration windows of A and B such that the true offset is k frames of B."""
    shift = k * cond.step_b  # in source frames
    length = N_SOURCE - abs(shift)
    sa, sb = max(0, shift), max(0, -shift)
    folder = workdir / "videos"
    folder.mkdir(parents=True, exist_ok=True)

    def name(cam, first, step, how, drop, tag):
        return folder / f"{cam}-f{first}-n{length}-s{step}-{how or 'plain'}-{drop or 'all'}-t{tag}.mp4"

    a = write_derived(name(ca, sa, cond.step_a, cond.transform_a, "", 0), ca, sa, length, cond.step_a,
                      cond.transform_a, "", 0)
    b = write_derived(name(cb, sb, cond.step_b, cond.transform_b, cond.drop_b, cond.tag_b), cb, sb, length,
                      cond.step_b, cond.transform_b, cond.drop_b, cond.tag_b)
    return a, b


# ---------------------------------------------------------------------------- running align
def run_condition(workdir: Path, cond: Condition, methods: list[str], verbose: bool) -> dict:
    import videosync
    from videosync.errors import CannotSynchronizeError, VideosyncError

    rows = {m: [] for m in methods}
    for ca, cb in PAIRS:
        for k in cond.ks:
            a, b = pair_videos(workdir, cond, ca, cb, k)
            for m in methods:
                t0 = time.perf_counter()
                try:
                    res = videosync.align([str(a), str(b)], method=m)
                    got, conf, why = res.inputs[1].offset_frames, res.inputs[1].confidence, ""
                except CannotSynchronizeError as exc:
                    got, conf, why = None, 0.0, str(exc)
                except VideosyncError as exc:
                    got, conf, why = None, 0.0, f"ERROR {exc}"
                rows[m].append(dict(pair=f"{ca}-{cb}", k=k, got=got, conf=conf, why=why,
                                    seconds=time.perf_counter() - t0))
                if verbose:
                    shown = f"{got:+7.2f} (conf {conf:.2f})" if got is not None else f"refused: {why[:150]}"
                    print(f"    {cond.name:12s} {m:12s} {ca}-{cb} k={k:+3d}: {shown}", flush=True)
    return rows


def summary(rows: list[dict]) -> dict:
    """Counts of one condition and method: pairs, within 1 frame, mean |error|, refused, errors, confident-wrong."""
    answered = [r for r in rows if r["got"] is not None]
    errs = np.array([abs(r["got"] - r["k"]) for r in answered])
    errors = sum(1 for r in rows if r["why"].startswith("ERROR"))
    return dict(pairs=len(rows), within=int(np.sum(errs <= 1.0)) if len(errs) else 0,
                mean=float(errs.mean()) if len(errs) else None,
                refused=len(rows) - len(answered) - errors, errors=errors,
                wrong_sure=sum(1 for r in answered if abs(r["got"] - r["k"]) > 1 and r["conf"] >= 0.5))


def summary_line(name: str, method: str, rows: list[dict]) -> str:
    c = summary(rows)
    mean = "     -" if c["mean"] is None else f"{c['mean']:6.2f}"
    return (f"{name:13s} {method:12s} {c['pairs']:5d}  {c['within']:3d}/{c['pairs']:<3d}  {mean}  "
            f"{c['refused']:7d}  {c['errors']:6d}  {c['wrong_sure']:14d}")


def write_results(names: list[str], methods: list[str], results: dict) -> None:
    """One row per condition, the methods side by side, into this script's section of docs/results.md."""
    header, rows = ["condition"], []
    for m in methods:
        header += [f"{m}: within 1", "mean abs. err", "refused", "errors", "confident-wrong"]
    for name in names:
        row = [name]
        for m in methods:
            c = summary(results[name][m])
            row += [f"{c['within']}/{c['pairs']}", "-" if c["mean"] is None else f"{c['mean']:.2f}",
                    c["refused"], c["errors"], c["wrong_sure"]]
        rows.append(row)
    write_section("bench_conditions", "Hard conditions, end to end from video",
                  "Videos derived from the 4 Pose2Sim demo cameras (60 fps, 100 frames, true offset 0): 3 "
                  "camera pairs x 3 offsets k per condition, equal-duration windows, `videosync.align` end "
                  "to end (MediaPipe poses, each method followed by the geometric refinement, as `align` "
                  "runs it). "
                  "Errors in frames of B; *refused*: \"cannot synchronize\"; *errors*: any other failure; "
                  "*confident-wrong*: more than 1 frame off with confidence >= 0.5. The conditions are "
                  "described in the script's docstring.\n\n" + markdown_table(header, rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conditions", default=",".join(CONDITIONS))
    parser.add_argument("--methods", default="sesyn,speed-xcorr",
                        help="comma-separated; the first is the tool's default (with geometric refinement)")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="keep derived videos and the pose cache here (default: a temporary folder)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every pair")
    args = parser.parse_args()
    names = args.conditions.split(",")
    unknown = [n for n in names if n not in CONDITIONS]
    if unknown:
        parser.error(f"unknown condition(s) {unknown}; choose from {', '.join(CONDITIONS)}")
    methods = args.methods.split(",")
    import logging

    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.workdir or Path(tmp)
        os.environ["VIDEOSYNC_CACHE_DIR"] = str(workdir / "cache")
        results = {}
        for name in names:
            t0 = time.perf_counter()
            results[name] = run_condition(workdir, CONDITIONS[name], methods, args.verbose)
            print(f"  {name}: {time.perf_counter() - t0:.0f} s", flush=True)
    print()
    print("pairs: 3 camera pairs x 3 offsets; errors in frames of B; refused = 'cannot synchronize';")
    print("error = any other failure; confident-wrong = off by > 1 frame with confidence >= 0.5")
    print("condition     method       pairs  within 1  mean|err|  refused  errors  confident-wrong")
    for name in names:
        for m in methods:
            print(summary_line(name, m, results[name][m]))
    write_results(names, methods, results)


if __name__ == "__main__":
    main()

"""Sound, pose and both: the real Pose2Sim demo videos with real sound laid under them.

The demo's four cameras are hardware-synchronized (true offset 0) and silent. For each pair
(cam01 and camN) and a true offset k, both cameras are cut to windows of one fixed length
whatever k (frame i of cam01 = frame i + k of camN; the length never tells the offset), and
each window gets the sound of one scene as that camera would have recorded it: a real recording
(``tests/data/audio``: speech, monkeys, jazz; see its README for sources and licences) played in
the room, reaching each camera after its distance / 343 m/s, stamped with that camera's own
audio-video skew, through its own reverberant room (exponentially decaying tail) and its own
background noise. The files are written with ffmpeg (imageio-ffmpeg's binary): the window's
frames (downscaled, H.264) and the sound (AAC), as a camera writes them.

Poses are the demo's own OpenPose JSON (real detections), cut to the same windows; the audio
method reads the sound of the written files (through ``meta["video"]``, as for an OpenPose
folder beside its video). Conditions: speech near, speech noisy and reverberant, monkeys,
cameras far apart, jazz only (a steady beat), a metronome (synthetic clicks: no real recording
of one is available here), silence (room tone only), and repeated motion: the demo played
forwards and backwards (a 3.3 s cycle) with the second camera starting half a cycle later, so
two offsets one cycle apart are equally supported by the poses; repeated motion is heard with
speech (near, far apart, in the noisy reverberant room), clicks and silence, so that what picks
the repetition is tried where the sound cannot (it must then refuse, never guess).

Each answer is judged as ``align`` judges it (the pose method's calibrator for pose and fused
answers, the method's own score for sound answers; answered when the confidence reaches the
threshold ``align`` would apply). Two splits of scenes: *tune* (seeds 100..) chooses the least
confidence at which fusion trusts the sound (``FUSION_MIN_SOUND_CONFIDENCE``) and nothing else;
*report* (seeds 0..) is the table. The tune split also chooses the least waveform agreement at
which the sound picks one of the poses' candidates (``FUSION_SOUND_SUPPORT_Z``), and prints the
agreement at the truth and at lags a repetition away (chance) for every pair. Prints and writes (``docs/results.md``, section
``bench_audio``) per condition and method: pairs answered, answered within 1 frame of the
truth, wrong, the mean |error| of the answers (frames at 60 fps), and how many fused answers
warned that sound and picture disagree. Run: ``python benchmarks/bench_audio.py [--seeds 3]
[--tune-seeds 2] [--work DIR]``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._results import markdown_table, write_section  # noqa: E402
from videosync.errors import CannotSynchronizeError  # noqa: E402
from videosync.poses import PoseTrack, load_poses  # noqa: E402
from videosync.sync.bounds import UNBOUNDED  # noqa: E402
from videosync.sync.methods import make_method  # noqa: E402
from videosync.sync.methods.audio import AudioMethod  # noqa: E402
from videosync.sync.methods.fused import FusedMethod  # noqa: E402
from videosync.tunables import (  # noqa: E402
    DEFAULT_MIN_CONFIDENCE,
    EXPECTED_DISAGREEMENT_SECONDS,
    FUSION_MIN_SOUND_CONFIDENCE,
    FUSION_SOUND_SUPPORT_Z,
    RIVAL_SECONDS,
    UNCALIBRATED_MIN_CONFIDENCE,
)

# ../shared beside the checkout, or beside its parent (a git worktree)
SHARED = next((p for p in (REPO.parent / "shared", REPO.parent.parent / "shared") if p.exists()), REPO.parent / "shared")
DEMO = SHARED / "data" / "pose2sim-demo" / "single-person"
JSON_DIR = DEMO / "pose-json-index-is-video-frame-minus-1"
SOUNDS = REPO / "tests" / "data" / "audio"
CAMERAS = ("cam01", "cam02", "cam03", "cam04")
FPS = 60
RATE = 48_000
MAX_K = 20  # true offsets of the plain pairs lie in -MAX_K..MAX_K frames
N_PLAIN = 100 - MAX_K  # frames of every plain pair's windows (the demo has 100)
TUNE_SEED0 = 100  # scenes of the tune split: seeds 100.. (report: 0..)
SOUND_TRUST_GRID = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7)
SUPPORT_GRID = (4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 15.0)


@dataclass
class Condition:
    name: str
    sound: str  # speech, monkeys, music, metronome, silence
    distances_m: tuple[float, ...]  # per camera
    rt60: float
    snr_db: float
    repeated: bool = False


SKEWS_S = (0.012, -0.020, 0.030, -0.008)  # each camera's sound after its picture (within +-45 ms)
NEAR = (2.0, 3.5, 2.5, 4.0)
CONDITIONS = [
    Condition("speech, near", "speech", NEAR, 0.4, 20.0),
    Condition("speech, noisy reverberant room", "speech", NEAR, 0.9, 0.0),
    Condition("monkeys (impulsive, not speech)", "monkeys", NEAR, 0.5, 15.0),
    Condition("speech, cameras far apart", "speech", (3.0, 25.0, 30.0, 18.0), 0.9, 10.0),
    Condition("jazz only (steady beat)", "music", NEAR, 0.5, 20.0),
    Condition("metronome (synthetic clicks)", "metronome", NEAR, 0.4, 25.0),
    Condition("silence (room tone only)", "silence", NEAR, 0.4, 20.0),
    Condition("repeated motion, speech", "speech", NEAR, 0.5, 15.0, repeated=True),
    Condition("repeated motion, speech, cameras far apart", "speech", (3.0, 25.0, 30.0, 18.0), 0.9, 10.0,
              repeated=True),
    Condition("repeated motion, speech, noisy reverberant room", "speech", NEAR, 0.9, 0.0, repeated=True),
    Condition("repeated motion, metronome", "metronome", NEAR, 0.4, 25.0, repeated=True),
    Condition("repeated motion, silence", "silence", NEAR, 0.4, 20.0, repeated=True),
]


def ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def source_sound(kind: str, seconds: float, rng: np.random.Generator) -> np.ndarray:
    """``seconds`` of the scene's sound at RATE, from a random place of the recording."""
    from videosync.audio.decode import read_audio

    n = int(seconds * RATE)
    if kind in ("speech", "monkeys", "music"):
        name = {"speech": "speech-demo-congrats.flac", "monkeys": "monkeys.flac",
                "music": "music-vibe-ace-excerpt.ogg"}[kind]
        x = read_audio(SOUNDS / name, RATE).samples
        start = int(rng.integers(0, max(1, len(x) - n)))
        x = x[start : start + n]
        return np.pad(x, (0, n - len(x)))
    x = np.zeros(n, np.float32)
    if kind == "metronome":
        click = np.sin(2 * np.pi * 1800 * np.arange(480) / RATE) * np.exp(-np.arange(480) / 90)
        for t in np.arange(rng.uniform(0, 0.5), seconds, 0.5):
            k = int(t * RATE)
            x[k : k + 480] += click[: len(x[k : k + 480])]
    return x


def heard(scene: np.ndarray, start_s: float, length_s: float, delay_s: float, rt60: float,
          snr_db: float, rng: np.random.Generator) -> np.ndarray:
    """What one camera records over its window: the scene from ``start_s`` (scene time, the
    scene array starting at scene time -1 s), ``delay_s`` late, through its room and noise."""
    from scipy.signal import fftconvolve

    n = int(round(length_s * RATE))
    first = int(round((start_s + 1.0 - delay_s) * RATE))
    tail = int(rt60 * RATE)
    lo = max(first - tail, 0)
    x = np.asarray(scene[lo : first + n], np.float64)
    if rt60 > 0:
        ir = rng.normal(size=tail) * np.exp(-6.9 * np.arange(tail) / tail) * 0.05
        ir[0] = 1.0
        x = fftconvolve(x, ir)[: len(x)]
    x = x[first - lo :]
    level = np.std(x) if np.std(x) > 0 else 10 ** (-60 / 20)
    noise = np.cumsum(rng.normal(size=n + 960)) * 0.02  # brown-ish room tone, then high-passed
    noise = (noise - np.convolve(noise, np.ones(480) / 480, mode="same"))[480 : 480 + n]
    noise *= level * 10 ** (-snr_db / 20) / max(np.std(noise), 1e-12)
    y = x[:n] + noise[: len(x[:n])]
    return (0.3 * y / max(np.max(np.abs(y)), 1e-9)).astype(np.float32)


class Frames:
    """The demo videos' frames, decoded once, small (the pose comes from the JSON)."""

    def __init__(self) -> None:
        import av

        self.frames: dict[str, list[np.ndarray]] = {}
        for cam in CAMERAS:
            with av.open(str(DEMO / "videos" / f"{cam}.mp4")) as c:
                self.frames[cam] = [f.to_ndarray(format="rgb24", width=136, height=240) for f in c.decode(video=0)]

    def write(self, cam: str, order: list[int], sound: np.ndarray, path: Path) -> Path:
        """A camera file: the frames in ``order`` (original frame numbers) at FPS, with ``sound``,
        muxed by ffmpeg."""
        import av

        silent = path.with_suffix(".video.mp4")
        with av.open(str(silent), "w") as out:
            vs = out.add_stream("libx264", rate=FPS, options={"preset": "ultrafast", "crf": "28"})
            vs.width, vs.height, vs.pix_fmt = 136, 240, "yuv420p"
            out.mux([p for j, f in enumerate(order) for p in vs.encode(self._frame(cam, f, j))]
                    + list(vs.encode(None)))
        wav = path.with_suffix(".wav")
        _write_wav(wav, sound)
        subprocess.run([ffmpeg(), "-v", "error", "-y", "-i", str(silent), "-i", str(wav), "-c:v", "copy",
                        "-c:a", "aac", "-b:a", "128k", "-shortest", str(path)], check=True)
        silent.unlink()
        wav.unlink()
        return path


    def _frame(self, cam: str, f: int, pts: int):
        import av

        frame = av.VideoFrame.from_ndarray(self.frames[cam][f], format="rgb24")
        frame.pts = pts
        return frame


def _write_wav(path: Path, x: np.ndarray) -> None:
    from scipy.io import wavfile

    wavfile.write(path, RATE, (np.clip(x, -1, 1) * 32767).astype(np.int16))


def window_track(track: PoseTrack, order: list[int], video: Path) -> PoseTrack:
    """The JSON poses of the frames in ``order`` (original numbers), renumbered 0.., pointing at
    ``video`` for their sound."""
    by_frame = {int(f): i for i, f in enumerate(track.frame_index)}
    rows = [(j, by_frame[f]) for j, f in enumerate(order) if f in by_frame]
    kp = track.keypoints[[r for _, r in rows]]
    out = track.with_keypoints(kp, np.array([j for j, _ in rows], dtype=np.int64))
    out.meta = {**out.meta, "video": str(video)}
    return out


def pair_orders(cond: Condition, k: int, n: int) -> tuple[list[int], list[int], float, float]:
    """Original frame numbers of both windows (one length whatever ``k``), and their start times
    (scene seconds)."""
    if cond.repeated:  # forwards and backwards: 0..99..1, a cycle of 2n - 2 frames
        cycle = list(range(n)) + list(range(n - 2, 0, -1))
        loop = cycle * 3
        s = len(cycle) // 2 + k  # k here is the small jitter around half a cycle
        length = 2 * len(cycle)
        return loop[:length], loop[s : s + length], 0.0, s / FPS
    length = n - MAX_K
    sa, sb = max(0, k), max(0, -k)
    return list(range(sa, sa + length)), list(range(sb, sb + length)), sa / FPS, sb / FPS


@dataclass
class Outcome:
    error_frames: float | None  # None: refused (raised or confidence below the threshold)
    warned: bool = False
    #: an answered audio offset's error (ms) against the sound's own truth (the picture's offset
    #: plus the difference of the cameras' skew and distance)
    sound_error_ms: float | None = None


def judged(method, a: PoseTrack, b: PoseTrack, truth: float, sound_truth: float | None = None) -> Outcome:
    """``method``'s answer for the pair as ``align`` would give it: judged by the calibrator
    ``align`` uses for it, refused below the threshold ``align`` applies to that confidence."""
    from videosync.api import _judge

    try:
        est = method.estimate(a, b)
    except CannotSynchronizeError:
        return Outcome(None)
    judge, _ = _judge(method, None, None, [a, b], UNBOUNDED)
    verdict = judge(est, 0, 1)
    warned = any(n.startswith("sound and picture disagree") for n in est.notes)
    if verdict.confidence < (DEFAULT_MIN_CONFIDENCE if verdict.calibrated else UNCALIBRATED_MIN_CONFIDENCE):
        return Outcome(None, warned)
    sound_error = None if sound_truth is None else float(est.offset_frames - sound_truth) / FPS * 1000
    return Outcome(float(est.offset_frames - truth), warned, sound_error)


class Memo:
    """The pose method, each distinct question answered once: the sound conditions share their
    pose pairs, and fusion asks pose alone what the pose column already asked."""

    def __init__(self, method) -> None:
        self.method, self.answers = method, {}
        self.name = method.name

    def estimate(self, a: PoseTrack, b: PoseTrack, *, bounds=UNBOUNDED):
        import copy
        import hashlib

        key = tuple(hashlib.sha1(t.keypoints.tobytes() + t.frame_index.tobytes()).hexdigest() for t in (a, b))
        key = (*key, bounds.max_frames)
        if key not in self.answers:
            try:
                self.answers[key] = self.method.estimate(a, b, bounds=bounds)
            except CannotSynchronizeError as exc:
                self.answers[key] = exc
        if isinstance(self.answers[key], CannotSynchronizeError):
            raise self.answers[key]
        return copy.deepcopy(self.answers[key])


def run(seeds: list[int], work: Path, frames: Frames, tracks: dict[str, PoseTrack], pose: Memo,
        fused: dict[str, tuple[float, float]], agreement: dict[str, list[float]] | None = None
        ) -> dict[str, dict[str, list[Outcome]]]:
    """Every condition's pairs of the scenes ``seeds``: audio, pose and one fused column per
    ``fused`` entry (name -> the least sound confidence fusion trusts, the least waveform
    agreement at which the sound picks a repetition). With ``agreement``, the waveforms'
    agreement at the truth and a repetition away is gathered into it (:func:`chance_and_truth`)."""
    n = min(len(f) for f in frames.frames.values())
    results: dict[str, dict[str, list[Outcome]]] = {}
    for ci, cond in enumerate(CONDITIONS):
        rows = results.setdefault(cond.name, {m: [] for m in ("audio", "pose", *fused)})
        for seed in seeds:
            rng = np.random.default_rng(1000 * ci + seed)
            scene = source_sound(cond.sound, (6 * n if cond.repeated else 2 * n) / FPS + 3.0, rng)
            # the true offset depends on the scene number and camera only: every sound condition
            # gets the same pose pairs
            ks = (np.random.default_rng(seed).integers(-MAX_K, MAX_K + 1, size=3),
                  np.random.default_rng(seed).integers(-3, 4, size=3))
            for ib, cam_b in enumerate(CAMERAS[1:]):
                k = int(ks[1][ib]) if cond.repeated else int(ks[0][ib])
                order_a, order_b, start_a, start_b = pair_orders(cond, k, n)
                truth = -(len(order_a) // 4 + k) if cond.repeated else k  # B starts half a cycle later
                files, delays = [], []
                for cam, order, start in (("cam01", order_a, start_a), (cam_b, order_b, start_b)):
                    i = CAMERAS.index(cam)
                    delay = SKEWS_S[i] + cond.distances_m[i] / 343.0
                    delays.append(delay)
                    sound = heard(scene, start, len(order) / FPS, delay, cond.rt60, cond.snr_db, rng)
                    files.append(frames.write(cam, order, sound, work / f"{ci}-{seed}-{cam_b}-{cam}.mp4"))
                ta = window_track(tracks["cam01"], order_a, files[0])
                tb = window_track(tracks[cam_b], order_b, files[1])
                audio = AudioMethod()
                rows["audio"].append(judged(audio, ta, tb, truth, truth + (delays[1] - delays[0]) * FPS))
                rows["pose"].append(judged(pose, ta, tb, truth))
                for name, (trust, support) in fused.items():
                    fusion = FusedMethod(pose, audio, min_sound_confidence=trust, min_sound_support=support)
                    rows[name].append(judged(fusion, ta, tb, truth))
                if agreement is not None and cond.sound != "silence":
                    chance_and_truth(audio, ta, tb, truth, agreement, cond.sound in ("music", "metronome"))
                print(f"{cond.name:36s} seed {seed} {cam_b} k={truth:+4d} " + "  ".join(
                    f"{m}={'refused' if o.error_frames is None else f'{o.error_frames:+.2f}'}"
                    for m, o in ((m, rows[m][-1]) for m in rows)), flush=True)
    return results


def chance_and_truth(audio: AudioMethod, a: PoseTrack, b: PoseTrack, truth: float,
                     into: dict[str, list[float]], periodic: bool) -> None:
    """The waveforms' agreement (FusedMethod's measure) near the truth, and near offsets 0.25 s
    apart from RIVAL_SECONDS away on (chance: where another repetition could lie; kept apart
    for a periodic sound, which agrees with itself a beat away)."""
    width = EXPECTED_DISAGREEMENT_SECONDS * FPS
    away = [truth + j * FPS / 4 for j in range(-24, 25) if abs(j) / 4 >= RIVAL_SECONDS]
    at_truth, *elsewhere = audio.support(a, b, [truth, *away], width)
    into["truth"].append(at_truth)
    into["periodic" if periodic else "chance"].extend(z for z in elsewhere if z > 0)  # 0: too little overlap


def counts(outcomes: list[Outcome]) -> tuple[int, int, int, str]:
    """answered, right (within 1 frame), wrong, mean |error| of the answers."""
    answered = [o.error_frames for o in outcomes if o.error_frames is not None]
    right = sum(abs(e) <= 1.0 for e in answered)
    return len(answered), right, len(answered) - right, f"{np.mean(np.abs(answered)):.2f}" if answered else "-"


def choose(results: dict[str, dict[str, list[Outcome]]], prefix: str, grid: tuple[float, ...]
           ) -> tuple[float, list[list[object]]]:
    """The level of the grid searched in the tune split's columns ``prefix@level``: fewest wrong
    fused answers over all conditions, then most right ones, then the highest (the least trust in
    the sound that does as well: the tune split is small)."""
    rows = []
    for level in grid:
        outcomes = [o for per in results.values() for o in per[f"{prefix}@{level:g}"]]
        answered, right, wrong, _ = counts(outcomes)
        rows.append([f"{level:g}", len(outcomes), answered, right, wrong])
    best = min(rows, key=lambda r: (r[4], -r[3], -float(r[0])))
    return float(best[0]), rows


def summary(results: dict[str, dict[str, list[Outcome]]]) -> str:
    rows = []
    for name, outcomes in results.items():
        cells, scores = [], {}
        for m in ("audio", "pose", "fused"):
            answered, right, wrong, mean = counts(outcomes[m])
            scores[m] = (right, wrong)
            cells.append(f"{answered} / {right} / {wrong} / {mean}")
        sound = [abs(o.sound_error_ms) for o in outcomes["audio"] if o.sound_error_ms is not None]
        cells.insert(1, f"{sum(e <= 1.0 for e in sound)} / {len(sound)}" + (f" ({max(sound):.2f})" if sound else ""))
        better = max(("audio", "pose"), key=lambda m: (scores[m][0], -scores[m][1]))
        holds = scores["fused"][0] >= scores[better][0] and scores["fused"][1] <= scores[better][1]
        rows.append([name, len(outcomes["fused"]), *cells, sum(o.warned for o in outcomes["fused"]),
                     "yes" if holds else "**no**"])
    return markdown_table(["condition", "pairs", "audio: answered / right / wrong / mean abs err",
                           "audio vs the sound's own truth: within 1 ms / answered (largest ms)",
                           *(f"{m}: answered / right / wrong / mean abs err" for m in ("pose", "fused")),
                           "fused warnings", "fused >= the better one"], rows)


def agreement_text(agreement: dict[str, list[float]]) -> str:
    truth, chance, beat = (np.asarray(agreement[k]) for k in ("truth", "chance", "periodic"))
    if not len(truth) or not len(chance) or not len(beat):
        return ""
    return (f"Tune split's waveform agreement near the truth ({len(truth)} pairs with sound): median "
            f"{np.median(truth):.1f}, {np.sum(truth < 10)} under 10 (lowest {truth.min():.1f}); a repetition "
            f"away (chance, at offsets 0.25 s apart), speech and monkeys: {len(chance)} offsets, median "
            f"{np.median(chance):.1f}, 99th percentile {np.percentile(chance, 99):.1f}, highest "
            f"{chance.max():.1f}; a beat or clicks: {len(beat)} offsets, highest {beat.max():.1f}.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3, help="scenes per condition in the report split (3 pairs each)")
    parser.add_argument("--tune-seeds", type=int, default=2, help="scenes per condition in the tune split")
    parser.add_argument("--work", type=Path, default=None, help="keep the generated files here")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/results.md alone")
    parser.add_argument("--tune-only", action="store_true", help="run and print the tune split only (no report)")
    args = parser.parse_args()
    frames = Frames()
    tracks = {cam: load_poses(JSON_DIR / f"{cam}_json") for cam in CAMERAS}
    pose = Memo(make_method("sesyn", refine=True))
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        agreement: dict[str, list[float]] = {"truth": [], "chance": [], "periodic": []}
        columns = {f"fused@{t:g}": (t, FUSION_SOUND_SUPPORT_Z) for t in SOUND_TRUST_GRID}
        columns.update({f"support@{z:g}": (FUSION_MIN_SOUND_CONFIDENCE, z) for z in SUPPORT_GRID})
        tune = run(list(range(TUNE_SEED0, TUNE_SEED0 + args.tune_seeds)), work, frames, tracks, pose,
                   columns, agreement)
        trust, tune_rows = choose(tune, "fused", SOUND_TRUST_GRID)
        support, support_rows = choose(tune, "support", SUPPORT_GRID)
        tune_table = markdown_table(["sound trusted from", "pairs", "fused answered", "right", "wrong"], tune_rows)
        support_table = markdown_table(["repetition picked by ear from", "pairs", "fused answered", "right",
                                        "wrong"], support_rows)
        heard = agreement_text(agreement)
        print(tune_table, support_table, heard, sep="\n\n")
        print(f"tune split: trust the sound from confidence {trust:g} "
              f"(videosync.tunables.FUSION_MIN_SOUND_CONFIDENCE = {FUSION_MIN_SOUND_CONFIDENCE:g}); pick a "
              f"repetition by ear from {support:g} (FUSION_SOUND_SUPPORT_Z = {FUSION_SOUND_SUPPORT_Z:g})")
        if args.tune_only:
            return
        report = run(list(range(args.seeds)), work, frames, tracks, pose,
                     {"fused": (FUSION_MIN_SOUND_CONFIDENCE, FUSION_SOUND_SUPPORT_Z)})
    table = summary(report)
    print(table)
    if not args.no_write:
        body = (
            f"Pairs cam01-camN of the Pose2Sim demo (60 fps), {N_PLAIN} frames each ({N_PLAIN / FPS:.2f} s; the "
            "repeated-motion pairs 396 frames, 6.6 s) whatever their offset, with real sound laid under each "
            "camera (its distance / 343 m/s and its own audio-video skew of -20..+30 ms, reverberation, noise; "
            "see the script's docstring). Each answer judged as `align` judges it: answered when its "
            f"confidence reaches `align`'s threshold ({DEFAULT_MIN_CONFIDENCE:g} for calibrated pose and fused "
            f"answers, {UNCALIBRATED_MIN_CONFIDENCE:g} for the sound's own score). Each cell: answered / "
            "within 1 frame of the truth / wrong / mean |error| of the answers in frames. Pose = sesyn + "
            "geometry on the demo's OpenPose JSON; fused = `--method fused` (the default when every input has "
            "sound). Audio answers are compared with the picture's truth: they are off by the cameras' skew "
            "and distance (up to 3 frames here) by design; the next column compares them with the sound's own "
            "truth (the picture's offset plus the difference of the two cameras' skew and distance).\n\n"
            f"Tune split ({args.tune_seeds} scenes per condition, other scenes and offsets than the report's): "
            "the least sound confidence at which fusion trusts the sound, chosen by fewest wrong fused answers, "
            f"then most right ones: {trust:g} (shipped: `FUSION_MIN_SOUND_CONFIDENCE = "
            f"{FUSION_MIN_SOUND_CONFIDENCE:g}`).\n\n" + tune_table +
            "\n\nThe least waveform agreement (GCC-PHAT peak near one of the poses' candidates, robust standard "
            "deviations) at which the sound picks the repetition when its own answer is unsure and the poses "
            f"alone are not trusted, chosen the same way (each grid at the other's shipped value): {support:g} (shipped: `FUSION_SOUND_SUPPORT_Z = "
            f"{FUSION_SOUND_SUPPORT_Z:g}`). {heard}\n\n" + support_table +
            f"\n\nReport split ({args.seeds} scenes per condition, fusion at the shipped value):\n\n" + table)
        write_section("bench_audio", "Sound, pose and both (demo videos with real sound)", body)


if __name__ == "__main__":
    main()

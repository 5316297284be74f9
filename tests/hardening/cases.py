"""The hostile cases of issue 23, one table: what each builds, the command it runs, what must follow.

Every case is judged the same way (:func:`judge`): the documented exit status; no traceback; an
error is one line (the last) naming the file at fault; no advice to load a file unsafely; every
file that was there before is byte-identical (an input is never modified, an existing file never
replaced) except those the case lets the command write; nothing new appears but those; no
temporary file is left behind. ``tests/hardening/test_*.py`` run each class in-process (the cases
that need a process of their own, a file-size limit or a signal, as a subprocess);
``benchmarks/bench_hostile.py`` runs them all end to end as subprocesses.
"""

from __future__ import annotations

import atexit
import contextlib
import fnmatch
import hashlib
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import numpy as np

from tests.conftest import DEMO
from tests.hardening import hostile as H

REPO = Path(__file__).resolve().parents[2]
CLI = "from videosync.cli.main import cli; cli(prog_name='videosync')"
#: A target no one may write, not even root (sysfs refuses new files): a read-only disk.
UNWRITABLE = Path("/sys/videosync-hardening")
#: Bytes a process may write per file in the full-disk cases (RLIMIT_FSIZE): every output is larger.
FULL_DISK_BYTES = 64
#: Exit statuses (videosync.errors.EXIT_CODES, click's usage error, Ctrl-C).
ERROR, USAGE, MODEL, CANNOT, UNREADABLE, INTERRUPTED = 1, 2, 3, 4, 5, 130
ALIGN = ("align", "a.npz", "b.npz", "--method", "simple")


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str


@dataclass
class Case:
    group: str  # outputs | io | inputs | terminal
    name: str
    build: Callable[[Path], list[str]]  # makes the files in a folder, returns the command's arguments
    code: int
    names: str | None = None  # what the error line must name
    writes: tuple[str, ...] = ()  # glob patterns of files the command may create or replace
    check: Callable[[Path, Outcome], str | None] | None = None  # one more condition: a failure, or None
    fsize: int | None = None  # limit on the bytes written per file (a full disk)
    sigint_after: float | None = None  # seconds after the start to press Ctrl-C
    own_process: bool = False  # needs its own process even in the tests
    slow: bool = False  # estimates poses or trains: left out of the quick test run

    @property
    def id(self) -> str:
        return f"{self.group}: {self.name}"


# --- builders ------------------------------------------------------------------------------------


def _pair(folder: Path, *extra: str, offset: int = 33) -> list[str]:
    H.pair(folder, offset=offset, n=400)
    return [*ALIGN, *extra]


def _align_with(*extra: str, also: Callable[[Path], object] | None = None) -> Callable[[Path], list[str]]:
    def build(folder: Path) -> list[str]:
        args = _pair(folder, *extra)
        if also:
            also(folder)
        return args
    return build


def _videos(folder: Path, n: int = 20) -> None:
    from tests.video.media import make_video

    make_video(folder / "a.mp4", list(range(n)))
    make_video(folder / "b.mp4", list(range(100, 100 + n)))


def _trim(*extra: str, also: Callable[[Path], object] | None = None) -> Callable[[Path], list[str]]:
    def build(folder: Path) -> list[str]:
        _videos(folder)
        if also:
            also(folder)
        return ["trim", "a.mp4", "b.mp4", "--offsets", "0,2", *extra]
    return build


def _mocap(folder: Path) -> None:
    from tests.synth.mocap_fixtures import write_bvh

    for i in range(3):
        write_bvh(folder / "mocap" / f"clip{i}.bvh", 720, seed=i)


SYNTH = ("synth", "--mocap", "mocap", "--views", "2", "--pairs-per-recording", "1")
TRAIN = ("train", "--poses", "data", "--steps", "2", "--batch-size", "2", "--crop", "24", "--max-shift", "4",
         "--channels", "8,16", "--val-every", "1", "--device", "cpu")


def _synth(*extra: str, also: Callable[[Path], object] | None = None) -> Callable[[Path], list[str]]:
    def build(folder: Path) -> list[str]:
        _mocap(folder)
        if also:
            also(folder)
        return [*SYNTH, *extra]
    return build


def _eval(*extra: str, content: object | None = None) -> Callable[[Path], list[str]]:
    def build(folder: Path) -> list[str]:
        H.dataset(folder / "data")
        if content is not None:
            H.manifest(folder / "data", content)
        return ["eval", "--poses", "data", "--method", "simple", *extra]
    return build


def _write(rel: str, data: bytes = b"mine") -> Callable[[Path], object]:
    return lambda folder: H.junk(folder / rel, data)


def _bad_input(make: Callable[[Path], object], name: str, *extra: str) -> Callable[[Path], list[str]]:
    def build(folder: Path) -> list[str]:
        H.pair(folder, n=400)
        make(folder / name)
        return ["align", "a.npz", name, "--method", "simple", *extra]
    return build


_STATE: dict[str, Path] = {}


def _train_state(folder: Path, change: Callable[[dict], object] | None = None, data: bytes | None = None) -> None:
    """``folder/data`` (a dataset) and ``folder/run/last.pt``: a real training state (made once per
    process), changed by ``change`` or replaced by ``data``."""
    import shutil

    import torch

    from videosync.train import TrainConfig, train

    if "run" not in _STATE:
        made = Path(tempfile.mkdtemp(prefix="videosync-hostile-state-"))
        atexit.register(shutil.rmtree, made, True)
        H.dataset(made / "data")
        train(made / "data", made / "run", TrainConfig(steps=1, batch_size=2, crop_frames=24, max_shift=4,
                                                       channels=(8, 16), val_every=1), device="cpu")
        _STATE["run"] = made
    shutil.copytree(_STATE["run"] / "data", folder / "data")
    (folder / "run").mkdir()
    last = folder / "run" / "last.pt"
    shutil.copy(_STATE["run"] / "run" / "last.pt", last)
    if data is not None:
        last.write_bytes(data)
    elif change is not None:
        state = torch.load(last, weights_only=True)
        change(state)
        torch.save(state, last)


def _resume(change: Callable[[dict], object] | None = None, data: bytes | None = None) -> Callable[[Path], list[str]]:
    def build(folder: Path) -> list[str]:
        _train_state(folder, change, data)
        return [*TRAIN, "-o", "run", "--resume"]
    return build


def _code_marker(folder: Path, outcome: Outcome) -> str | None:
    return "the file's code ran" if (folder / "PWNED").exists() else None


def _offset_within(bound: float) -> Callable[[Path, Outcome], str | None]:
    def check(folder: Path, outcome: Outcome) -> str | None:
        if outcome.code != 0:
            return None
        k = json.loads(outcome.stdout)["inputs"][1]["offset_frames"]
        return None if abs(k) <= bound else f"answered {k:+.2f}, outside +-{bound:g}"
    return check


def _shows(text: str, stdout_only: bool = False) -> Callable[[Path, Outcome], str | None]:
    def check(folder: Path, outcome: Outcome) -> str | None:
        shown = outcome.stdout if stdout_only else outcome.stdout + outcome.stderr
        return None if text in shown else f"{text!r} not shown" + (" in the table" if stdout_only else "")
    return check


def _gone(rel: str) -> Callable[[Path, Outcome], str | None]:
    return lambda folder, outcome: f"{rel} still there" if (folder / rel).exists() else None


def _stale(rel: str) -> Callable[[Path], object]:
    """A temporary file a killed run left an hour ago."""
    def make(folder: Path) -> None:
        path = H.junk(folder / rel, b"half a file")
        os.utime(path, (time.time() - 3600, time.time() - 3600))
    return make


def _link(target: str, name: str, hard: bool = False) -> Callable[[Path], object]:
    return lambda folder: (os.link if hard else os.symlink)(
        folder / target if hard else target, folder / name)


def _openpose(files: dict[str, str]) -> Callable[[Path], object]:
    def make(folder: Path) -> None:
        folder.mkdir(parents=True)
        for name, text in files.items():
            (folder / name).write_text(text)
    return make


def _person(x: float = 100.0) -> dict:
    """One BODY_25 person: 25 joints on a diagonal from (x, 200)."""
    return {"pose_keypoints_2d": [v for j in range(25) for v in (x + 10 * j, 200.0 + 10 * j, 0.9)]}


def _frames(n: int, body: Callable[[int], object] = lambda i: {"people": [_person(100 + i)]}) -> dict[str, str]:
    return {f"cam_{i:012d}_keypoints.json": json.dumps(body(i)) for i in range(n)}


# --- the table -----------------------------------------------------------------------------------


def _output_cases() -> list[Case]:
    g = "outputs"
    return [
        Case(g, "--plot onto an input pose file", _align_with("--plot", "a.npz"), ERROR, "a.npz"),
        Case(g, "--plot onto an input, with --overwrite", _align_with("--plot", "a.npz", "--overwrite"), ERROR, "a.npz"),
        Case(g, "--plot onto an input through a symbolic link",
             _align_with("--plot", "link.png", "--overwrite", also=_link("a.npz", "link.png")), ERROR, "link.png"),
        Case(g, "--plot onto a hard link of an input",
             _align_with("--plot", "hard.png", "--overwrite", also=_link("a.npz", "hard.png", hard=True)), ERROR, "hard.png"),
        Case(g, "--plot onto the --model checkpoint",
             _align_with("--model", "m.pt", "--plot", "m.pt", "--overwrite", also=_write("m.pt")), ERROR, "m.pt"),
        Case(g, "--plot onto an existing picture", _align_with("--plot", "p.png", also=_write("p.png")), ERROR,
             "p.png", check=_shows("--overwrite")),
        Case(g, "--plot onto an existing picture, with --overwrite",
             _align_with("--plot", "p.png", "--overwrite", also=_write("p.png")), 0, writes=("p.png",)),
        Case(g, "--plot into a missing folder", _align_with("--plot", "nowhere/p.png"), ERROR, "nowhere"),
        Case(g, "--plot onto a folder", _align_with("--plot", "d", also=lambda f: (f / "d").mkdir()), USAGE, "d"),
        Case(g, "--json-out onto an input", _align_with("--json-out", "b.npz", "--overwrite"), ERROR, "b.npz"),
        Case(g, "--json-out onto an existing file", _align_with("--json-out", "r.json", also=_write("r.json")), ERROR, "r.json"),
        Case(g, "--plot and --json-out the same file", _align_with("--plot", "x", "--json-out", "x"), ERROR, "x"),
        Case(g, "poses -o onto an existing pose file", _poses("-o", "old.npz", also=_write("old.npz")), ERROR, "old.npz"),
        Case(g, "poses -o onto its own input", _poses_of("a.npz", "-o", "a.npz", "--overwrite"), ERROR, "a.npz"),
        Case(g, "poses -o onto its --pose-checkpoint",
             _poses("-o", "w.npz", "--pose-checkpoint", "w.npz", "--overwrite", also=_write("w.npz")), ERROR, "w.npz"),
        Case(g, "eval --json-out onto the dataset's manifest", _eval("--json-out", "data/manifest.json", "--overwrite"),
             ERROR, "manifest.json"),
        Case(g, "eval --json-out onto a pose file of the dataset", _eval("--json-out", "data/pair/a.npz", "--overwrite"),
             ERROR, "a.npz"),
        Case(g, "eval --json-out onto an existing file", _eval_existing(), ERROR, "e.json"),
        Case(g, "trim into a folder that holds its outputs (refused before any work)",
             _trim("-o", "out", also=lambda f: (f / "out").mkdir() or _write("out/a.mp4")(f)), ERROR, "a.mp4",
             check=_one_line_only),
        Case(g, "trim into the inputs' own folder", _trim("-o", ".", "--overwrite"), ERROR, "a.mp4"),
        Case(g, "trim --json-out onto an input video", _trim("-o", "out", "--json-out", "b.mp4", "--overwrite"), ERROR, "b.mp4"),
        Case(g, "train into an earlier run without --resume", _train_over(), ERROR, "last.pt"),
        Case(g, "synth -o the motion-capture folder", _synth("-o", "mocap", "--overwrite"), ERROR, "mocap"),
        Case(g, "synth -o an existing file", _synth("-o", "ds", also=_write("ds")), ERROR, "ds"),
    ]


def _poses(*extra: str, also: Callable[[Path], object] | None = None) -> Callable[[Path], list[str]]:
    return _poses_of("v.mp4", *extra, also=also)


def _poses_of(video: str, *extra: str, also: Callable[[Path], object] | None = None) -> Callable[[Path], list[str]]:
    def build(folder: Path) -> list[str]:
        if video.endswith(".npz"):
            H.pair(folder, n=60)
        else:
            H.junk(folder / video, b"not decoded: refused first")
        if also:
            also(folder)
        return ["poses", video, *extra]
    return build


def _eval_existing() -> Callable[[Path], list[str]]:
    def build(folder: Path) -> list[str]:
        args = _eval("--json-out", "e.json")(folder)
        _write("e.json")(folder)
        return args
    return build


def _train_over() -> Callable[[Path], list[str]]:
    def build(folder: Path) -> list[str]:
        H.dataset(folder / "data")
        _write("run/last.pt", b"weights")(folder)
        return [*TRAIN, "-o", "run"]
    return build


def _one_line_only(folder: Path, outcome: Outcome) -> str | None:
    lines = [line for line in outcome.stderr.splitlines() if line.strip()]
    return None if len(lines) == 1 else f"{len(lines)} lines on stderr (work done before refusing?)"


def _io_cases() -> list[Case]:
    g, full, sys_ = "io", FULL_DISK_BYTES, str(UNWRITABLE)
    nothing = ("cache/**",)
    return [
        Case(g, "--plot onto a read-only target", _align_with("--plot", f"{sys_}.png"), ERROR, sys_),
        Case(g, "--json-out onto a read-only target", _align_with("--json-out", f"{sys_}.json"), ERROR, sys_),
        Case(g, "--plot on a full disk", _align_with("--plot", "p.png"), ERROR, "p.png", fsize=full),
        Case(g, "--json-out on a full disk", _align_with("--json-out", "r.json"), ERROR, "r.json", fsize=full),
        Case(g, "eval --json-out onto a read-only target", _eval("--json-out", f"{sys_}.json"), ERROR, sys_),
        Case(g, "eval --json-out on a full disk", _eval("--json-out", "e.json"), ERROR, "e.json", fsize=full),
        Case(g, "train -o a read-only target", _train_into(sys_), ERROR, sys_, slow=True),
        Case(g, "train -o on a full disk", _train_into("run"), ERROR, "run", fsize=full, writes=nothing, slow=True,
             check=_gone("run/train_config.json")),
        Case(g, "synth -o a read-only target", _synth("-o", sys_), ERROR, sys_),
        Case(g, "synth -o on a full disk", _synth("-o", "ds"), ERROR, "ds", fsize=full, slow=True),
        Case(g, "trim -o a read-only target", _trim("-o", sys_), ERROR, sys_),
        Case(g, "trim on a full disk", _trim("-o", "out"), ERROR, "out", fsize=full, writes=("out",)),
    ]


def _train_into(out: str) -> Callable[[Path], list[str]]:
    def build(folder: Path) -> list[str]:
        H.dataset(folder / "data")
        return [*TRAIN, "-o", out]
    return build


#: Real videos with a person in them, for the pose-cache cases (skipped where the data is absent).
DEMO_VIDEOS = DEMO / "single-person" / "videos"


def _cache(damage: str) -> Callable[[Path], list[str]]:
    """The pose cache of two real videos (one second each), then the first's entry emptied
    (``"empty"``) or replaced by the second's (``"swapped"``); ``ref.npz``: the first's poses."""
    def build(folder: Path) -> list[str]:
        from videosync.estimate import cache, estimate_poses
        from videosync.poses.npz import save_npz

        first, second = DEMO_VIDEOS / "cam01.mp4", DEMO_VIDEOS / "cam02.mp4"
        with mock.patch.dict(os.environ, VIDEOSYNC_CACHE_DIR=str(folder / "cache")):
            save_npz(estimate_poses(first, duration=1.0), folder / "ref.npz")
            estimate_poses(second, duration=1.0)
        (entry,) = (folder / "cache" / "poses").glob(cache.video_hash(first)[:32] + "-*p0-*.npz")
        (other,) = (folder / "cache" / "poses").glob(cache.video_hash(second)[:32] + "-*p0-*.npz")
        entry.write_bytes(b"" if damage == "empty" else other.read_bytes())
        return ["poses", str(first), "--duration", "1", "-o", "p.npz"]
    return build


def _same_poses(folder: Path, outcome: Outcome) -> str | None:
    from videosync.poses.npz import load_npz

    if outcome.code != 0:
        return None
    same = np.array_equal(load_npz(folder / "p.npz").keypoints, load_npz(folder / "ref.npz").keypoints)
    return None if same else "the poses are not the video's own"


def _cache_cases(g: str) -> list[Case]:
    if not DEMO_VIDEOS.is_dir():
        return []
    return [Case(g, "pose cache: a 0-byte entry is estimated again", _cache("empty"), 0, writes=("p.npz",),
                 check=_same_poses, slow=True),
            Case(g, "pose cache: another video's poses under a video's key are not trusted", _cache("swapped"), 0,
                 writes=("p.npz",), check=_same_poses, slow=True)]


def _input_cases() -> list[Case]:
    g = "inputs"
    cases = [Case(g, f"pose file: {name}", _bad_input(lambda p, c=changed: H.npz(p, **c), "bad.npz"), UNREADABLE, "bad.npz")
             for name, changed in H.BAD_NPZ.items()]
    cases += [
        Case(g, "pose file: 0 bytes", _bad_input(_write_to(b""), "bad.npz"), UNREADABLE, "bad.npz"),
        Case(g, "pose file: random bytes", _bad_input(_write_to(os.urandom(2000)), "bad.npz"), UNREADABLE, "bad.npz"),
        Case(g, "pose file: cut in half", _bad_input(_half_of_a, "bad.npz"), UNREADABLE, "bad.npz"),
        Case(g, "pose file: a folder named .npz", _bad_input(lambda p: p.mkdir(), "bad.npz"), UNREADABLE, "bad.npz"),
        Case(g, "pose file: missing", _bad_input(lambda p: None, "gone.npz"), UNREADABLE, "gone.npz"),
        Case(g, "OpenPose: a file that is not JSON", _bad_input(_openpose({**_frames(30), "cam_000000000005_keypoints.json": "{"}), "op"),
             UNREADABLE, "op"),
        Case(g, "OpenPose: people not a list", _bad_input(_openpose(_frames(30, lambda i: {"people": 5})), "op"), UNREADABLE, "op"),
        Case(g, "OpenPose: keypoints as text", _bad_input(_openpose(_frames(30, lambda i: {"people": [{"pose_keypoints_2d": ["x"] * 75}]})), "op"),
             UNREADABLE, "op"),
        Case(g, "OpenPose: a frame number of 10^15", _bad_input(_openpose({**_frames(30), f"cam_{10**15}_keypoints.json": "{}"}), "op"),
             UNREADABLE, "op"),
        Case(g, "OpenPose: JSON nested 100,000 deep", _bad_input(_openpose({**_frames(30), "cam_000000000007_keypoints.json": "[" * 100_000}), "op"),
             UNREADABLE, "op"),
        Case(g, "--fps nan", _align_with("--fps", "nan"), USAGE, "--fps"),
        Case(g, "--fps 1e300", _align_with("--fps", "1e300"), USAGE, "--fps"),
        Case(g, "--size of 10^9 pixels", _bad_input(_openpose(_frames(30)), "op", "--size", "1000000000x1080"), USAGE, "--size"),
        Case(g, "--min-confidence nan", _align_with("--min-confidence", "nan"), USAGE, "--min-confidence"),
        Case(g, "--start 1e300", _align_with("--start", "1e300"), USAGE, "--start"),
        Case(g, "--max-offset 30, true offset +33: no answer outside +-30", _align_with("--max-offset", "30", "--json"),
             (0, CANNOT), check=_offset_within(30)),
        Case(g, "--max-offset 30, true +33, every guess reported: inside +-30",
             _align_with("--max-offset", "30", "--min-confidence", "0", "--json"), (0, CANNOT), check=_offset_within(30)),
    ]
    cases += [Case(g, f"manifest: {name}", _eval(content=content), UNREADABLE, "manifest.json")
              for name, content in H.BAD_MANIFESTS.items()]
    cases += _model_cases(g) + _resume_cases(g) + _cache_cases(g)
    return cases


def _write_to(data: bytes) -> Callable[[Path], object]:
    return lambda p: H.junk(p, data)


def _half_of_a(path: Path) -> None:
    data = (path.parent / "a.npz").read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _model(make: Callable[[Path], object]) -> Callable[[Path], list[str]]:
    def build(folder: Path) -> list[str]:
        H.pair(folder, n=400)
        make(folder)
        return ["align", "a.npz", "b.npz", "--method", "sesyn", "--model", "m.pt"]
    return build


def _model_cases(g: str) -> list[Case]:
    return [
        Case(g, "model: 0 bytes", _model(_write("m.pt", b"")), MODEL, "m.pt"),
        Case(g, "model: random bytes", _model(_write("m.pt", os.urandom(3000))), MODEL, "m.pt"),
        Case(g, "model: config asking for 10^7 channels", _model(lambda f: H.checkpoint(f / "m.pt", config_channels=(10**7, 10**7))),
             MODEL, "m.pt"),
        Case(g, "model: a NaN weight", _model(lambda f: H.checkpoint(f / "m.pt", nan=True)), MODEL, "m.pt"),
        Case(g, "model: no format marker", _model(lambda f: H.checkpoint(f / "m.pt", drop=("format",))), MODEL, "m.pt"),
        Case(g, "model: a checkpoint that runs code", _model(lambda f: H.code_checkpoint(f / "m.pt", f / "PWNED")),
             MODEL, "m.pt", check=_code_marker),
        Case(g, "model: a bare pickle that runs code", _model(lambda f: H.code_pickle(f / "m.pt", f / "PWNED")),
             MODEL, "m.pt", check=_code_marker),
    ]


def _resume_cases(g: str) -> list[Case]:
    damaged = {
        "random bytes": dict(data=os.urandom(4000)),
        "no config": dict(change=lambda s: s.pop("config")),
        "history not JSON": dict(change=lambda s: s.update(history="{oops")),
        "a negative step": dict(change=lambda s: s.update(step=-5)),
        "weights of another shape": dict(change=lambda s: s["model"].update(
            {k: v[..., :1].clone() for k, v in list(s["model"].items())[:1]})),
        "an optimizer state of another shape": dict(change=lambda s: s["optimizer"]["state"].update(
            {k: {n: b[..., :1].clone() if hasattr(b, "dim") and b.dim() else b for n, b in v.items()}
             for k, v in s["optimizer"]["state"].items()})),
        "the step as text": dict(change=lambda s: s.update(step="many")),
    }
    return [Case(g, f"train --resume: last.pt with {name}", _resume(**how), ERROR, "last.pt", slow=True)
            for name, how in damaged.items()]


def _terminal_cases() -> list[Case]:
    g = "terminal"
    markup, newline, escape, bidi = "cam[red]03.npz", "cam\n03.npz", "cam\x1b[2J03.npz", "cam\u202e03.npz"
    return [
        Case(g, "a missing input named with rich markup", _bad_input(lambda p: None, markup), UNREADABLE, markup),
        Case(g, "an input named with rich markup, in the table", lambda f: _renamed(f, markup), 0,
             check=_shows(markup, stdout_only=True)),
        Case(g, "an input named with a terminal escape, in the table", lambda f: _renamed(f, escape), 0,
             check=lambda f, o: _shows("cam\\x1b[2J03.npz", stdout_only=True)(f, o) or _no_raw("\x1b[2J")(f, o)),
        Case(g, "a newline in a file name stays on the error line", _bad_input(lambda p: None, newline), UNREADABLE, "cam\\n03.npz"),
        Case(g, "a terminal escape in a file name is shown, not obeyed", _bad_input(lambda p: None, escape), UNREADABLE,
             "cam\\x1b[2J03.npz", check=_no_raw("\x1b[2J")),
        Case(g, "a right-to-left override in a file name is shown escaped", _bad_input(lambda p: None, bidi), UNREADABLE,
             "cam\\u202e03.npz", check=_no_raw("\u202e")),
        Case(g, "numpy's allow_pickle advice is not passed on", _bad_input(lambda p: H.npz(p, **H.BAD_NPZ["a pickled object"]), "bad.npz"),
             UNREADABLE, "bad.npz"),
        Case(g, "Ctrl-C at 0.3 s (start-up)", _align_with(), INTERRUPTED, sigint_after=0.3, own_process=True),
        Case(g, "Ctrl-C at 1 s", _align_with(), INTERRUPTED, sigint_after=1.0, own_process=True),
        Case(g, "Ctrl-C while training", _train_long(), INTERRUPTED, writes=("run", "run/*"), sigint_after=12.0,
             own_process=True, slow=True),
        Case(g, "a stale .part of a killed trim is removed",
             _trim("-o", "out", also=lambda f: (f / "out").mkdir() or _stale("out/.a.0123abcd.part.mp4")(f)), 0,
             writes=("out/*.mp4", "out/.a.0123abcd.part.mp4"), check=_gone("out/.a.0123abcd.part.mp4")),
        Case(g, "a stale temporary file of the plot is removed",
             _align_with("--plot", "p.png", also=_stale(".p.png.0123abcd.tmp.png")), 0,
             writes=("p.png", ".p.png.0123abcd.tmp.png"),
             check=_gone(".p.png.0123abcd.tmp.png")),
    ]


def _renamed(folder: Path, name: str) -> list[str]:
    H.pair(folder, n=400, names=("a.npz", name))
    return ["align", "a.npz", name, "--method", "simple"]


def _no_raw(text: str) -> Callable[[Path, Outcome], str | None]:
    return lambda folder, outcome: f"{text!r} printed raw" if text in outcome.stderr + outcome.stdout else None


def _train_long() -> Callable[[Path], list[str]]:
    def build(folder: Path) -> list[str]:
        H.dataset(folder / "data")
        return [*TRAIN[:4], "1000000", *TRAIN[5:], "-o", "run"]
    return build


CASES: list[Case] = _output_cases() + _io_cases() + _input_cases() + _terminal_cases()


# --- running and judging -------------------------------------------------------------------------


def _snapshot(folder: Path) -> dict[str, str]:
    files = {}
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink() and "cache" not in path.relative_to(folder).parts[:1]:
            files[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


def _env(folder: Path) -> dict[str, str]:
    return {"COLUMNS": "200", "VIDEOSYNC_CACHE_DIR": str(folder / "cache"), "PYTHONDONTWRITEBYTECODE": "1"}


def run_subprocess(case: Case, folder: Path, args: list[str], timeout: float = 300) -> Outcome:
    """The command in a fresh Python process, as the console script runs it."""
    def limit() -> None:
        if case.fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (case.fsize, case.fsize))

    env = {**os.environ, **_env(folder), "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", CLI, *args], cwd=folder, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=limit)
    if case.sigint_after is not None:
        time.sleep(case.sigint_after)
        proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=timeout)
    return Outcome(proc.returncode, out, err)


def run_in_process(folder: Path, args: list[str]) -> Outcome:
    """The command through click's test runner (no new process: the tests' quick path)."""
    from click.testing import CliRunner

    from videosync.cli.main import cli

    with contextlib.chdir(folder):
        res = CliRunner().invoke(cli, args, env=_env(folder))
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        import traceback

        return Outcome(res.exit_code, res.stdout, res.stderr + "".join(traceback.format_exception(res.exception)))
    return Outcome(res.exit_code, res.stdout, res.stderr)


def run_case(case: Case, folder: Path, in_process: bool = False) -> tuple[Outcome, list[str]]:
    """Build the case in ``folder`` (empty), run it, judge it: the outcome and every failure found."""
    folder.mkdir(parents=True, exist_ok=True)
    args = case.build(folder)
    before = _snapshot(folder)
    if in_process and not (case.own_process or case.fsize is not None or case.sigint_after is not None):
        outcome = run_in_process(folder, args)
    else:
        outcome = run_subprocess(case, folder, args)
    return outcome, judge(case, folder, before, outcome)


def judge(case: Case, folder: Path, before: dict[str, str], outcome: Outcome) -> list[str]:
    failures = []
    codes = case.code if isinstance(case.code, tuple) else (case.code,)
    if outcome.code not in codes:
        failures.append(f"exit status {outcome.code}, expected {' or '.join(map(str, codes))}")
    text = outcome.stdout + outcome.stderr
    if "Traceback" in text:
        failures.append("a traceback")
    if "allow_pickle" in text or "weights_only" in text:
        failures.append("advice to load a file unsafely")
    failures += _judge_message(case, outcome)
    failures += _judge_files(case, folder, before)
    if case.check is not None and (extra := case.check(folder, outcome)):
        failures.append(extra)
    return failures


def _judge_message(case: Case, outcome: Outcome) -> list[str]:
    lines = [line for line in outcome.stderr.splitlines() if line.strip()]
    if outcome.code == INTERRUPTED:
        return [] if lines and lines[-1] == "interrupted" else ["no 'interrupted' as the last line"]
    if outcome.code == 0:
        return []
    errors = [i for i, line in enumerate(lines) if line.startswith("Error:")]
    if outcome.code == USAGE:  # click's usage error: a usage line, then one Error line
        errors = errors[-1:]
    if len(errors) != 1 or errors[0] != len(lines) - 1:
        return [f"the error is not one last line: {lines[-3:]!r}"]
    if case.names and case.names not in lines[-1]:
        return [f"the error does not name {case.names!r}: {lines[-1]!r}"]
    return []


def _judge_files(case: Case, folder: Path, before: dict[str, str]) -> list[str]:
    after = _snapshot(folder)
    allowed = (*case.writes, "cache", "cache/*", "cache/**")
    may = lambda rel: any(fnmatch.fnmatch(rel, pattern) for pattern in allowed)  # noqa: E731
    failures = [f"{rel} changed" for rel, digest in before.items() if after.get(rel, digest) != digest and not may(rel)]
    failures += [f"{rel} deleted" for rel in before if rel not in after and not may(rel)]
    failures += [f"{rel} appeared" for rel in after if rel not in before and not may(rel)]
    leftovers = [p for p in folder.rglob(".*") if (".tmp" in p.name or ".part" in p.name) and "cache" not in p.parts]
    failures += [f"temporary {p.relative_to(folder)} left" for p in leftovers if str(p.relative_to(folder)) not in before]
    return failures


def by_group(group: str, slow: bool | None = None) -> list[Case]:
    return [c for c in CASES if c.group == group and (slow is None or c.slow == slow)]


def params(group: str) -> list:
    """The cases of ``group`` as pytest parameters; those that estimate poses, train or need a
    process with a file-size limit are marked slow."""
    import pytest

    return [pytest.param(c, id=c.name, marks=[pytest.mark.slow] if c.slow or c.fsize is not None else [])
            for c in by_group(group)]


def check(case: Case, folder: Path) -> None:
    """Run ``case`` (in-process where it can) and fail with everything found wrong."""
    outcome, failures = run_case(case, folder, in_process=True)
    assert not failures, f"{failures}\nstderr: {outcome.stderr[-1500:]}"

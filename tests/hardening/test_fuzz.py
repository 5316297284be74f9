"""Issue 23: the loaders of outside data, fuzzed. Whatever a .npz pose file, an OpenPose JSON
folder or a dataset manifest holds, loading it gives a valid result or a VideosyncError, never
another exception. Examples are few (each loader reads files), so this runs in seconds."""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.hardening import hostile as H
from videosync.datasets import read_manifest
from videosync.errors import VideosyncError
from videosync.poses import PoseTrack
from videosync.poses.npz import load_npz
from videosync.poses.openpose import load_openpose_dir
from videosync.tunables import MAX_FPS, MAX_FRAME_NUMBER, MAX_IMAGE_SIDE, MIN_FPS

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_dtypes = st.sampled_from([np.float32, np.float64, np.int64, np.uint8, np.bool_, np.complex64, "U3", "S2"])
_any_array = hnp.arrays(_dtypes, hnp.array_shapes(min_dims=0, max_dims=3, max_side=6))
_scalar = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-(2**63), 2**63 - 1), st.text(max_size=5))
#: Any value an array of a pose file could be replaced with.
_value = st.one_of(_any_array, _scalar.map(np.array), st.none())


def _valid(result: object) -> None:
    """A track every later stage can use: frames, a sane rate and size, increasing frame numbers
    within the limits, finite keypoints."""
    assert isinstance(result, PoseTrack) and len(result) > 0
    assert MIN_FPS <= result.fps <= MAX_FPS and 0 < result.width <= MAX_IMAGE_SIDE and 0 < result.height <= MAX_IMAGE_SIDE
    assert np.all(np.diff(result.frame_index) > 0) and 0 <= result.frame_index[0] <= result.frame_index[-1] <= MAX_FRAME_NUMBER
    assert np.isfinite(result.keypoints).all()


def _load(loader, path) -> None:
    try:
        result = loader(path)
    except VideosyncError:
        return
    _valid(result)


@FUZZ
@given(changed=st.dictionaries(st.sampled_from(sorted(H.arrays())), _value, max_size=4),
       dropped=st.sets(st.sampled_from(sorted(H.arrays())), max_size=2))
def test_npz_arrays(changed, dropped):
    with tempfile.TemporaryDirectory() as tmp:
        _load(load_npz, H.npz(Path(tmp) / "f.npz", drop=tuple(dropped), **changed))


def _valid_npz_bytes() -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **H.arrays())
    return buffer.getvalue()


@FUZZ
@given(data=st.data())
def test_npz_bytes(data):
    """A valid file with bytes changed, cut short or grown."""
    raw = bytearray(_valid_npz_bytes())
    for at, value in data.draw(st.lists(st.tuples(st.integers(0, len(raw) - 1), st.integers(0, 255)), max_size=8)):
        raw[at] = value
    cut = data.draw(st.integers(0, len(raw)))
    with tempfile.TemporaryDirectory() as tmp:
        _load(load_npz, H.junk(Path(tmp) / "f.npz", bytes(raw[:cut]) + data.draw(st.binary(max_size=16))))


_json = st.recursive(st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=4),
                     lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4),
                     max_leaves=20)
_keypoints = st.lists(st.one_of(st.floats(), st.integers(-10**6, 10**6), st.text(max_size=2), st.none()), max_size=80)
_person = st.fixed_dictionaries({"pose_keypoints_2d": st.one_of(_keypoints, _json)})
_frame = st.one_of(st.fixed_dictionaries({"people": st.lists(st.one_of(_person, _json), max_size=3)}), _json)


@FUZZ
@given(frames=st.lists(st.one_of(_frame.map(json.dumps), st.text(max_size=20)), min_size=1, max_size=6),
       numbers=st.lists(st.integers(0, 10**16), min_size=6, max_size=6, unique=True))
def test_openpose_folder(frames, numbers):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "cam"
        folder.mkdir()
        for text, n in zip(frames, numbers):
            (folder / f"cam_{n:012d}_keypoints.json").write_text(text)
        _load(load_openpose_dir, folder)


_good = st.sampled_from(["pair/a.npz", "pair/b.npz"])
#: Mostly files that exist (so that the other fields are reached), else anything.
_bad = st.one_of(st.sampled_from(["rec/v0.npz", "../x", "/etc/passwd", "", "pair"]), _json)
_entry = st.integers(0, 9).flatmap(lambda i: _good if i < 8 else _bad)
_special = st.sampled_from([float("nan"), float("inf"), -float("inf"), 1e308, -0.0])
_pair = st.fixed_dictionaries({"a": _entry, "b": _entry, "offset_frames": st.one_of(st.floats(), _special, st.integers(), _json)},
                              optional={"id": _json, "split": st.one_of(st.sampled_from(["train", "test"]), _json)})
_recording = st.fixed_dictionaries({"views": st.one_of(st.lists(_entry, max_size=3), _json)},
                                   optional={"id": _json, "split": _json})
#: Mostly the manifest's own structure with odd values in it, else any JSON.
_structured = st.fixed_dictionaries(
    {"pairs": st.one_of(st.lists(_pair, min_size=1, max_size=3), _json)},
    optional={"version": st.one_of(st.just(1), _json), "recordings": st.one_of(st.lists(_recording, max_size=3), _json)})
_manifest = st.integers(0, 9).flatmap(lambda i: _structured if i < 8 else _json)


@pytest.fixture(scope="module")
def dataset_root(tmp_path_factory):
    return H.dataset(tmp_path_factory.mktemp("fuzz") / "data")


@FUZZ
@given(content=st.one_of(_manifest.map(json.dumps), st.text(max_size=40)))
def test_manifest(dataset_root, content):
    H.manifest(dataset_root, content)
    try:
        manifest = read_manifest(dataset_root)
    except VideosyncError:
        return
    for pair in manifest.pairs:
        assert pair.a.is_file() and pair.b.is_file() and np.isfinite(pair.offset_frames)
        assert pair.a.resolve().is_relative_to(dataset_root.resolve())

"""Backend names, what "auto" picks, and fetching HRNet weights (offline, via file:// URLs)."""

from __future__ import annotations

import hashlib

import pytest

from videosync.errors import ModelError, VideosyncError
from videosync.estimate import mmpose_backend
from videosync.estimate.mmpose_backend import HRNET_URL, download_checkpoint, find_local_checkpoint
from videosync.estimate.registry import create_backend, resolve_backend_name


@pytest.fixture
def empty_caches(monkeypatch, tmp_path):
    monkeypatch.setenv("VIDEOSYNC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr("torch.hub.get_dir", lambda: str(tmp_path / "hub"))
    return tmp_path


def test_auto_without_local_weights_is_mediapipe(empty_caches):
    assert find_local_checkpoint() is None
    assert resolve_backend_name("auto") == "mediapipe"
    assert create_backend("auto").name == "mediapipe"


def test_auto_is_mmpose_when_installed_and_weights_are_cached(empty_caches, monkeypatch):
    target = empty_caches / "cache" / "models" / HRNET_URL.rsplit("/", 1)[-1]
    target.parent.mkdir(parents=True)
    target.write_bytes(b"weights")
    assert find_local_checkpoint() == target
    monkeypatch.setattr(mmpose_backend, "mmpose_available", lambda: True)
    assert resolve_backend_name("auto") == "mmpose"
    monkeypatch.setattr(mmpose_backend, "mmpose_available", lambda: False)
    assert resolve_backend_name("auto") == "mediapipe"


def test_bad_names_and_combinations(empty_caches):
    with pytest.raises(VideosyncError, match="unknown pose backend 'openpose'"):
        resolve_backend_name("openpose")
    with pytest.raises(VideosyncError, match="mmpose backend, not mediapipe"):
        resolve_backend_name("mediapipe", pose_checkpoint="w.pth")


def test_mmpose_missing_is_a_clear_error(empty_caches, monkeypatch):
    monkeypatch.setattr(mmpose_backend, "mmpose_available", lambda: False)
    with pytest.raises(ModelError, match="not installed"):
        mmpose_backend.MMPoseBackend(random_weights=True)


def _published(tmp_path, payload: bytes, hash_ok: bool = True):
    """A file named like OpenMMLab's checkpoints: ...-<first 8 hex of sha256>_<date>.pth."""
    prefix = hashlib.sha256(payload).hexdigest()[:8] if hash_ok else "00000000"
    src = tmp_path / "server" / f"hrnet-{prefix}_20220909.pth"
    src.parent.mkdir(parents=True, exist_ok=True)
    src.write_bytes(payload)
    return src


def test_download_checks_the_hash_and_lands_in_the_cache(empty_caches):
    src = _published(empty_caches, b"fake weights" * 100)
    path = download_checkpoint(src.as_uri())
    assert path == empty_caches / "cache" / "models" / src.name
    assert path.read_bytes() == src.read_bytes()
    src.unlink()  # present now: no second download
    assert download_checkpoint(src.as_uri()) == path


def test_download_with_wrong_hash_leaves_nothing(empty_caches):
    src = _published(empty_caches, b"tampered", hash_ok=False)
    with pytest.raises(ModelError, match="corrupt"):
        download_checkpoint(src.as_uri(), dest_dir=empty_caches / "dl")
    assert not list((empty_caches / "dl").iterdir())


def test_download_failure_says_what_to_do(empty_caches):
    with pytest.raises(ModelError, match="--pose-checkpoint"):
        download_checkpoint((empty_caches / "nowhere" / "w-12345678_20220101.pth").as_uri())

from pathlib import Path

import numpy as np
import pytest
import torch

import videosync.model.checkpoint as ckpt
from videosync.errors import ModelError
from videosync.model.checkpoint import default_model_path, load_checkpoint, save_checkpoint
from videosync.model.network import SeSynConfig, SeSynNet

TINY = SeSynConfig(channels=(8, 128), temporal_kernel=3)


def _net(seed=0):
    net = SeSynNet(TINY, seed=seed)
    with torch.no_grad():
        net.train()(torch.rand(2, 10, 17, 3))  # non-default running statistics
    return net.eval()


def test_round_trip(tmp_path):
    net = _net()
    meta = {"epoch": 3, "loss": np.float32(0.25), "train": {"lr": 0.005, "mu": (0.5, 0.035)}, "data": Path("/x")}
    p = save_checkpoint(tmp_path / "sub" / "m.pt", net, meta=meta)
    net2, meta2 = load_checkpoint(p, device="cpu")
    assert net2.config == TINY and not net2.training
    assert meta2 == {"epoch": 3, "loss": 0.25, "train": {"lr": 0.005, "mu": [0.5, 0.035]}, "data": "/x"}
    x = torch.rand(1, 12, 17, 3)
    with torch.no_grad():
        torch.testing.assert_close(net2(x), net(x))
    raw = torch.load(p, weights_only=True)
    assert raw["format"] == "videosync-sesyn" and raw["format_version"] == 1
    assert raw["config"] == TINY.to_dict()
    assert [f.name for f in p.parent.iterdir()] == ["m.pt"]  # no temp file left


def test_meta_must_be_plain(tmp_path):
    with pytest.raises(TypeError):
        save_checkpoint(tmp_path / "m.pt", _net(), meta={"f": object()})
    with pytest.raises(ValueError):
        save_checkpoint(tmp_path / "m.pt", _net(), SeSynConfig())


def test_interrupted_save_keeps_old_file(tmp_path, monkeypatch):
    p = save_checkpoint(tmp_path / "m.pt", _net(0), meta={"v": 1})
    before = p.read_bytes()

    def broken_save(obj, fh):
        fh.write(b"partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(ckpt.torch, "save", broken_save)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(p, _net(1), meta={"v": 2})
    assert p.read_bytes() == before
    assert [f.name for f in tmp_path.iterdir()] == ["m.pt"]


def test_missing_file(tmp_path):
    with pytest.raises(ModelError, match="not found") as e:
        load_checkpoint(tmp_path / "nope.pt")
    assert str(tmp_path / "nope.pt") in str(e.value)


def test_not_a_torch_file(tmp_path):
    p = tmp_path / "junk.pt"
    p.write_text("hello, I am not a checkpoint\n")
    with pytest.raises(ModelError, match="not a readable torch") as e:
        load_checkpoint(p)
    assert e.value.path == str(p)


def test_torch_file_of_something_else(tmp_path):
    p = tmp_path / "other.pt"
    torch.save({"model": _net().state_dict()}, p)  # e.g. the authors' training checkpoint
    with pytest.raises(ModelError, match="not a SeSyn-Net checkpoint"):
        load_checkpoint(p)


def _tampered(tmp_path, edit):
    p = save_checkpoint(tmp_path / "m.pt", _net())
    data = torch.load(p, weights_only=True)
    edit(data)
    torch.save(data, p)
    return p


def test_wrong_shapes_or_keys(tmp_path):
    def shape(d):
        d["state_dict"]["blocks.0.gcn.conv.weight"] = torch.zeros(3, 3, 1, 1)

    def key(d):
        d["state_dict"].pop("data_bn.weight")

    for edit in (shape, key):
        with pytest.raises(ModelError, match="weights do not fit"):
            load_checkpoint(_tampered(tmp_path, edit))


def test_wrong_config_or_version(tmp_path):
    with pytest.raises(ModelError, match="config"):
        load_checkpoint(_tampered(tmp_path, lambda d: d["config"].update(width=3)))
    with pytest.raises(ModelError, match="version"):
        load_checkpoint(_tampered(tmp_path, lambda d: d.update(format_version=99)))


def test_variant_round_trip(tmp_path):
    main, noisy = _net(0), _net(1)
    p = save_checkpoint(tmp_path / "m.pt", main, meta={"v": 1},
                        variants={"noisy": (noisy, {"above_relative_jitter": np.float64(0.015)})})
    net, meta = load_checkpoint(p, device="cpu")
    assert meta == {"v": 1, "variants": {"noisy": {"above_relative_jitter": 0.015}}}
    other, meta_v = load_checkpoint(p, device="cpu", variant="noisy")
    assert meta_v == meta
    x = torch.rand(1, 12, 17, 3)
    with torch.no_grad():
        torch.testing.assert_close(net(x), main(x))
        torch.testing.assert_close(other(x), noisy(x))
        assert not torch.allclose(net(x), other(x))  # the two really are different weights


def test_variant_errors(tmp_path):
    plain = save_checkpoint(tmp_path / "plain.pt", _net())
    with pytest.raises(ModelError, match="no variant 'noisy' .*none"):
        load_checkpoint(plain, variant="noisy")
    assert "variants" not in load_checkpoint(plain)[1]
    wide = SeSynNet(SeSynConfig(channels=(8, 8, 8, 8), temporal_kernel=3))
    with pytest.raises(ValueError, match="variant 'noisy'"):
        save_checkpoint(tmp_path / "m.pt", _net(), variants={"noisy": (wide, {})})
    assert not (tmp_path / "m.pt").exists()
    p = save_checkpoint(tmp_path / "m.pt", _net(), variants={"noisy": (_net(1), {})})
    data = torch.load(p, weights_only=True)
    data["variants"]["noisy"]["state_dict"].pop("data_bn.weight")
    torch.save(data, p)
    with pytest.raises(ModelError, match="variant 'noisy': weights do not fit"):
        load_checkpoint(p, variant="noisy")
    load_checkpoint(p)  # the main weights are still whole


def test_default_model_path(monkeypatch, tmp_path):
    monkeypatch.setenv("VIDEOSYNC_MODEL", str(tmp_path / "x.pt"))
    assert default_model_path() == tmp_path / "x.pt"
    monkeypatch.delenv("VIDEOSYNC_MODEL")
    shipped = Path(ckpt.__file__).resolve().parents[2] / "models" / "sesyn.pt"
    assert default_model_path() == (shipped if shipped.is_file() else None)

import pytest
import torch

from videosync.model.blend import blend_weights
from videosync.model.network import SeSynConfig, SeSynNet

TINY = SeSynConfig(channels=(8, 16), temporal_kernel=3)


def test_blend_is_the_weighted_mean_of_every_float_tensor():
    a, b = SeSynNet(TINY, seed=0), SeSynNet(TINY, seed=1)
    with torch.no_grad():
        b.train()(torch.rand(2, 10, 17, 3))  # b's normalisation statistics differ from a's
    mixed = blend_weights(a, b, 0.25)
    sa, sb, sm = a.state_dict(), b.state_dict(), mixed.state_dict()
    for k, v in sm.items():
        if v.is_floating_point():
            torch.testing.assert_close(v, 0.75 * sa[k] + 0.25 * sb[k])
        else:  # batch counters are not averaged
            assert torch.equal(v, sa[k])
    assert not mixed.training
    for w, same in ((0.0, a), (1.0, b)):
        x = torch.rand(1, 12, 17, 3)
        with torch.no_grad():
            torch.testing.assert_close(blend_weights(a, b, w)(x), same.eval()(x))


def test_blend_refuses_other_shapes_and_weights():
    a = SeSynNet(TINY)
    with pytest.raises(ValueError, match="different shapes"):
        blend_weights(a, SeSynNet(SeSynConfig(channels=(8, 8), temporal_kernel=3)), 0.5)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        blend_weights(a, SeSynNet(TINY), 1.5)


def _script():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "scripts" / "add_noisy_variant.py"
    spec = importlib.util.spec_from_file_location("add_noisy_variant", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_add_noisy_variant_script(tmp_path, capsys):
    from videosync.model import load_checkpoint, save_checkpoint

    base = save_checkpoint(tmp_path / "base.pt", SeSynNet(TINY, seed=0), meta={"name": "base"})
    tuned = save_checkpoint(tmp_path / "tuned.pt", SeSynNet(TINY, seed=1), meta={"name": "tuned"})
    before = base.read_bytes()
    script = _script()
    assert script.main(["--base", str(base), "--tuned", str(tuned), "--above-relative-jitter", "0.015", "--above-image-jitter", "0.005",
                        "--out", str(base)]) == 2
    assert "must not be an input" in capsys.readouterr().err and base.read_bytes() == before
    out = tmp_path / "out.pt"
    assert script.main(["--base", str(base), "--tuned", str(tuned), "--weight", "0.5",
                        "--above-relative-jitter", "0.015", "--above-image-jitter", "0.005", "--out", str(out)]) == 0
    main, meta = load_checkpoint(out, "cpu")
    assert meta["name"] == "base"
    assert meta["variants"] == {"noisy": {"above_relative_jitter": 0.015, "above_image_jitter": 0.005, "blend_weight": 0.5,
                                          "tuned": {"name": "tuned"}}}
    variant, _ = load_checkpoint(out, "cpu", variant="noisy")
    expected = blend_weights(load_checkpoint(base, "cpu")[0], load_checkpoint(tuned, "cpu")[0], 0.5)
    x = torch.rand(1, 12, 17, 3)
    with torch.no_grad():
        torch.testing.assert_close(variant(x), expected(x))
    assert base.read_bytes() == before
    assert script.main(["--base", str(tmp_path / "nope.pt"), "--tuned", str(tuned), "--above-relative-jitter",
                        "0.015", "--above-image-jitter", "0.005", "--out", str(tmp_path / "x.pt")]) == 2
    assert "nope.pt" in capsys.readouterr().err and not (tmp_path / "x.pt").exists()

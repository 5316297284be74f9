"""The fitting script's pieces that decide what the shipped calibrator is: which records it reads,
and that the averaged trees it exports compute what scikit-learn fitted."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sklearn")

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "fit_calibrator.py"


@pytest.fixture(scope="module")
def fc():
    spec = importlib.util.spec_from_file_location("fit_calibrator", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write(path: Path, rows: list[dict], cut_last: bool = False) -> None:
    lines = [json.dumps(r) for r in rows]
    if cut_last:
        lines[-1] = lines[-1][: len(lines[-1]) // 2]  # a line cut by a kill
    path.write_text("\n".join(lines) + "\n")


def test_only_the_latest_engines_records_are_read_and_a_cut_line_is_skipped(fc, tmp_path):
    old = [{"case": f"c{i}", "role": "engine", "fingerprint": "old", "refused": False} for i in range(3)]
    new = [{"case": "c0", "role": "engine", "fingerprint": "new", "refused": False},
           {"case": "c1", "role": "engine", "fingerprint": "new", "refused": True},
           {"case": "c2", "role": "baseline", "fingerprint": "new", "refused": False},
           {"case": "c9", "role": "engine", "fingerprint": "newer", "refused": False}]
    path = tmp_path / "calib.jsonl"
    _write(path, old + new, cut_last=True)  # "newer" is cut: the last complete record is "new"
    assert fc.latest_fingerprint(path) == "new"
    assert [r["case"] for r in fc.load(path, "engine")] == ["c0"]
    assert [r["case"] for r in fc.load(path, "engine", answered=False)] == ["c0", "c1"]


def test_the_exported_trees_are_the_mean_of_the_seeds_models(fc):
    rng = np.random.default_rng(0)
    z = rng.normal(size=(120, 3))
    right = (z[:, 0] + 0.5 * z[:, 1] * z[:, 2] + rng.normal(scale=0.5, size=120)) > 0
    models, oof = fc.fit_probability(z, right, range(2))
    features = ("a", "b", "c")
    ensemble = fc.trees_from_sklearn(models, features, np.zeros(3), np.ones(3), z)
    assert len(ensemble.trees) == 2 * fc.TREES
    expected = (models[0].decision_function(z[:5]) + models[1].decision_function(z[:5])) / 2
    got = [ensemble(dict(zip(features, row))) for row in z[:5]]
    assert np.allclose(got, expected, atol=1e-9)
    assert oof.shape == (120,) and np.all((oof > 0) & (oof < 1))
    # out-of-fold probabilities still rank right above wrong on this separable-enough toy
    assert oof[right].mean() > oof[~right].mean() + 0.2

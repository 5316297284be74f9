"""benchmarks/_results.py: each script replaces only its own section of the results document."""

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _module():
    spec = importlib.util.spec_from_file_location("_results", REPO / "benchmarks" / "_results.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_section_is_replaced_and_the_others_kept(tmp_path):
    results = _module()
    doc = tmp_path / "results.md"
    results.write_section("bench_a", "A", "first", command="python a.py", path=doc)
    results.write_section("bench_b", "B", "other", command="python b.py", path=doc)
    results.write_section("bench_a", "A", "second", command="python a.py", path=doc)
    text = doc.read_text()
    assert text.startswith("# Results")
    assert "second" in text and "first" not in text and "other" in text
    assert text.count("<!-- begin bench_a -->") == 1
    assert text.index("bench_a") < text.index("bench_b")  # replaced in place, not moved
    assert list(tmp_path.iterdir()) == [doc]  # no temporary file left


def test_markdown_table():
    results = _module()
    assert results.markdown_table(["x", "y"], [[1, "a"]]) == "| x | y |\n|---|---|\n| 1 | a |"

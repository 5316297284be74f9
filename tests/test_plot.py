import numpy as np

import videosync
from videosync.plot import plot_alignment, similarity_matrix
from videosync.sync.methods import get_method
from videosync.sync.methods.base import FramePreview
from tests.sync.synth import sampled_track


def test_similarity_matrix_is_subsampled_and_peaks_on_the_offset_line():
    a = sampled_track(900, 30.0, start_seconds=0.0)
    b = sampled_track(900, 30.0, start_seconds=0.0)
    preview = FramePreview.of(get_method("simple").describe_pair(a, b), max_frames=300)
    sim, sa, sb = similarity_matrix(preview), preview.step_a, preview.step_b
    assert (sa, sb) == (3, 3) and sim.shape == (300, 300)
    assert np.all(np.argmax(sim, axis=1) == np.arange(300))  # identical tracks: the diagonal


def test_plot_alignment_writes_a_png(tmp_path):
    ref = sampled_track(200, 30.0, start_seconds=1.0)
    other = sampled_track(200, 30.0, start_seconds=1.0 - 5 / 30)
    result = videosync.align([ref, other], method="simple")
    out = plot_alignment(result, tmp_path / "plot.png")  # no method: the result carries what it draws
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 20_000
    assert [p.name for p in tmp_path.iterdir()] == ["plot.png"]


def test_plot_of_a_method_that_matches_no_frames(tmp_path):
    """speed-xcorr correlates whole signals: the picture says so instead of failing."""
    ref = sampled_track(200, 30.0, start_seconds=1.0)
    other = sampled_track(200, 30.0, start_seconds=1.0 - 5 / 30)
    result = videosync.align([ref, other], method="speed-xcorr", min_confidence=0.0)
    assert result.pairs[0].estimate.preview is None
    out = plot_alignment(result, tmp_path / "plot.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

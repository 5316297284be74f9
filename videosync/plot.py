"""A picture of an alignment that a person can read at a glance.

Three rows: the frame-similarity matrix of the first pair with the matched frames and the fitted
offset line drawn on it; the histogram of per-frame offsets with the chosen offset; and, for every
input, the frame (or, for pose files, the skeleton) at the same synchronized instants. If the
offset is right, the people in each column strike the same pose.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from videosync.fileio import write_bytes
from videosync.poses import COCO17_EDGES, PoseTrack
from videosync.result import AlignmentResult

def similarity_matrix(preview) -> np.ndarray:
    """``-||f_a - f_b||^2`` between the preview's frames of both inputs (a
    :class:`~videosync.sync.methods.base.FramePreview`: the features the pair was matched with,
    subsampled); NaN for frames without a usable feature."""
    fa, fb = preview.a, preview.b
    bad_a, bad_b = ~np.isfinite(fa).all(1), ~np.isfinite(fb).all(1)
    fa, fb = np.nan_to_num(fa), np.nan_to_num(fb)
    sim = -np.maximum((fa**2).sum(1)[:, None] + (fb**2).sum(1)[None, :] - 2 * fa @ fb.T, 0)
    sim[bad_a, :] = np.nan  # frames without a usable feature are left blank
    sim[:, bad_b] = np.nan
    return sim


def _frame_at(path: str, index: int) -> np.ndarray | None:
    """RGB frame ``index`` of a video, or None for pose files and frames outside the video."""
    from videosync.video.probe import is_video_path

    if index < 0 or not is_video_path(path):
        return None
    import cv2

    cap = cv2.VideoCapture(str(path))
    try:
        cap.set(cv2.CAP_PROP_POS_FRAMES, index)
        ok, frame = cap.read()
    finally:
        cap.release()
    return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB) if ok else None


def _draw_skeleton(ax, track: PoseTrack, frame: int) -> None:
    rows = np.nonzero(track.frame_index == frame)[0]
    ax.set_xlim(0, track.width)
    ax.set_ylim(track.height, 0)
    if len(rows) == 0:
        ax.text(0.5, 0.5, "no pose", ha="center", transform=ax.transAxes)
        return
    kp = track.keypoints[rows[0]]
    for a, b in COCO17_EDGES:
        if kp[a, 2] > 0 and kp[b, 2] > 0:
            ax.plot(kp[[a, b], 0], kp[[a, b], 1], "-", color="tab:blue", lw=2)
    ok = kp[:, 2] > 0
    ax.plot(kp[ok, 0], kp[ok, 1], "o", color="tab:orange", ms=3)


def plot_alignment(result: AlignmentResult, path: str | Path, n_instants: int = 4) -> Path:
    """Write the picture of ``result`` to ``path`` (PNG, atomically) and return the path.

    Everything it shows comes with the result: its pose tracks and the first pair's estimate
    (with the features it was matched with), so no method or model is needed here.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tracks = result.tracks
    fig = plt.figure(figsize=(3.2 * max(n_instants, 3), 6 + 2.6 * len(tracks)), constrained_layout=True)
    grid = fig.add_gridspec(1 + len(tracks), n_instants)
    pair = result.pairs[0] if result.pairs else None
    ax_m = fig.add_subplot(grid[0, : n_instants // 2])
    ax_h = fig.add_subplot(grid[0, n_instants // 2 :])
    if pair is not None and pair.estimate is not None and getattr(pair.estimate, "preview", None) is None:
        for ax in (ax_m, ax_h):  # e.g. speed-xcorr correlates whole signals, it matches no frames
            ax.text(0.5, 0.5, f"{result.method} matches no frames:\nno frame similarity to show",
                    ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
    elif pair is not None and pair.estimate is not None:
        _draw_matches(ax_m, ax_h, pair.estimate, tracks[pair.a], tracks[pair.b], result.method)
    _draw_instants(fig, grid, result, n_instants)
    fig.suptitle(f"videosync: offsets relative to {Path(result.reference).name}")
    png = io.BytesIO()  # in memory first: a full disk is then one OSError, not matplotlib's own failure
    try:
        fig.savefig(png, dpi=80, format="png")
    finally:
        plt.close(fig)
    return write_bytes(path, png)


def _draw_matches(ax_m, ax_h, est, ta: PoseTrack, tb: PoseTrack, method: str) -> None:
    """The frame-similarity matrix with the matched frames and the offset line; the histogram of
    per-frame offsets with the chosen one."""
    preview = est.preview
    sim, sa, sb = similarity_matrix(preview), preview.step_a, preview.step_b
    a0, b0 = preview.first_a, preview.first_b
    extent = (b0 - 0.5, b0 + sim.shape[1] * sb - 0.5, a0 + sim.shape[0] * sa - 0.5, a0 - 0.5)
    ax_m.imshow(sim, cmap="viridis", aspect="auto", extent=extent)
    ax_m.plot(est.pairs_b, est.pairs_a, ".", color="white", ms=2, label="matched frames")
    i = np.array([ta.frame_index[0], ta.frame_index[-1]], dtype=float)
    ax_m.plot(est.rate * i + est.offset_frames, i, "r-", lw=1, label=f"offset {est.offset_frames:+.2f}")
    ax_m.set_xlabel(f"frame of {tb.name}")
    ax_m.set_ylabel(f"frame of {ta.name}")
    ax_m.set_title(f"frame similarity ({method})")
    ax_m.legend(loc="lower right", fontsize=8)
    per_frame = est.pairs_b - est.rate * est.pairs_a
    ax_h.hist(per_frame, bins=np.arange(np.floor(per_frame.min()) - 0.5, np.ceil(per_frame.max()) + 1.5), color="tab:gray")
    ax_h.axvline(est.offset_frames, color="r", label=f"chosen {est.offset_frames:+.2f} (confidence {est.confidence:.2f})")
    ax_h.set_xlabel("per-frame offset (frames)")
    ax_h.set_ylabel("matched frames")
    ax_h.legend(fontsize=8)


def _draw_instants(fig, grid, result: AlignmentResult, n_instants: int) -> None:
    """For every input, the frame (or, for pose files, the skeleton) at the same instants."""
    tracks, ref = result.tracks, result.tracks[0]
    starts = [max(0.0, -entry.offset_frames / entry.fps * ref.fps) for entry in result.inputs]
    ends = [
        (t.frame_index[-1] - entry.offset_frames) / entry.fps * ref.fps for t, entry in zip(tracks, result.inputs)
    ]
    lo, hi = max(starts + [float(ref.frame_index[0])]), min(ends + [float(ref.frame_index[-1])])
    instants = np.linspace(lo, hi, n_instants + 2)[1:-1] if hi > lo else np.full(n_instants, lo)
    for row, (track, entry) in enumerate(zip(tracks, result.inputs), start=1):
        for col, t_ref in enumerate(instants):
            ax = fig.add_subplot(grid[row, col])
            frame = int(round((t_ref / ref.fps) * entry.fps + entry.offset_frames))
            image = _frame_at(entry.path, frame)
            if image is not None:
                ax.imshow(image)
            else:
                _draw_skeleton(ax, track, frame)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"{Path(entry.path).name} frame {frame}", fontsize=8)

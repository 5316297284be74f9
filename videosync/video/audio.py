"""Cutting an audio track to the time window of a trimmed video, sample-accurately.

Audio cannot simply be stream-copied: compressed audio comes in packets of ~1024 samples (21 ms at
48 kHz), more than one video frame at 60 fps, so a copy would start up to a packet early and drift
out of step with the frame-exact video. We decode, cut at the exact sample, and re-encode (AAC).

:class:`AudioWindow` is the pure part (timestamps -> which samples, silence for gaps) so it can be
tested without any file; :class:`AudioTrimmer` wires it to PyAV's decoder output and an AAC stream.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class AudioWindow:
    """Places decoded audio blocks on a sample grid and keeps the samples inside one window.

    The window is ``[t0, t0 + n_samples / rate)`` in the input's clock (seconds). Blocks arrive in
    decode order with their start time; their position is ``round((start - t0) * rate)``, except
    that a block starting within ``tolerance`` samples of where the previous one ended is taken as
    contiguous: containers with coarse time bases (1 ms in Matroska) jitter by a few samples and
    following those timestamps literally would click. A real gap (dropped packets, an audio track
    that starts after the video) is filled with silence so later audio stays in sync; overlapping
    samples are dropped. The end is not padded: a track that stops early stays short.
    """

    def __init__(self, rate: int, channels: int, t0: float, n_samples: int, tolerance: int | None = None):
        self.rate = int(rate)
        self.channels = int(channels)
        self.t0 = float(t0)
        self.n_samples = max(int(n_samples), 0)
        self.tolerance = int(tolerance) if tolerance is not None else max(2, round(0.002 * rate))
        self.cursor = 0  # next window sample to emit
        self._expected: int | None = None  # where the next block should start if contiguous

    @property
    def done(self) -> bool:
        return self.cursor >= self.n_samples

    def add(self, start_time: float, samples: np.ndarray) -> list[np.ndarray]:
        """Feed one block (channels, n) float32 starting at ``start_time`` s; returns the window
        samples it completes, in order (possibly a silence block first)."""
        n = samples.shape[1]
        s = round((start_time - self.t0) * self.rate)
        if self._expected is not None and abs(s - self._expected) <= self.tolerance:
            s = self._expected
        self._expected = s + n
        lo, hi = max(s, self.cursor), min(s + n, self.n_samples)
        if hi <= lo:
            return []
        out = []
        if lo > self.cursor:
            out.append(np.zeros((self.channels, lo - self.cursor), np.float32))
        out.append(np.ascontiguousarray(samples[:, lo - s : hi - s], dtype=np.float32))
        self.cursor = hi
        return out


class AudioTrimmer:
    """Decoded frames of one input audio stream in, AAC packets of the cut window out (muxed).

    Until :meth:`start` knows the window (the first video frame used must be decoded first), the
    frames are held back; frames that end before ``discard_before`` (the latest video frame time
    seen, which the window cannot start before) are dropped so the backlog stays short.
    """

    def __init__(self, in_stream: Any) -> None:
        import av

        ctx = in_stream.codec_context
        self.rate = int(ctx.sample_rate)
        self.channels = int(ctx.layout.nb_channels)
        layout = ctx.layout.name
        if not layout or layout.startswith("unknown") or "channels" in layout:
            layout = {1: "mono", 2: "stereo"}.get(self.channels, layout)
        self.layout = layout
        self._to_float = av.AudioResampler(format="fltp", layout=layout, rate=self.rate)
        self._out: Any = None
        self.stream: Any = None
        self._fifo = av.AudioFifo()
        self._written = 0
        self._pending: list[tuple[float, np.ndarray]] = []
        self.window: AudioWindow | None = None
        self.samples_written = 0

    @property
    def done(self) -> bool:
        return self.window is not None and self.window.done

    def push(self, frame: Any, discard_before: float | None = None) -> None:
        """Accept one decoded audio frame (any sample format)."""
        if self.done or frame.pts is None or frame.time_base is None:
            return
        start = float(frame.pts * frame.time_base)
        blocks = [f.to_ndarray() for f in self._to_float.resample(frame)]
        if not blocks:
            return
        samples = np.concatenate(blocks, axis=1) if len(blocks) > 1 else blocks[0]
        if self.window is None:
            self._pending.append((start, samples))
            if discard_before is not None:
                self._pending = [
                    (t, a) for t, a in self._pending if t + a.shape[1] / self.rate > discard_before
                ]
            return
        self._emit(self.window.add(start, samples))

    def start(self, out_container: Any, t0: float, n_samples: int) -> None:
        """Add the AAC stream to ``out_container`` (before anything is muxed into it), fix the
        window ([t0, t0 + n_samples / rate) in input seconds) and flush the backlog."""
        self._out = out_container
        self.stream = out_container.add_stream("aac", rate=self.rate, layout=self.layout)
        self.stream.bit_rate = min(96_000 * self.channels, 320_000)
        self.window = AudioWindow(self.rate, self.channels, t0, n_samples)
        pending, self._pending = self._pending, []
        for t, a in pending:
            self._emit(self.window.add(t, a))

    def _emit(self, chunks: list[np.ndarray]) -> None:
        import av

        for chunk in chunks:
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=self.layout)
            frame.sample_rate = self.rate
            self._fifo.write(frame)
            self.samples_written += chunk.shape[1]
        size = self.stream.codec_context.frame_size or 1024
        while self._fifo.samples >= size:
            self._encode(self._fifo.read(size))

    def _encode(self, frame: Any) -> None:
        from fractions import Fraction

        frame.pts = self._written
        frame.time_base = Fraction(1, self.rate)
        self._written += frame.samples
        for packet in self.stream.encode(frame):
            self._out.mux(packet)

    def finish(self) -> None:
        """Encode what is left (a short last frame is fine for AAC) and flush the encoder."""
        if self.window is None:
            return
        if self._fifo.samples:
            self._encode(self._fifo.read())
        for packet in self.stream.encode(None):
            self._out.mux(packet)


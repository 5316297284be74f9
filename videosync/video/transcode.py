"""Copy chosen frames of one video into a new H.264 file, frame-exactly, with its audio cut alike.

Why re-encode: a stream copy can only cut at keyframes (every 1-10 s in phone video), so the copy
would start up to seconds early. Decoding every frame and encoding exactly the ones the plan names
is the only way to start at an arbitrary frame.

Backends:

* PyAV (libx264 + AAC, the normal path): frames stay in YUV from decoder to encoder (no RGB round
  trip), audio is cut sample-accurately (see :mod:`videosync.video.audio`).
* OpenCV ``VideoWriter`` (fallback when PyAV or its H.264 encoder is missing): MPEG-4 part 2 video,
  lower quality, and no audio at all; the result says so.

Rotation: phones store portrait video as landscape pixels plus a display-rotation tag. We apply
the rotation to the pixels and write no tag, so the copy looks the same in a player as the
original but also in tools that ignore the tag (several editors, annotation tools, older OpenCV),
and pixel coordinates in the copy match those of the pose pipeline, which decodes through OpenCV
(it applies the tag too). The reported width and height are the upright ones.

Frames are numbered from their timestamps at the nominal frame rate, as the pose pipeline numbers
them (:mod:`videosync.video.probe`): in a variable-frame-rate file that lost frames, a lost
frame's slot is filled with the next frame, so the copy keeps the source's timing. The copy has
constant frame rate even if the source had jittery timestamps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from videosync.errors import OutputError, VideoError
from videosync.video.plan import FramePlan, as_rate


@dataclass(frozen=True)
class SourceInfo:
    path: Path
    width: int  # stored size (before applying a rotation tag)
    height: int
    fps: Fraction
    n_frames: int
    has_audio: bool | None  # None: unknown (OpenCV cannot tell)


@dataclass(frozen=True)
class CopyOutcome:
    n_frames: int
    width: int
    height: int
    audio_kept: bool
    rotation: int  # degrees counter-clockwise applied to the pixels


def pyav_usable() -> bool:
    """PyAV imports and has the encoders we need (wheels ship them; distro builds may not)."""
    try:
        import av
    except ImportError:
        return False
    return {"libx264", "aac"} <= set(av.codecs_available)


# ---------------------------------------------------------------- PyAV


def probe_pyav(path: Path) -> SourceInfo:
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise VideoError("has no video stream", path)
            vs = container.streams.video[0]
            rate = vs.average_rate or vs.guessed_rate or vs.base_rate
            if not rate or rate <= 0:
                raise VideoError("the video has no frame rate", path)
            n = int(vs.frames or 0)
            if n <= 0:  # Matroska/WebM headers carry no count: count packets (no decoding)
                n = sum(1 for p in container.demux(vs) if p.size)
            has_audio = any(s.codec_context is not None for s in container.streams.audio)
            return SourceInfo(path, vs.codec_context.width, vs.codec_context.height,
                              as_rate(Fraction(rate)), n, has_audio)
    except av.FFmpegError as exc:
        raise VideoError(f"not a readable video ({exc})", path) from exc


_TRANSPOSE = {90: "transpose=cclock", 180: "hflip,vflip", 270: "transpose=clock"}


def _rotation_of(frame: Any) -> int:
    """Counter-clockwise display rotation, snapped to a multiple of 90 (0 if none)."""
    try:
        angle = float(frame.rotation or 0)
    except (AttributeError, TypeError):
        return 0
    return int(round(angle / 90.0)) * 90 % 360


class _Rotator:
    """Applies a display rotation to YUV frames with FFmpeg's transpose filter (lossless)."""

    def __init__(self, template: Any, rotation: int) -> None:
        import av.filter

        self.graph = av.filter.Graph()
        src = self.graph.add_buffer(
            width=template.width, height=template.height, format=template.format.name,
            time_base=Fraction(1, 1000),
        )
        chain = [src]
        for spec in _TRANSPOSE[rotation].split(","):
            name, _, args = spec.partition("=")
            chain.append(self.graph.add(name, args or None))
        chain.append(self.graph.add("buffersink"))
        for a, b in zip(chain, chain[1:]):
            a.link_to(b)
        self.graph.configure()

    def __call__(self, frame: Any) -> Any:
        frame.pts = None
        self.graph.push(frame)
        return self.graph.pull()


def _next_slot(previous: int, elapsed: float | None, nominal: float) -> int:
    """Frame number of the next decoded frame, ``elapsed`` seconds after the first one: from its
    timestamp at the nominal rate (a variable-frame-rate file's dropped frames leave gaps), never
    the number of an earlier frame, and the next number when there is no timestamp. Both writers
    number frames this way, as the reader does."""
    if elapsed is None:
        return previous + 1
    return max(previous + 1, int(round(elapsed * nominal)))


def copy_frames_pyav(
    src: Path,
    dst: Path,
    plan: FramePlan,
    *,
    keep_audio: bool = True,
    crf: int = 18,
    preset: str = "veryfast",
    on_frame: Callable[[], None] | None = None,
) -> CopyOutcome:
    """Write the plan's frames of ``src`` (and the matching audio) to ``dst`` as MP4."""
    import av

    try:
        inp = av.open(str(src))
    except av.FFmpegError as exc:
        raise VideoError(f"not a readable video ({exc})", src) from exc
    try:
        out = av.open(str(dst), "w", format="mp4", options={"movflags": "+faststart"})
    except av.FFmpegError as exc:
        inp.close()
        raise OutputError(f"cannot write ({exc})", dst) from None
    try:
        with inp, out:
            return _copy(inp, out, src, plan, keep_audio, crf, preset, on_frame)
    except av.FFmpegError as exc:
        if isinstance(exc, OSError) and exc.filename == str(dst):  # the disk is full or gone, not the video bad
            raise OutputError(f"cannot write ({exc.strerror})", dst) from None
        raise VideoError(f"failed while copying frames to {dst.name} ({exc})", src) from exc


def _audio_trimmer(inp: Any, keep_audio: bool) -> tuple[Any, Any]:
    """The first audio stream with a sample rate and its :class:`AudioTrimmer`, or (None, None)."""
    from videosync.video.audio import AudioTrimmer

    if keep_audio:
        for a in inp.streams.audio:
            if a.codec_context is not None and a.codec_context.sample_rate:
                return a, AudioTrimmer(a)
    return None, None


@dataclass
class _VideoOut:
    """The output video stream of one copy, opened at the first frame it writes (whose size and
    rotation it takes, and where the audio cut starts), and the frames written so far."""

    out: Any
    plan: FramePlan
    crf: int
    preset: str
    trimmer: Any
    src_rate: float
    on_frame: Callable[[], None] | None
    stream: Any = None
    rotator: _Rotator | None = None
    rotation: int = 0
    width: int = 0
    height: int = 0
    written: int = 0

    def _open(self, frame: Any, index: int) -> None:
        plan = self.plan
        self.rotation = _rotation_of(frame)
        if self.rotation:
            self.rotator = _Rotator(frame, self.rotation)
        turned = self.rotation in (90, 270)
        self.width, self.height = (frame.height, frame.width) if turned else (frame.width, frame.height)
        ov = self.stream = self.out.add_stream("libx264", rate=plan.fps_out)
        ov.width, ov.height = self.width, self.height
        ov.codec_context.time_base = 1 / plan.fps_out
        # 4:2:0 needs even sizes; odd ones (rare, cropped exports) keep full chroma instead
        ov.pix_fmt = "yuv420p" if self.width % 2 == 0 and self.height % 2 == 0 else "yuv444p"
        ov.options = {"crf": str(self.crf), "preset": self.preset}
        for attr in ("color_range", "colorspace", "color_primaries", "color_trc"):
            try:
                setattr(ov.codec_context, attr, getattr(frame, attr))
            except (AttributeError, TypeError, ValueError):
                pass
        if self.trimmer is not None:
            t0 = frame.time if frame.time is not None else index / self.src_rate
            t0 += plan.lead_frames / self.src_rate
            n_samples = round(plan.n_frames * self.trimmer.rate / plan.fps_out)
            self.trimmer.start(self.out, t0, n_samples)

    def emit(self, frame: Any, index: int) -> None:
        """Write ``frame`` (source frame ``index``) as the next output frame."""
        if self.stream is None:
            self._open(frame, index)
        picture = self.rotator(frame) if self.rotator is not None else frame
        if picture.format.name != self.stream.pix_fmt:
            picture = picture.reformat(format=self.stream.pix_fmt)
        picture.pts = self.written
        picture.time_base = 1 / self.plan.fps_out
        for packet in self.stream.encode(picture):
            self.out.mux(packet)
        self.written += 1
        if self.on_frame is not None:
            self.on_frame()

    def flush(self) -> None:
        for packet in self.stream.encode(None):
            self.out.mux(packet)


def _copy(inp, out, src, plan, keep_audio, crf, preset, on_frame) -> CopyOutcome:
    from videosync.video.probe import stream_timing

    vs = inp.streams.video[0]
    vs.thread_type = "AUTO"
    audio, trimmer = _audio_trimmer(inp, keep_audio)
    timing = stream_timing(src)
    nominal = timing[0] if timing else Fraction(vs.average_rate or plan.fps_out)
    video = _VideoOut(out, plan, crf, preset, trimmer, float(nominal), on_frame)
    tb, t0 = vs.time_base, vs.start_time  # pts of frame 0 (None: the first frame's)
    index = -1  # source frame number of the last decoded frame
    last_time: float | None = None
    for packet in inp.demux([vs] if audio is None else [vs, audio]):
        if packet.stream.type == "video":
            if video.written >= plan.n_frames:
                if trimmer is None or trimmer.done:
                    break
                continue
            for frame in packet.decode():
                if frame.pts is not None and tb is not None and t0 is None:
                    t0 = frame.pts
                elapsed = None if frame.pts is None or tb is None else float((frame.pts - t0) * tb)
                index = _next_slot(index, elapsed, nominal)
                if frame.time is not None:
                    last_time = frame.time
                # "<=": slots of frames the recorder dropped get the next frame that exists
                while video.written < plan.n_frames and plan.source_frame(video.written) <= index:
                    video.emit(frame, index)
        elif trimmer is not None and not trimmer.done:
            for frame in packet.decode():
                trimmer.push(frame, discard_before=last_time if video.stream is None else None)
    if video.stream is None:
        raise VideoError(f"ended after {index + 1} frames, before frame {plan.first_frame} where the copy starts", src)
    video.flush()
    audio_kept = False
    if trimmer is not None:
        trimmer.finish()
        audio_kept = trimmer.samples_written > 0
    return CopyOutcome(video.written, video.width, video.height, audio_kept, video.rotation)


# ---------------------------------------------------------------- OpenCV fallback


def probe_opencv(path: Path) -> SourceInfo:
    from videosync.video.probe import probe_video

    info = probe_video(path)
    return SourceInfo(path, info.width, info.height, as_rate(info.fps), info.n_frames, None)


def copy_frames_opencv(
    src: Path, dst: Path, plan: FramePlan, *, on_frame: Callable[[], None] | None = None
) -> CopyOutcome:
    """The same frames through ``cv2.VideoWriter`` (mp4v): no audio, lower quality.

    OpenCV applies the rotation tag when decoding, so frames come upright already. Frames are
    numbered as the PyAV path and the reader number them: from their timestamps at the nominal
    rate, so a variable-frame-rate file's dropped frames are gaps (their slots get the next
    frame that exists), not a shift of every later frame.
    """
    import cv2

    from videosync.video.probe import stream_timing

    cap = cv2.VideoCapture(str(src))
    if not cap.isOpened():
        raise VideoError("not a readable video", src)
    timing = stream_timing(src)
    nominal = float(timing[0]) if timing else float(cap.get(cv2.CAP_PROP_FPS) or plan.fps_out)
    writer = None
    written, index, frame = 0, -1, None
    t0: float | None = None
    try:
        while written < plan.n_frames and cap.grab():
            msec = cap.get(cv2.CAP_PROP_POS_MSEC)
            if msec is not None and msec >= 0 and t0 is None:
                t0 = msec
            elapsed = (msec - t0) / 1000.0 if msec is not None and msec >= 0 else None
            index = _next_slot(index, elapsed, nominal)
            if plan.source_frame(written) > index:
                continue  # before the copy's next frame: not decoded into pixels
            ok, frame = cap.retrieve()
            if not ok:
                raise VideoError(f"frame {index} cannot be decoded", src)
            if writer is None:
                h, w = frame.shape[:2]
                writer = cv2.VideoWriter(str(dst), cv2.VideoWriter_fourcc(*"mp4v"),
                                         float(plan.fps_out), (w, h))
                if not writer.isOpened():
                    raise VideoError("OpenCV cannot write this file", dst)
            while written < plan.n_frames and plan.source_frame(written) <= index:
                writer.write(frame)
                written += 1
                if on_frame is not None:
                    on_frame()
        if written < plan.n_frames:
            raise VideoError(
                f"ended after {index + 1} frames, the copy needs frame {plan.source_frame(written)}", src)
    finally:
        cap.release()
        if writer is not None:
            writer.release()
    h, w = frame.shape[:2] if frame is not None else (0, 0)
    return CopyOutcome(written, w, h, False, 0)


"""Which witness answers in ``align``: the poses, the sound, or both (issue 21, docs/design/audio.md).

``align``'s default method, ``auto``, is ``fused`` (:mod:`videosync.sync.methods.fused`: the sound
bounds the pose search) when every input has a sound track, and otherwise the pose method
``sesyn`` built exactly as before, so inputs without sound get the same answers at the same
speed. ``--method`` names one to force it (``sesyn``: the poses alone; ``audio``: the sound alone).

Fused answers are judged like the pose method's (its calibrator: they are its answers, searched
where the sound says); an answer from the sound alone keeps the sound's own confidence, since no
calibrator was fitted for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from videosync.poses import PoseTrack
from videosync.sync.bounds import OffsetBounds
from videosync.sync.methods.base import SyncMethod

#: The name that lets ``align`` choose (:data:`videosync.registry.METHODS`' default).
AUTO = "auto"
#: What ``auto`` picks: with sound on every input, and without.
WITH_SOUND, WITHOUT_SOUND = "fused", "sesyn"


@lru_cache(maxsize=256)
def _has_audio_stream(path: str, size: int, mtime: int) -> bool:
    import av

    try:
        with av.open(path) as container:
            return len(container.streams.audio) > 0
    except (av.FFmpegError, OSError):
        return False


def has_sound(track: PoseTrack) -> bool:
    """Whether the media behind ``track`` (its video, or the video beside its pose files) has an
    audio stream. Only the container is opened: nothing is decoded."""
    from videosync.sync.methods.audio import media_path

    path = media_path(track)
    return path is not None and media_has_sound(path)


def media_has_sound(path: str | Path) -> bool:
    """Whether the media file at ``path`` has an audio stream (the container only is opened);
    False for what is not a readable file (a pose folder, a missing path: its loader says why)."""
    try:
        st = Path(path).stat()
    except OSError:
        return False
    return _has_audio_stream(str(Path(path).resolve()), st.st_size, st.st_mtime_ns)


def poses_alone(method: str | None, videos: Sequence[Any]) -> bool:
    """Whether ``method`` on ``videos`` (paths) is the pose method alone: named so, or ``auto``
    where some video has no sound (what :func:`choose_method` would pick)."""
    if method in (None, AUTO):
        method = auto_method(media_has_sound(v) for v in videos)
    return method == WITHOUT_SOUND


def auto_method(sounds: Iterable[bool]) -> str:
    """What ``auto`` means for inputs that have sound or not (one bool per input)."""
    return WITH_SOUND if all(sounds) else WITHOUT_SOUND


def sound_track(video: str | Path) -> PoseTrack:
    """A track of ``video``'s frame clock without poses (``meta["sound_only"]``): what the sound
    alone needs (frame rate, frame count, the file), without running pose estimation."""
    import numpy as np

    from videosync.poses.track import NUM_JOINTS
    from videosync.video.probe import probe_video

    info = probe_video(video)
    n = max(int(info.n_frames or 0), 1)
    return PoseTrack(np.zeros((n, NUM_JOINTS, 3), np.float32), fps=info.fps, width=info.width, height=info.height,
                     frame_index=np.arange(n), source=str(video), meta={"sound_only": True})


def load_tracks(load_all: Callable[[], list[PoseTrack]], inputs: Sequence[Any], method: str | None,
                say: Callable[[str], None] = lambda _m: None) -> list[PoseTrack]:
    """The inputs' tracks as ``align`` reads them (``load_all``), except: for the sound alone
    (``audio``) videos are not put through pose estimation; and when pose estimation finds
    nobody (``auto`` or ``fused``) and every input is a video with sound, the sound alone answers."""
    from videosync.errors import NoPersonError
    from videosync.video.probe import is_video_path

    videos = all(not isinstance(i, PoseTrack) and is_video_path(i) for i in inputs)
    if method == "audio" and videos:
        return [sound_track(i) for i in inputs]
    try:
        return load_all()
    except NoPersonError as exc:
        tracks = [sound_track(i) for i in inputs] if videos and method in (None, AUTO, WITH_SOUND) else []
        if not tracks or not all(has_sound(t) for t in tracks):
            raise
        say(f"{exc}: synchronizing on the sound alone")
        return tracks


def choose_method(name: str | None, tracks: Sequence[PoseTrack], *, model: Any = None, refine: bool = True,
                  say: Callable[[str], None] = lambda _m: None) -> tuple[str, SyncMethod]:
    """``(the method's name, the method)`` for ``name``; ``auto`` (or None) resolved from ``tracks``."""
    from videosync.sync.methods import make_method

    if name in (None, AUTO):
        name = auto_method(has_sound(t) for t in tracks)
        if name == WITH_SOUND:
            say("every input has sound: the sound bounds the pose search (--method sesyn: poses alone)")
    return name, make_method(name, model=model, refine=refine)


def calibrated_as(method: SyncMethod) -> str:
    """The name whose calibrator judges ``method``'s answers: fused answers are the pose method's."""
    from videosync.sync.methods.fused import FusedMethod

    return method.pose.name if isinstance(method, FusedMethod) else method.name


def judge_sound_alone(judge: Callable[[Any, int, int], Any], method: SyncMethod, tracks: Sequence[PoseTrack],
                      bounds: OffsetBounds) -> Callable[[Any, int, int], Any]:
    """``judge``, except that a fused answer from the sound alone keeps the sound's own
    confidence (the pose calibrator knows nothing of sound evidence)."""
    from videosync.sync.methods.fused import FusedMethod
    from videosync.trust.assess import assess

    if not isinstance(method, FusedMethod):
        return judge

    def either(est: Any, a: int, b: int) -> Any:
        if (est.diagnostics or {}).get("fusion", {}).get("source") == "sound alone":
            return assess(est, tracks[a], tracks[b], bounds, None)
        return judge(est, a, b)

    return either


def audio_reference_options(options: dict[str, Any], audio_reference: bool) -> dict[str, Any]:
    """``align``'s options for ``trim``: with ``audio_reference`` the sound alone decides (method
    ``audio``), for editors who keep lip sync; another method named with it is an error."""
    from videosync.errors import VideosyncError

    if not audio_reference:
        return options
    if options.get("method") not in (None, AUTO, "audio"):
        raise VideosyncError(f"--audio-reference cuts on the sound's offsets: it cannot be combined with "
                             f"--method {options['method']}")
    return {**options, "method": "audio"}


__all__ = ["AUTO", "audio_reference_options", "auto_method", "calibrated_as", "choose_method", "has_sound", "judge_sound_alone",
           "load_tracks", "media_has_sound", "poses_alone", "sound_track"]

"""The audio method: the offset between two recordings from what their microphones heard.

Same interface and outputs as the pose methods (a :class:`PairEstimate` in frames and seconds,
a confidence, candidates, notes), so ``align``, the N-camera solve and the report treat it like
any other. The work is in :mod:`videosync.audio`; this module only finds each input's media file
and turns an offset between sound clocks into one between frame numbers.

How a method that is handed pose tracks reaches the sound: the track already says where it came
from. A track estimated from a video has ``source`` = the video; a track read from an OpenPose
folder has ``meta["video"]`` = the video of the same name beside it, when there is one
(:func:`videosync.poses.openpose.find_video`). :func:`media_path` reads those two, nothing else,
so no track type changes; a pose file with no video found has no sound (:class:`NoAudioError`).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from videosync.audio import (
    ANALYSIS_RATE,
    AudioClip,
    AudioOffset,
    NoAudioError,
    estimate_offset,
    read_audio,
    waveform_support,
)
from videosync.poses import PoseTrack
from videosync.sync.bounds import UNBOUNDED, OffsetBounds, beyond_note
from videosync.sync.methods.base import PairEstimate, SyncMethod


def media_path(track: PoseTrack) -> Path | None:
    """The video (or sound file) ``track`` was made from, if it is known and exists."""
    from videosync.video.probe import is_video_path

    for candidate in (track.meta.get("video"), track.source):
        if candidate and is_video_path(candidate) and Path(candidate).is_file():
            return Path(candidate)
    return None


def frames_offset(offset_seconds: float, clip_a: AudioClip, clip_b: AudioClip, fps_b: float) -> float:
    """The offset in frame numbers (frame ``i`` of A = frame ``rate * i + k`` of B) that a clock
    offset ``d`` (A's clock stamps ``t``, B's ``t + d``) means, given where each video's frame 0
    lies on its clock: ``k = fps_b * (d + video_start_a - video_start_b)``."""
    start_a = clip_a.video_start_seconds or 0.0
    start_b = clip_b.video_start_seconds or 0.0
    return fps_b * (offset_seconds + start_a - start_b)


def clock_offset(offset_frames: float, clip_a: AudioClip, clip_b: AudioClip, fps_b: float) -> float:
    """The clock offset (seconds) that the frame offset ``offset_frames`` means: the inverse
    of :func:`frames_offset`."""
    return offset_frames / fps_b - (clip_a.video_start_seconds or 0.0) + (clip_b.video_start_seconds or 0.0)


class AudioMethod(SyncMethod):
    """Onset envelopes + GCC-PHAT on the inputs' sound tracks (:mod:`videosync.audio`).

    Args:
        rate: the analysis rate every track is resampled to.
    """

    name = "audio"

    def __init__(self, *, rate: int = ANALYSIS_RATE) -> None:
        self.rate = int(rate)
        self._clips: dict[tuple[str, int, int], AudioClip] = {}  # decoded once per file

    def clip(self, track: PoseTrack, label: str = "input") -> AudioClip:
        """The sound of the media behind ``track``; :class:`NoAudioError` if none is known."""
        path = media_path(track)
        if path is None:
            raise NoAudioError("no sound: the poses come without a video to read it from",
                               track.source or label)
        st = path.stat()
        key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
        if key not in self._clips:
            self._clips[key] = read_audio(path, self.rate)
        return self._clips[key]

    def estimate(
        self, track_a: PoseTrack, track_b: PoseTrack, *, bounds: OffsetBounds = UNBOUNDED
    ) -> PairEstimate:
        clip_a, clip_b = self.clip(track_a, "input A"), self.clip(track_b, "input B")
        window = None
        if bounds.bounded:
            shift = frames_offset(0.0, clip_a, clip_b, track_b.fps) / track_b.fps
            window = (-float(bounds.max_frames) / track_b.fps - shift, float(bounds.max_frames) / track_b.fps - shift)
        est = self.pair_estimate(estimate_offset(clip_a, clip_b, window), clip_a, clip_b, track_a.fps, track_b.fps)
        return _inside(est, bounds)

    def support(self, track_a: PoseTrack, track_b: PoseTrack, offsets_frames: list[float],
                reach_frames: float) -> list[float]:
        """How strongly the two sound tracks' waveforms agree within ``reach_frames`` of each
        offset (frames of B), in robust standard deviations
        (:func:`videosync.audio.waveform_support`); :class:`NoAudioError` without sound."""
        clip_a, clip_b = self.clip(track_a, "input A"), self.clip(track_b, "input B")
        seconds = [clock_offset(k, clip_a, clip_b, track_b.fps) for k in offsets_frames]
        return waveform_support(clip_a, clip_b, seconds, reach_frames / track_b.fps)

    def pair_estimate(self, found: AudioOffset, clip_a: AudioClip, clip_b: AudioClip,
                      fps_a: float, fps_b: float) -> PairEstimate:
        """``found`` (in seconds of sound clock) as the :class:`PairEstimate` of frame numbers."""
        k = frames_offset(found.offset_seconds, clip_a, clip_b, fps_b)
        return PairEstimate(
            method=self.name,
            offset_frames=k,
            offset_seconds=k / fps_b,
            rate=fps_b / fps_a,
            confidence=found.confidence,
            fps_a=fps_a,
            fps_b=fps_b,
            diagnostics={
                "audio": found.evidence,
                "uncertainty_frames": found.uncertainty_seconds * fps_b,
                "candidates_frames": [(frames_offset(d, clip_a, clip_b, fps_b), share)
                                      for d, share in found.candidates],
                "sound_offset_seconds": found.offset_seconds,
                "pair": f"{clip_a.source} <-> {clip_b.source}",
            },
            notes=list(found.notes),
        )


def _inside(est: PairEstimate, bounds: OffsetBounds) -> PairEstimate:
    """``est`` held inside ``bounds`` (the sound's search reaches a step beyond them); with
    confidence 0 and a note when its answer lay clearly outside."""
    if bounds.contains(est.offset_frames):
        return est
    k = bounds.clip(est.offset_frames)
    if not bounds.beyond(est.offset_frames):
        return dataclasses.replace(est, offset_frames=k, offset_seconds=k / est.fps_b)
    return dataclasses.replace(est, offset_frames=k, offset_seconds=k / est.fps_b, confidence=0.0,
                               notes=[*est.notes, beyond_note(bounds, est.offset_frames)])


__all__ = ["AudioMethod", "clock_offset", "frames_offset", "media_path"]

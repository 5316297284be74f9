"""Sound and pose together: the sound names the neighbourhood, the pose gives the visual offset.

Why both: sound sync is fast and knows which repetition of a repeated motion is which, but a
camera's sound may lead or lag its own picture (:data:`AV_SKEW_SECONDS`) and sound needs time
to reach a far camera (:data:`SOUND_TRAVEL_METRES`); pose sync sees the picture itself, to the
frame, but a step or a wave later looks the same. So, per pair:

1. No sound to read (a pose file, a mute video): the pose method alone, exactly as without
   this class (same call, same answer).
2. The sound refuses or is unsure: the pose method alone, with a note saying why sound did not help.
3. Otherwise the pose method searches only offsets within :func:`expected_disagreement` of the
   sound's answer (other repetitions are outside it). Its answer, when trusted and not at the
   edge of that window, is the fused answer.
4. If it is not, the pose method searches everywhere; a trusted answer there is given with a
   note that sound and picture disagree by more than skew and travel explain.
5. With no trusted pose answer (no person, too little motion): the sound's answer, saying so.

The report keeps all three (``diagnostics["fusion"]``): sound, pose, fused.
"""

from __future__ import annotations

from dataclasses import replace

from videosync.audio import NoAudioError
from videosync.errors import CannotSynchronizeError
from videosync.poses import PoseTrack
from videosync.sync.bounds import UNBOUNDED, OffsetBounds
from videosync.sync.methods.audio import AudioMethod
from videosync.sync.methods.base import PairEstimate, SyncMethod
from videosync.tunables import UNCALIBRATED_MIN_CONFIDENCE

#: How far (seconds) one consumer camera's sound may lead or lag its own picture. ITU-R BT.1359
#: puts the threshold of detectability at 45 ms of sound leading (125 ms lagging); recorders
#: that mux their own microphone stay well inside it.
AV_SKEW_SECONDS = 0.045
#: Largest difference of distance (metres) from the sound to two cameras that fusion expects:
#: a room or a small sports hall. Farther apart, the picture's offset wins with a note.
SOUND_TRAVEL_METRES = 10.0
#: Speed of sound in air at 20 degrees C (m/s).
SPEED_OF_SOUND = 343.0


def expected_disagreement() -> float:
    """Seconds by which the sound's offset and the picture's may differ for honest reasons: both
    cameras' skew (either sign) and the sound's travel across :data:`SOUND_TRAVEL_METRES`."""
    return 2 * AV_SKEW_SECONDS + SOUND_TRAVEL_METRES / SPEED_OF_SOUND


def _explained() -> str:
    return (f"{expected_disagreement() * 1000:.0f} ms expected from the cameras' audio-video skew "
            f"(up to {AV_SKEW_SECONDS * 1000:.0f} ms each) and sound travel (up to "
            f"{SOUND_TRAVEL_METRES:g} m, {SOUND_TRAVEL_METRES / SPEED_OF_SOUND * 1000:.0f} ms)")


class FusedMethod(SyncMethod):
    """The sound bounds the pose search; see the module docstring.

    Args:
        pose: the pose method (default: whatever the caller built, e.g. sesyn + geometry).
        audio: the audio method (default a new :class:`AudioMethod`).
        min_confidence: below it an answer is "not trusted" for the steps above.
    """

    name = "fused"

    def __init__(self, pose: SyncMethod, audio: AudioMethod | None = None,
                 min_confidence: float = UNCALIBRATED_MIN_CONFIDENCE) -> None:
        self.pose = pose
        self.audio = audio or AudioMethod()
        self.min_confidence = float(min_confidence)

    def estimate(
        self, track_a: PoseTrack, track_b: PoseTrack, *, bounds: OffsetBounds = UNBOUNDED
    ) -> PairEstimate:
        try:
            sound = self.audio.estimate(track_a, track_b, bounds=bounds)
        except NoAudioError:
            return self.pose.estimate(track_a, track_b, bounds=bounds)
        except CannotSynchronizeError as exc:
            return self._pose_alone(track_a, track_b, bounds, str(exc).split("cannot synchronize: ")[-1])
        if sound.confidence < self.min_confidence:
            why = sound.notes[0] if sound.notes else f"confidence {sound.confidence:.2f}"
            return self._pose_alone(track_a, track_b, bounds, why)
        width = expected_disagreement() * track_b.fps
        near = self._trusted(lambda: bounded_estimate(self.pose, track_a, track_b, sound.offset_frames, width))
        if near is not None and abs(near.offset_frames - sound.offset_frames) < width - 1.0:
            return _fused(near, sound, "pose within the sound's bounds", [])
        anywhere = self._trusted(lambda: self.pose.estimate(track_a, track_b, bounds=bounds))
        if anywhere is not None:
            gap = (anywhere.offset_frames - sound.offset_frames) / track_b.fps
            note = (f"sound and picture disagree: the sound says {sound.offset_frames:+.1f} frames, the "
                    f"poses {anywhere.offset_frames:+.1f} ({gap * 1000:+.0f} ms), more than the "
                    f"{_explained()}; the poses' offset is given (cameras far apart, or a device "
                    "whose sound is out of step with its picture?)")
            return _fused(anywhere, sound, "pose alone (outside the sound's bounds)", [note])
        note = (f"from the sound alone: the poses could not confirm it; the visual offset may differ by "
                f"up to the {_explained()}")
        return _fused(sound, sound, "sound alone", [note])

    def _pose_alone(self, track_a: PoseTrack, track_b: PoseTrack, bounds: OffsetBounds,
                    why: str) -> PairEstimate:
        est = self.pose.estimate(track_a, track_b, bounds=bounds)
        est.notes = [*est.notes, f"sound not used ({why})"]
        est.diagnostics = {**est.diagnostics, "fusion": {"source": "pose alone", "sound_refused": why}}
        return est

    def _trusted(self, run) -> PairEstimate | None:
        try:
            est = run()
        except CannotSynchronizeError:
            return None
        return est if est.confidence >= self.min_confidence else None


def bounded_estimate(pose: SyncMethod, track_a: PoseTrack, track_b: PoseTrack, centre: float,
                     width: float) -> PairEstimate:
    """``pose``'s estimate searching only offsets within ``width`` frames of ``centre``.

    The pose methods search inside their bounds around 0; renumbering B's frames by the whole
    frames of ``centre`` moves that window onto it, and the answer is moved back.
    """
    shift = int(round(centre))
    moved = track_b.with_keypoints(track_b.keypoints, track_b.frame_index - shift)
    est = pose.estimate(track_a, moved, bounds=OffsetBounds(width))
    est.offset_frames += shift
    est.offset_seconds = est.offset_frames / track_b.fps
    return est


def _fused(chosen: PairEstimate, sound: PairEstimate, source: str, notes: list[str]) -> PairEstimate:
    """``chosen`` named ``fused``, with the sound's and the chosen answer in its diagnostics."""
    fusion = {"source": source, "sound_frames": sound.offset_frames, "sound_confidence": sound.confidence,
              "pose_frames": None if chosen is sound else chosen.offset_frames,
              "pose_confidence": None if chosen is sound else chosen.confidence,
              "fused_frames": chosen.offset_frames, "expected_disagreement_seconds": expected_disagreement()}
    return replace(chosen, method="fused", notes=[*chosen.notes, *notes],
                   diagnostics={**chosen.diagnostics, "fusion": fusion})

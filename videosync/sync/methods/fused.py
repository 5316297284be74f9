"""Sound and pose together: the sound names the neighbourhood, the pose gives the visual offset.

Why both: sound sync is fast and knows which repetition of a repeated motion is which, but a
camera's sound may lead or lag its own picture (:data:`AV_SKEW_SECONDS`) and sound needs time
to reach a far camera (:data:`SOUND_TRAVEL_METRES`); pose sync sees the picture itself, to the
frame, but a step or a wave later looks the same. So, per pair:

1. No sound to read (a pose file, a mute video): the pose method alone, exactly as without
   this class (same call, same answer).
2. The sound refuses or is unsure: the pose method alone, with a note saying why sound did not help;
   except where the poses alone are not trusted and fit several offsets a repetition apart (a
   step, a wave): if the waveforms agree strongly near exactly one of them
   (:data:`FUSION_SOUND_SUPPORT_Z`), the pose method searches around that one (step 3's window).
   The sound need not be sure of its offset among all lags, only of which repetition it hears.
3. Otherwise the pose method searches only offsets within :func:`expected_disagreement` of the
   sound's answer (other repetitions are outside it). Its answer, when trusted and not at the
   edge of that window, is the fused answer.
4. If it is not, the pose method searches everywhere; a trusted answer there is given with a
   note that sound and picture disagree by more than skew and travel explain.
5. With no trusted pose answer (no person, too little motion): the sound's answer, saying so.
   Nobody in view at all (tracks of the frame clock only, ``meta["sound_only"]``): the sound's
   answer whatever its confidence, before step 2, since there are no poses to fall back on;
   ``align`` judges it by the sound's own score.

The report keeps all three (``diagnostics["fusion"]``): sound, pose, fused.
"""

from __future__ import annotations

from dataclasses import replace

from videosync.audio import NoAudioError
from videosync.errors import CannotSynchronizeError
from videosync.poses import PoseTrack
from videosync.sync.bounds import UNBOUNDED, OffsetBounds
from videosync.sync.methods.audio import AudioMethod, media_path
from videosync.sync.methods.base import PairEstimate, SyncMethod, renumbered_estimate
from videosync.tunables import (
    AV_SKEW_SECONDS,
    EXPECTED_DISAGREEMENT_SECONDS,
    FUSION_MIN_SOUND_CONFIDENCE,
    FUSION_SOUND_SUPPORT_Z,
    SOUND_TRAVEL_METRES,
    SPEED_OF_SOUND,
    UNCALIBRATED_MIN_CONFIDENCE,
)


def expected_disagreement() -> float:
    """Seconds by which the sound's offset and the picture's may differ for honest reasons
    (:data:`videosync.tunables.EXPECTED_DISAGREEMENT_SECONDS`)."""
    return EXPECTED_DISAGREEMENT_SECONDS


def allowance_text() -> str:
    """The allowance in words, as every note about it says it."""
    return (f"{expected_disagreement() * 1000:.0f} ms expected from the cameras' audio-video skew "
            f"(up to {AV_SKEW_SECONDS * 1000:.0f} ms each) and sound travel (up to "
            f"{SOUND_TRAVEL_METRES:g} m, {SOUND_TRAVEL_METRES / SPEED_OF_SOUND * 1000:.0f} ms)")


class FusedMethod(SyncMethod):
    """The sound bounds the pose search; see the module docstring.

    Args:
        pose: the pose method (default: whatever the caller built, e.g. sesyn + geometry).
        audio: the audio method (default a new :class:`AudioMethod`).
        min_confidence: below it a pose answer is "not trusted" for the steps above.
        min_sound_confidence: below it the sound's answer is not trusted to bound the search.
        min_sound_support: the waveform agreement at which the sound picks a repetition.
    """

    name = "fused"

    def __init__(self, pose: SyncMethod, audio: AudioMethod | None = None,
                 min_confidence: float = UNCALIBRATED_MIN_CONFIDENCE,
                 min_sound_confidence: float = FUSION_MIN_SOUND_CONFIDENCE,
                 min_sound_support: float = FUSION_SOUND_SUPPORT_Z) -> None:
        self.pose = pose
        self.audio = audio or AudioMethod()
        self.min_confidence = float(min_confidence)
        self.min_sound_confidence = float(min_sound_confidence)
        self.min_sound_support = float(min_sound_support)
        self._sound: dict[tuple, PairEstimate | CannotSynchronizeError] = {}  # align asks a pair more than once

    def estimate(
        self, track_a: PoseTrack, track_b: PoseTrack, *, bounds: OffsetBounds = UNBOUNDED
    ) -> PairEstimate:
        try:
            sound = self.sound(track_a, track_b, bounds)
        except NoAudioError:
            return self.pose.estimate(track_a, track_b, bounds=bounds)
        except CannotSynchronizeError as exc:
            return self._pose_alone(track_a, track_b, bounds, str(exc).split("cannot synchronize: ")[-1], None)
        if any(t.meta.get("sound_only") for t in (track_a, track_b)):  # no poses: align judges the sound
            note = (f"nobody in view: from the sound alone; the visual offset may differ by up to the "
                    f"{allowance_text()}")
            return _fused(sound, sound, "sound alone", [note])
        if sound.confidence < self.min_sound_confidence:
            why = sound.notes[0] if sound.notes else f"confidence {sound.confidence:.2f}"
            alone = self.pose.estimate(track_a, track_b, bounds=bounds)
            if alone.confidence < self.min_confidence:
                picked = self._repetition_by_ear(track_a, track_b, bounds, alone, sound)
                if picked is not None:
                    return picked
            return self._pose_alone(track_a, track_b, bounds, why, sound, alone)
        width = expected_disagreement() * track_b.fps
        near = self._trusted(lambda: bounded_estimate(self.pose, track_a, track_b, sound.offset_frames, width))
        if near is not None and abs(near.offset_frames - sound.offset_frames) < width - 1.0:
            return _fused(near, sound, "pose within the sound's bounds", [])
        anywhere = self._trusted(lambda: self.pose.estimate(track_a, track_b, bounds=bounds))
        if anywhere is not None:
            gap = (anywhere.offset_frames - sound.offset_frames) / track_b.fps
            note = (f"sound and picture disagree: the sound says {sound.offset_frames:+.1f} frames, the "
                    f"poses {anywhere.offset_frames:+.1f} ({gap * 1000:+.0f} ms), more than the "
                    f"{allowance_text()}; the poses' offset is given (cameras far apart, or a device "
                    "whose sound is out of step with its picture?)")
            return _fused(anywhere, sound, "pose alone (outside the sound's bounds)", [note])
        note = (f"from the sound alone: the poses could not confirm it; the visual offset may differ by "
                f"up to the {allowance_text()}")
        return _fused(sound, sound, "sound alone", [note])

    def sound(self, track_a: PoseTrack, track_b: PoseTrack, bounds: OffsetBounds) -> PairEstimate:
        """The audio method's estimate for the pair, made once per pair of media files."""
        key = (media_path(track_a), media_path(track_b), track_a.fps, track_b.fps, bounds.max_frames)
        if key not in self._sound:
            try:
                self._sound[key] = self.audio.estimate(track_a, track_b, bounds=bounds)
            except CannotSynchronizeError as exc:
                self._sound[key] = exc
        found = self._sound[key]
        if isinstance(found, CannotSynchronizeError):
            raise found
        return replace(found, notes=list(found.notes), diagnostics=dict(found.diagnostics))

    def _repetition_by_ear(self, track_a: PoseTrack, track_b: PoseTrack, bounds: OffsetBounds,
                           alone: PairEstimate, sound: PairEstimate) -> PairEstimate | None:
        """The poses' answer near the one candidate of ``alone`` (its offset and its rivals a
        repetition away) that the waveforms support (:data:`FUSION_SOUND_SUPPORT_Z`); None
        when there is no rival, none or several are supported, or the poses do not confirm it."""
        from videosync.trust.assess import rival_offsets

        candidates = [float(alone.offset_frames), *(k for k, _ in rival_offsets(alone, bounds))]
        if len(candidates) < 2:
            return None
        width = expected_disagreement() * track_b.fps
        support = self.audio.support(track_a, track_b, candidates, width)
        heard = [k for k, z in zip(candidates, support) if z >= self.min_sound_support]
        if len(heard) != 1:
            return None
        near = self._trusted(lambda: bounded_estimate(self.pose, track_a, track_b, heard[0], width))
        if near is None or abs(near.offset_frames - heard[0]) >= width - 1.0:
            return None
        listed = ", ".join(f"{k:+.0f} ({z:.0f})" for k, z in zip(candidates, support))
        note = (f"repeated motion told apart by the sound: the poses fit offsets a repetition apart, "
                f"and the sound tracks' waveforms agree (robust standard deviations, "
                f"{self.min_sound_support:g} needed) near one only: {listed} frames")
        fused = _fused(near, sound, "pose candidate the sound supports", [note])
        fused.diagnostics["fusion"]["sound_support"] = [list(c) for c in zip(candidates, support)]
        return fused

    def _pose_alone(self, track_a: PoseTrack, track_b: PoseTrack, bounds: OffsetBounds, why: str,
                    sound: PairEstimate | None, est: PairEstimate | None = None) -> PairEstimate:
        est = est if est is not None else self.pose.estimate(track_a, track_b, bounds=bounds)
        est.notes = [*est.notes, f"sound not used ({why})"]
        fusion = {"source": "pose alone (sound not used)", "sound_refused": why,
                  "sound_frames": None if sound is None else sound.offset_frames,
                  "sound_confidence": None if sound is None else sound.confidence,
                  "pose_frames": est.offset_frames, "pose_confidence": est.confidence,
                  "fused_frames": est.offset_frames, "expected_disagreement_seconds": expected_disagreement()}
        est.diagnostics = {**est.diagnostics, "fusion": fusion}
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
    frames of ``centre`` moves that window onto it, and the answer, with every offset its
    evidence holds, is moved back (:func:`moved`).
    """
    shift = int(round(centre))
    renumbered = track_b.with_keypoints(track_b.keypoints, track_b.frame_index - shift)
    return moved(pose.estimate(track_a, renumbered, bounds=OffsetBounds(width)), shift)


def moved(est: PairEstimate, shift: int) -> PairEstimate:
    """``est`` of a B renumbered by ``-shift`` frames, as the estimate of B itself: every offset
    (frames of B) ``+ shift``; the reverse search's (frames of A) ``- shift / rate``; matched frame
    numbers of B ``+ shift`` (:func:`~videosync.sync.methods.base.renumbered_estimate`). What the
    evidence reads (the trust module's features, the plot) then refers to B's own frame numbers."""
    return renumbered_estimate(est, shift=shift)


def _fused(chosen: PairEstimate, sound: PairEstimate, source: str, notes: list[str]) -> PairEstimate:
    """``chosen`` named ``fused``, with the sound's and the chosen answer in its diagnostics."""
    fusion = {"source": source, "sound_frames": sound.offset_frames, "sound_confidence": sound.confidence,
              "pose_frames": None if chosen is sound else chosen.offset_frames,
              "pose_confidence": None if chosen is sound else chosen.confidence,
              "fused_frames": chosen.offset_frames, "expected_disagreement_seconds": expected_disagreement()}
    return replace(chosen, method="fused", notes=[*chosen.notes, *notes],
                   diagnostics={**chosen.diagnostics, "fusion": fusion})

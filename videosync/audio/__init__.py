"""Sound as a second witness: the offset between two recordings from what their microphones heard.

``read_audio`` (decode, mono, one rate) -> ``onset_envelope`` (where sounds begin) ->
``estimate_offset`` (envelope correlation over every lag, GCC-PHAT on the waveform near the best,
confidence, candidates, refusals). :mod:`videosync.sync.methods.audio` puts it behind the same
interface as the pose methods.
"""

from videosync.audio.decode import ANALYSIS_RATE, AudioClip, NoAudioError, read_audio
from videosync.audio.offset import AudioOffset, estimate_offset, waveform_support

__all__ = ["ANALYSIS_RATE", "AudioClip", "AudioOffset", "NoAudioError", "estimate_offset", "read_audio",
           "waveform_support"]

"""Real recordings nobody here made (tests/data/audio), cut at sample-exact offsets, written with
other codecs and rates, heard through another room: every answer within 1 ms of the truth, or a
refusal that says why."""

from __future__ import annotations

import numpy as np
import pytest

from videosync.audio import NoAudioError, estimate_offset, read_audio
from videosync.errors import CannotSynchronizeError

from tests.audio.media import MONKEYS, MUSIC, SPEECH, load, room, write_audio, write_video

MS = 1e-3


def answer(a, b):
    """Offset (seconds) of file b's clock relative to file a's, with the estimate."""
    found = estimate_offset(read_audio(a), read_audio(b))
    return found.offset_seconds, found


# (name, source, cut start s, cut length s, codec, suffix, rate, room)
CUTS = [
    ("speech as AAC 48 kHz", SPEECH, 4.25, 12.0, "aac", ".m4a", 48_000, {}),
    ("speech as MP3 44.1 kHz, reverberant, 10 dB noise", SPEECH, 11.5, 9.0, "libmp3lame", ".mp3", 44_100,
     {"rt60": 0.5, "snr_db": 10.0, "gain": 0.3}),
    ("speech as Opus, 0 dB noise", SPEECH, 17.0, 8.0, "libopus", ".ogg", 48_000, {"snr_db": 0.0, "seed": 3}),
    ("speech, 2 s only, WAV 22.05 kHz", SPEECH, 20.1, 2.0, "pcm_s16le", ".wav", 22_050, {"rt60": 0.3, "seed": 4}),
    ("monkeys as AAC, reverberant", MONKEYS, 2.5, 10.0, "aac", ".m4a", 48_000, {"rt60": 0.4, "snr_db": 15.0}),
]


@pytest.mark.parametrize("name,source,start,length,codec,suffix,rate,effects", CUTS, ids=[c[0] for c in CUTS])
def test_a_cut_is_found_within_a_millisecond(tmp_path, name, source, start, length, codec, suffix, rate, effects):
    whole = load(source, rate)
    first = int(round(start * rate))
    part = room(whole[first : first + int(length * rate)], rate, **effects)
    b = write_audio(tmp_path / f"b{suffix}", part, rate, codec)
    # true offset: the instant at `start` s of the whole recording is at 0 s of the cut
    offset, found = answer(source, b)
    assert abs(offset - (-first / rate)) < 1 * MS, (offset, found.evidence)
    assert found.confidence >= 0.5 and not found.notes


def test_the_other_way_round_gives_the_opposite_offset(tmp_path):
    rate = 48_000
    whole = load(SPEECH, rate)
    b = write_audio(tmp_path / "b.m4a", room(whole[3 * rate : 15 * rate], rate, snr_db=20), rate, "aac")
    there, _ = answer(SPEECH, b)
    back, _ = answer(b, SPEECH)
    assert abs(there + 3.0) < 1 * MS and abs(back - 3.0) < 1 * MS


def test_two_parts_of_one_talk_that_do_not_overlap_are_refused_as_no_shared_sound(tmp_path):
    rate = 16_000
    whole = load(SPEECH, rate)
    a = write_audio(tmp_path / "a.wav", whole[: 13 * rate], rate, "pcm_s16le")
    b = write_audio(tmp_path / "b.wav", whole[15 * rate : 28 * rate], rate, "pcm_s16le")
    _, found = answer(a, b)
    assert found.confidence < 0.2
    assert found.notes and found.notes[0].startswith("no shared sound")


def test_speech_against_monkeys_is_refused(tmp_path):
    _, found = answer(SPEECH, MONKEYS)
    assert found.confidence < 0.2 and found.notes[0].startswith("no shared sound")


def test_music_with_a_steady_beat_is_ambiguous_and_says_so(tmp_path):
    # a bar of this jazz loop repeats sample for sample: every bar later fits as well
    rate = 22_050
    whole = load(MUSIC, rate)
    b = write_audio(tmp_path / "b.m4a", room(whole[4 * rate : 15 * rate], rate, rt60=0.3, snr_db=20), rate, "aac")
    offset, found = answer(MUSIC, b)
    if found.confidence >= 0.2:  # if it does answer, it must be right
        assert abs(offset + 4.0) < 1 * MS
    else:
        assert found.notes[0].startswith("ambiguous periodic sound"), found.notes
        # the truth is among the candidates (to the envelope's resolution, 5 ms, and a step)
        assert any(abs(c + 4.0) < 0.015 for c, _ in [(offset, 1.0), *found.candidates])


def test_a_metronome_is_refused_as_periodic(tmp_path):
    # 120 beats per minute of identical clicks: no sound says which beat is which
    rate = 16_000
    x = np.zeros(12 * rate, np.float32)
    click = np.sin(2 * np.pi * 1500 * np.arange(160) / rate) * np.exp(-np.arange(160) / 30)
    for beat in np.arange(0.25, 12, 0.5):
        k = int(beat * rate)
        x[k : k + 160] += click
    a = write_audio(tmp_path / "a.wav", room(x, rate, snr_db=30), rate, "pcm_s16le")
    b = write_audio(tmp_path / "b.wav", room(x[int(1.3 * rate):], rate, snr_db=30, seed=1), rate, "pcm_s16le")
    _, found = answer(a, b)
    assert found.confidence < 0.2
    assert found.notes[0].startswith("ambiguous periodic sound") and "0.50 s" in found.notes[0]


def test_silence_is_refused_with_its_level(tmp_path):
    a = write_audio(tmp_path / "quiet.wav", np.zeros(16_000 * 3, np.float32), 16_000, "pcm_s16le")
    with pytest.raises(CannotSynchronizeError, match="silent"):
        answer(a, SPEECH)


def test_a_video_without_a_sound_track_is_refused(tmp_path):
    v = write_video(tmp_path / "mute.mp4", 10, 30, None)
    with pytest.raises(NoAudioError, match="no audio stream"):
        read_audio(v)


def test_too_little_overlap_is_refused(tmp_path):
    rate = 16_000
    a = write_audio(tmp_path / "a.wav", load(SPEECH, rate)[: int(0.8 * rate)], rate, "pcm_s16le")
    with pytest.raises(CannotSynchronizeError, match="overlap by less than"):
        answer(a, SPEECH)

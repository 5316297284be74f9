"""Methods that tests register by name, as a user's plugin would (``register_method``)."""

import os
import time
from pathlib import Path

from videosync.sync.methods.simple import SimpleMethod


class RecordingMethod(SimpleMethod):
    """The simple method, noting each pair it is asked about (proof it was the one run)."""

    name = "recording"
    calls: list[tuple[str, str]] = []

    def estimate(self, track_a, track_b, **kwargs):
        RecordingMethod.calls.append((track_a.name, track_b.name))
        return super().estimate(track_a, track_b, **kwargs)


class SleepyMethod(SimpleMethod):
    """Says it has started (touches $SLEEPY_FLAG), then waits: something to press Ctrl-C in."""

    name = "sleepy"

    def estimate(self, track_a, track_b, **kwargs):
        Path(os.environ["SLEEPY_FLAG"]).touch()
        time.sleep(120)
        raise AssertionError("not interrupted")

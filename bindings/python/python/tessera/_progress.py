"""Progress bars on standard error for long work (no third-party package)."""

from __future__ import annotations

import sys
import time
from typing import Callable, Union

#: ``callback(stage, done, total, finished)``: ``total`` is 0 when unknown;
#: the last call of a stage has ``finished`` true.
ProgressCallback = Callable[[str, int, int, bool], None]

#: ``True`` for a bar on standard error, ``False`` or ``None`` for silence,
#: or a callable of its own.
ProgressArg = Union[bool, None, ProgressCallback]


class StderrBar:
    """A one-line bar on ``sys.stderr``, redrawn in place."""

    def __init__(self, width: int = 30) -> None:
        self.width = width
        self.started = time.monotonic()
        self.stage = ""

    def __call__(self, stage: str, done: int, total: int, finished: bool) -> None:
        if stage != self.stage:
            self.stage = stage
            self.started = time.monotonic()
        secs = max(time.monotonic() - self.started, 1e-9)
        if total > 0:
            filled = min(self.width, self.width * done // total)
            bar = "=" * filled + " " * (self.width - filled)
            line = f"{stage:>10} [{bar}] {done}/{total} ({done / secs:,.0f}/s)"
        else:
            line = f"{stage:>10} {done} ({done / secs:,.0f}/s)"
        stream = sys.stderr
        stream.write("\r" + line + ("\n" if finished else ""))
        stream.flush()


def callback(progress: ProgressArg) -> ProgressCallback | None:
    """The callable the native module calls, for a ``progress=`` argument."""
    if progress is None or progress is False:
        return None
    if progress is True:
        return StderrBar()
    if callable(progress):
        return progress
    raise TypeError("progress must be True, False, None or a callable")

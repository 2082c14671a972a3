"""What a followed job is doing, on a terminal or in a CI log.

On a terminal one line is rewritten in place; elsewhere (a pipe, a CI log) each change is
printed once as its own line, so logs stay readable. It goes to standard error, which keeps
standard output for the answer (``--json`` stays parseable).
"""

from __future__ import annotations

import time
from typing import Any, TextIO

# Erases the rest of the terminal line after the carriage return, so a shorter update leaves
# nothing of a longer one behind.
CLEAR_TO_END = "\x1b[K"


def describe(job: dict[str, Any]) -> str:
    """``executePromotion RUNNING · resolve 2/5 · Resolving the dependency tree``."""
    parts = [f"{job.get('action') or 'job'} {job.get('state') or '?'}"]
    progress = job.get("progress") or {}
    if isinstance(progress, dict) and progress.get("step"):
        step = str(progress["step"])
        if progress.get("current") is not None and progress.get("total") is not None:
            step += f" {progress['current']}/{progress['total']}"
        parts.append(step)
        if progress.get("message"):
            parts.append(str(progress["message"]))
    return " · ".join(parts)


class ProgressLine:
    """Call with each job document; :meth:`close` ends the in-place line."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._in_place = stream.isatty()
        self._started = time.monotonic()
        self._last = ""
        self._open = False

    def __call__(self, job: dict[str, Any]) -> None:
        text = describe(job)
        if self._in_place:
            elapsed = time.monotonic() - self._started
            self._stream.write(f"\r{text} ({elapsed:.0f} s){CLEAR_TO_END}")
            self._open = True
        elif text != self._last:
            self._stream.write(f"{text}\n")
        self._stream.flush()
        self._last = text

    def close(self) -> None:
        if self._open:
            self._stream.write("\n")
            self._stream.flush()
            self._open = False

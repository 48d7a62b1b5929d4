"""Machine-readable output of the ``studio`` command: ``--json`` and ``--progress jsonl``.

Wrappers read stdout; people read stderr. With ``--json`` a command prints exactly one JSON
document on stdout (its result); with ``--progress jsonl`` every progress report and message
is one JSON object per line (``{"event": "progress", ...}``), and the result, if any, is the
last line (``{"event": "result", ...}``). Logs, warnings and human lines stay on stderr, so
stdout stays parseable whatever happens.

Every event carries ``"event"`` (``progress``, ``message``, ``result``, ``error``, ``row``)
and ``"time"`` (seconds since the epoch); ``progress`` adds ``fraction`` (0..1), ``stage``
and ``eta_seconds`` (None until known).
"""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import IO, Any

from studio.text import one_line

#: What ``--progress`` accepts: the human line on stderr, or JSON lines on stdout.
PROGRESS_FORMATS = ("text", "jsonl")


def dump(document: Any) -> str:
    """``document`` as compact JSON on one line (paths and dates as text, no NaN)."""
    return json.dumps(document, ensure_ascii=False, default=str, allow_nan=False)


def print_json(document: Any, stream: IO[str] | None = None) -> None:
    """Print ``document`` as one line of JSON on ``stream`` (stdout)."""
    out = stream or sys.stdout
    out.write(dump(document) + "\n")
    out.flush()


class JsonlReporter:
    """A pipeline ``Reporter`` that writes one JSON object per line (thread-safe).

    Progress is throttled to one line per ``min_interval`` seconds per stage (a new stage or
    ``done`` always shows), so a wrapper isn't flooded by ffmpeg's ten reports a second.

    Attributes:
        stream: where the lines go (stdout).
        extra: fields added to every event (a batch adds ``row`` and ``project``).
    """

    def __init__(
        self,
        stream: IO[str] | None = None,
        *,
        min_interval: float = 0.25,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.stream = stream or sys.stdout
        self.min_interval = min_interval
        self.extra = dict(extra or {})
        self._lock = threading.Lock()
        self._last: tuple[str, float] = ("", 0.0)

    def with_fields(self, **fields: Any) -> JsonlReporter:
        """A reporter on the same stream whose events also carry ``fields``."""
        child = JsonlReporter(self.stream, min_interval=self.min_interval,
                              extra={**self.extra, **fields})
        child._lock = self._lock  # one stream, one lock: lines never interleave
        return child

    def event(self, kind: str, **fields: Any) -> None:
        """Write one event line."""
        line = dump({"event": kind, "time": round(time.time(), 3), **self.extra, **fields})
        with self._lock:
            self.stream.write(line + "\n")
            self.stream.flush()

    def progress(self, fraction: float, stage: str, eta_seconds: float | None) -> None:
        now = time.monotonic()
        last_stage, last_time = self._last
        head = stage.split(":")[0]
        if head == last_stage.split(":")[0] and not stage.endswith("done") and (
            now - last_time < self.min_interval
        ):
            return
        self._last = (stage, now)
        self.event(
            "progress",
            fraction=round(max(0.0, min(1.0, fraction)), 4),
            stage=stage,
            eta_seconds=None if eta_seconds is None else round(eta_seconds, 1),
        )

    def message(self, text: str) -> None:
        self.event("message", text=one_line(text))


__all__ = ["PROGRESS_FORMATS", "JsonlReporter", "dump", "print_json"]

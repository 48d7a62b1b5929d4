"""Machine-readable output of the ``studio`` command: ``--json`` and ``--progress jsonl``.

This docstring is the contract every command follows (``projects``, ``produce``, ``render``,
``resume``, ``batch``).

Wrappers read stdout; people read stderr. While a command runs with ``--json`` or
``--progress jsonl``, Studio's stdout (file descriptor 1, so FFmpeg and any library too) is
pointed at stderr and only this module writes the real stdout: nothing else can reach it.

``--json``
    Exactly one JSON document on stdout, on one line, when the command ends. A success is the
    command's result (``studio projects``: a list; a run: ``{"ok": true, ...}``, see
    :func:`run_document`). A failure is ``{"ok": false, "error": {...}}`` (see
    :func:`failure_document`) with the same exit code and the same one-line message on stderr.
``--progress jsonl``
    One JSON object per line on stdout: ``{"event": "progress", "fraction", "stage",
    "eta_seconds"}`` (throttled; fractions never go down and the last is 1 on success),
    ``{"event": "message", "text"}``, and last ``{"event": "result", ...}`` (the ``--json``
    document's fields) or ``{"event": "error", ...}`` (the failure document's fields). With
    both flags the stream alone is printed: its ``result``/``error`` line is the document.
``--progress text`` (the default)
    Today's human progress on stderr; the result as a human line on stdout.

A command gets these flags from ``studio.cli.add_output_flags``; ``studio.cli.main`` then
holds stdout for it (:meth:`CliOutput.claim_stdout`) and reports any failure it raises (as
above). The command writes its own result with :meth:`CliOutput.result` (or
:func:`print_json` / :class:`JsonlReporter`, whose default stream is :func:`machine_stdout`,
the real stdout: ``print()`` goes to stderr meanwhile). A batch's events add ``row`` and
``project`` (``JsonlReporter.with_fields``).

Every event carries ``"event"`` (``progress``, ``message``, ``result``, ``error``, ``row``)
and ``"time"`` (seconds since the epoch); ``eta_seconds`` is null until it is known. Paths are
absolute, dates ISO 8601 in UTC, durations seconds, names the stored text as it is.

Exit codes are the CLI's own: 0 ok, 2 bad input (``kind`` ``input``; ``usage`` for a command
line argparse refused), 75 the project is busy, 130 cancelled (Ctrl-C), 141 the reader of
stdout went away (``| head -1``: the run stops as if cancelled, resumable; 128 + SIGPIPE, as a
shell reports a command a closed pipe stopped), 1 a known failure (``failure``) or a bug
(``bug``). A usage error is reported in JSON too when ``--json`` or
``--progress jsonl`` is on the command line as written (argparse's prefixes such as ``--js``
are not recognised for this); ``--help`` and ``--version`` print text for people.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Any, Protocol

from studio.errors import Cancelled, StudioError
from studio.text import one_line

if TYPE_CHECKING:
    from studio.home import Home
    from studio.store.models import Project, RenderedVideo
    from studio.store.rooms.projects import ProjectSummary

#: What ``--progress`` accepts: the human line on stderr, or JSON lines on stdout.
PROGRESS_FORMATS = ("text", "jsonl")
#: The exit code when the reader of stdout went away (128 + SIGPIPE, as shells report it).
EXIT_OUTPUT_CLOSED = 141


class OutputClosed(Cancelled):
    """The program reading stdout closed it (``studio ... | head -1``).

    A ``Cancelled``: the run stops as Ctrl-C stops it (the project stays resumable), since
    nobody reads what it would say; ``studio.cli.main`` exits ``EXIT_OUTPUT_CLOSED``.
    """

    def __init__(self) -> None:
        super().__init__("The program reading Studio's output closed it")


def write_line(stream: IO[str], line: str) -> None:
    """Write ``line`` and a newline on ``stream`` and flush it.

    Raises:
        OutputClosed: the reader of ``stream`` went away (a broken pipe).
    """
    try:
        stream.write(line + "\n")
        stream.flush()
    except BrokenPipeError:
        raise OutputClosed() from None


def stdout_closed() -> bool:
    """Whether the real stdout is a pipe whose reader has gone (polled, nothing written)."""
    try:
        import select

        poller = select.poll()
        poller.register(machine_stdout().fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _fd, events in poller.poll(0))
    except (AttributeError, OSError, ValueError):  # no poll (Windows), or no descriptor
        return False


def dump(document: Any) -> str:
    """``document`` as compact JSON on one line (paths and dates as text, no NaN)."""
    return json.dumps(document, ensure_ascii=False, default=str, allow_nan=False)


#: The real stdout while a command holds it (``CliOutput.claim_stdout``), else None.
_claimed: IO[str] | None = None


def machine_stdout() -> IO[str]:
    """Where JSON goes: the real stdout a machine-readable command holds, else ``sys.stdout``.

    While ``--json`` or ``--progress jsonl`` is on, ``sys.stdout`` is stderr (so stray prints
    can't break the stream); a command's own JSON must be written here (``print_json`` and
    ``JsonlReporter`` do so by default).
    """
    return _claimed or sys.stdout


def print_json(document: Any, stream: IO[str] | None = None) -> None:
    """Print ``document`` as one line of JSON on ``stream`` (default: :func:`machine_stdout`)."""
    write_line(stream or machine_stdout(), dump(document))


class JsonlReporter:
    """A pipeline ``Reporter`` that writes one JSON object per line (thread-safe).

    Progress is throttled to one line per ``min_interval`` seconds per stage (a new stage or
    ``done`` always shows), so a wrapper isn't flooded by ffmpeg's ten reports a second, and
    its fraction never goes down, whichever thread reports; the first report of 1 always shows.

    Attributes:
        stream: where the lines go (default: :func:`machine_stdout`).
        extra: fields added to every event (a batch adds ``row`` and ``project``).
    """

    def __init__(
        self,
        stream: IO[str] | None = None,
        *,
        min_interval: float = 0.25,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.stream = stream or machine_stdout()
        self.min_interval = min_interval
        self.extra = dict(extra or {})
        self._lock = threading.RLock()
        self._last: tuple[str, float] = ("", 0.0)
        self._fraction = 0.0

    def with_fields(self, **fields: Any) -> JsonlReporter:
        """A reporter on the same stream whose events also carry ``fields`` (its own
        throttle and fraction: a batch row's progress is its own)."""
        child = JsonlReporter(self.stream, min_interval=self.min_interval,
                              extra={**self.extra, **fields})
        child._lock = self._lock  # one stream, one lock: lines never interleave
        return child

    def event(self, kind: str, **fields: Any) -> None:
        """Write one event line."""
        line = dump({"event": kind, "time": round(time.time(), 3), **self.extra, **fields})
        with self._lock:
            write_line(self.stream, line)

    def progress(self, fraction: float, stage: str, eta_seconds: float | None) -> None:
        with self._lock:
            now = time.monotonic()
            last_stage, last_time = self._last
            head = stage.split(":")[0]
            finishing = fraction >= 1.0 > self._fraction  # the end always shows
            if head == last_stage.split(":")[0] and not stage.endswith("done") and not (
                finishing or now - last_time >= self.min_interval
            ):
                return
            self._last = (stage, now)
            self._fraction = max(self._fraction, min(1.0, fraction))
            self.event(
                "progress",
                fraction=round(self._fraction, 4),
                stage=stage,
                eta_seconds=None if eta_seconds is None else round(max(0.0, eta_seconds), 1),
            )

    def message(self, text: str) -> None:
        self.event("message", text=one_line(text))


# -- documents -------------------------------------------------------------------------------


def iso_utc(moment: datetime | None) -> str | None:
    """A stored moment (naive UTC, as the store keeps them) as ISO 8601 with its offset."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _absolute(home: Home, stored: str | None) -> str | None:
    return str(home.abs(stored).absolute()) if stored else None


def project_entry(summary: ProjectSummary, home: Home) -> dict[str, Any]:
    """One project of ``studio projects --json`` (its name exactly as stored)."""
    return {
        "id": summary.id,
        "name": summary.name,
        "language": summary.language,
        "template": summary.template,
        "step": summary.step,
        "scenes": summary.scenes,
        "duration": round(summary.duration, 3),
        "last_render": iso_utc(summary.last_render),
        "video": _absolute(home, summary.video_path),
    }


def run_document(
    command: str, project: Project, render: RenderedVideo, home: Home
) -> dict[str, Any]:
    """What ``produce``/``render``/``resume --json`` print after a success."""
    return {
        "ok": True,
        "command": command,
        "project": {"id": project.id, "name": project.name},
        "video": _absolute(home, render.file_path),
        "duration": round(render.duration_seconds, 3),
        "srt": _absolute(home, render.srt_path),
        "thumbnail": _absolute(home, render.thumbnail_path),
        "size_bytes": render.file_size_bytes,
        "render_id": render.id,
        "created_at": iso_utc(render.created_at),
    }


@dataclass(frozen=True)
class Failure:
    """Why a command failed, for stderr (``line``) and for a wrapper (the document).

    Attributes:
        what, where, fix: the error's parts (``StudioError``'s); ``where`` and ``fix`` may be
            None.
        exit_code: the process's exit code.
        kind: ``input``, ``usage``, ``busy``, ``cancelled``, ``closed``, ``failure`` or ``bug``.
        line: the one line printed on stderr after ``studio: ``.
    """

    what: str
    where: str | None
    fix: str | None
    exit_code: int
    kind: str
    line: str

    @classmethod
    def of(cls, error: StudioError, *, kind: str = "", exit_code: int | None = None) -> Failure:
        """A known failure; its kind from its exit code unless given."""
        code = error.exit_code if exit_code is None else exit_code
        kinds = {2: "input", 75: "busy", 130: "cancelled", EXIT_OUTPUT_CLOSED: "closed"}
        return cls(error.what, error.where, error.fix, code, kind or kinds.get(code, "failure"),
                   error.message)

    @property
    def message(self) -> str:
        """What, where and the fix as one line (``StudioError.message``)."""
        return StudioError(self.what, where=self.where, fix=self.fix).message


def output_closed_failure() -> Failure:
    """The reader of stdout went away: said on stderr, exit ``EXIT_OUTPUT_CLOSED``; stdout is
    pointed at the null device so Python's last flush doesn't complain on the way out."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    closed = OutputClosed()
    return Failure(closed.what, None, "Run it again to finish; read its whole output",
                   EXIT_OUTPUT_CLOSED, "closed", closed.what + "; stopped")  # fmt: skip


def failure_document(failure: Failure) -> dict[str, Any]:
    """``{"ok": false, "error": {...}}``: what ``--json`` prints when a command fails."""
    return {
        "ok": False,
        "error": {
            "message": failure.message,
            "what": failure.what,
            "where": failure.where,
            "fix": failure.fix,
            "exit_code": failure.exit_code,
            "kind": failure.kind,
        },
    }


# -- the command's output --------------------------------------------------------------------


class Reporter(Protocol):
    """A pipeline reporter (``studio.pipeline.jobs.Reporter``), named here to keep this
    module free of the pipeline."""

    def progress(self, fraction: float, stage: str, eta_seconds: float | None) -> None: ...

    def message(self, text: str) -> None: ...


def requested(argv: Sequence[str]) -> tuple[bool, str]:
    """(``--json`` given, ``--progress`` format) read from a raw command line: for a usage
    error, reported before argparse could say what was asked."""
    tokens = list(argv)
    progress = "text"
    for index, token in enumerate(tokens):
        if token == "--progress=jsonl" or (
            token == "--progress" and tokens[index + 1 : index + 2] == ["jsonl"]
        ):
            progress = "jsonl"
    return "--json" in tokens, progress


def _own_descriptors() -> tuple[int, int] | None:
    """stdout's and stderr's descriptors when both streams are the process's own, else None."""
    out, err = sys.__stdout__, sys.__stderr__
    if out is None or err is None or sys.stdout is not out or sys.stderr is not err:
        return None
    try:
        return out.fileno(), err.fileno()
    except (AttributeError, OSError, ValueError):
        return None


class CliOutput:
    """Where a command's result, failure and progress go, by ``--json`` and ``--progress``.

    Attributes:
        json: ``--json`` was given.
        progress: ``--progress``'s format (``text`` or ``jsonl``).
    """

    def __init__(self, *, json: bool = False, progress: str = "text") -> None:
        self.json = json
        self.progress = progress
        self._events: JsonlReporter | None = None

    @classmethod
    def from_args(cls, args: Any) -> CliOutput:
        """The output a parsed command line asks for; plain text unless its command declared
        these flags (``studio.cli.add_output_flags``: others may have a ``--json`` of their own)."""
        if not getattr(args, "machine_output_flags", False):
            return cls()
        return cls(json=bool(getattr(args, "json", False)),
                   progress=getattr(args, "progress", None) or "text")  # fmt: skip

    @property
    def machine(self) -> bool:
        """Whether stdout is for JSON alone."""
        return self.json or self.progress == "jsonl"

    @property
    def stream(self) -> IO[str]:
        """Where this command's stdout lines go (:func:`machine_stdout`)."""
        return machine_stdout()

    @contextlib.contextmanager
    def claim_stdout(self) -> Iterator[None]:
        """In machine mode, point stdout at stderr for the block (its descriptor too, which
        FFmpeg and other children inherit), keeping the real one for JSON alone
        (:func:`machine_stdout`)."""
        global _claimed
        if not self.machine or _claimed is not None:
            yield
            return
        real = sys.stdout
        descriptors = _own_descriptors()
        if descriptors is None:  # stand-ins (a test's capture): swap the Python streams only
            _claimed, sys.stdout = real, sys.stderr
            try:
                yield
            finally:
                sys.stdout, _claimed = real, None
            return
        out, err = descriptors
        real.flush()
        kept = os.dup(out)  # not inherited by children (PEP 446)
        os.dup2(err, out)
        _claimed = open(kept, "w", encoding="utf-8", newline="\n", closefd=False)  # noqa: SIM115
        try:
            yield
        finally:
            for stream in (_claimed, real):
                with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing to keep
                    stream.flush()
            os.dup2(kept, out)
            os.close(kept)
            _claimed = None

    def reporter(self, text: Reporter) -> Reporter:
        """The run's reporter: JSON lines on stdout with ``--progress jsonl``, else ``text``."""
        return self._jsonl() if self.progress == "jsonl" else text

    def _jsonl(self) -> JsonlReporter:
        if self._events is None or self._events.stream is not self.stream:
            self._events = JsonlReporter(self.stream)
        return self._events

    def result(self, document: Any, human: str | None = None) -> None:
        """A success: the ``result`` event, the JSON document, or ``human`` on stdout."""
        if self.progress == "jsonl":
            fields = document if isinstance(document, dict) else {"result": document}
            self._jsonl().event("result", **fields)
        elif self.json:
            print_json(document, self.stream)
        elif human is not None:
            write_line(self.stream, human)

    def failure(self, failure: Failure) -> None:
        """A failure (already said on stderr): the ``error`` event or the JSON document."""
        document = failure_document(failure)
        with contextlib.suppress(OSError, OutputClosed):  # the reader is gone: stderr said it
            if self.progress == "jsonl":
                self._jsonl().event("error", **document)
            elif self.json:
                print_json(document, self.stream)


__all__ = [
    "EXIT_OUTPUT_CLOSED",
    "PROGRESS_FORMATS",
    "OutputClosed",
    "CliOutput",
    "Failure",
    "JsonlReporter",
    "dump",
    "failure_document",
    "iso_utc",
    "machine_stdout",
    "output_closed_failure",
    "print_json",
    "project_entry",
    "requested",
    "run_document",
    "stdout_closed",
    "write_line",
]

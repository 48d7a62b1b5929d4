"""``studio batch MANIFEST``: every row of a CSV or JSON manifest made into a video.

- ``studio batch videos.csv [--jobs N] [--summary FILE]``: checks every row first (a bad one
  exits 2 and nothing is made), then makes the videos N at a time, a line per row as it ends
  and a table at the end, all on stdout; progress and messages on stderr.
- ``--json``: the summary document on stdout instead of the lines and the table.
- ``--progress jsonl``: JSON lines on stdout (each progress/message/row event with ``"row"``),
  then a ``"result"`` line holding the summary document.
- Running the same manifest again keeps the rows done before and continues the rest.

Exit codes: 0 every row done, 2 a bad manifest (nothing made), ``EXIT_ROWS_FAILED`` (3) some
rows failed (the others are made; their errors are in the summary), 130 Ctrl-C (finished rows
kept; run it again to continue). Wired by ``studio.cli``.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING

from studio.cli_output import JsonlReporter, OutputClosed, print_json, write_line
from studio.pipeline.batch_limits import DEFAULT_JOBS, MAX_JOBS
from studio.progress import CancelToken, install_sigint_as_cancel
from studio.text import one_line

if TYPE_CHECKING:  # the pipeline is imported when ``batch`` runs, not for every command
    from studio.pipeline.batch import BatchSummary, RowOutcome
    from studio.store import Library

#: The subcommands this module handles.
COMMANDS: tuple[str, ...] = ("batch",)
#: Exit code when the batch ended with some rows failed (the others were made).
EXIT_ROWS_FAILED = 3
#: Exit code when Ctrl-C stopped the batch (as every other command).
EXIT_CANCELLED = 130


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``batch`` to ``sub``."""
    from studio.cli import add_output_flags, add_run_flags

    batch = sub.add_parser(
        "batch",
        help="make a video for every row of a CSV or JSON manifest (resumable)",
        description="Make a video for every row of a manifest. Exit codes: 0 all done, "
        f"2 bad manifest (nothing made), {EXIT_ROWS_FAILED} some rows failed, "
        f"{EXIT_CANCELLED} cancelled (run it again to continue).",
    )
    batch.add_argument("manifest", type=Path, metavar="MANIFEST", help="a .csv or .json file")
    batch.add_argument(
        "--jobs",
        type=int,
        default=DEFAULT_JOBS,
        metavar="N",
        help=f"videos made at once, 1-{MAX_JOBS} (default {DEFAULT_JOBS}: one video keeps about "
        "one core busy; on 2 cores two 720p videos took a median 23 s at once against 34 s "
        "one after the other)",
    )
    batch.add_argument(
        "--summary",
        type=Path,
        metavar="FILE",
        help="where to write the JSON summary (default: MANIFEST's name + .summary.json)",
    )
    add_run_flags(batch)
    add_output_flags(batch)


def run(library: Library, args: argparse.Namespace) -> int:
    """Run ``studio batch``."""
    from studio.pipeline.batch import load_manifest, run_batch
    from studio.pipeline.request import RunRequest
    from studio.secrets import get_groq_key

    manifest = load_manifest(args.manifest)
    needs_key = any(row.topic is not None for row in manifest.rows)
    request = RunRequest.from_library(
        library,
        groq_key=get_groq_key() if needs_key else None,
        encoder=args.encoder,
        cluster=args.cluster,
    )
    cancel = CancelToken()
    install_sigint_as_cancel(cancel)
    guard = OutputGuard(cancel)
    listener: TextListener | JsonlListener
    if args.progress == "jsonl":
        listener = JsonlListener(JsonlReporter(), guard)  # the held stdout (cli_output)
    else:
        listener = TextListener(sys.stderr if args.json else sys.stdout, sys.stderr, guard)
    summary = run_batch(
        library,
        manifest,
        run=request,
        jobs=args.jobs,
        listener=listener,
        cancel=cancel,
        summary_path=args.summary,
    )
    if guard.closed:  # the rows stopped are resumed next time; studio.cli says why, exit 141
        raise OutputClosed()
    if isinstance(listener, JsonlListener):
        listener.reporter.event("result", **summary.to_json())
    elif args.json:
        print_json(summary.to_json())
    else:
        print_table(summary, sys.stdout)
    return _exit_code(summary, cancelled=cancel.cancelled)


def _exit_code(summary: BatchSummary, *, cancelled: bool) -> int:
    if cancelled:
        print("studio: cancelled; run the same command again to continue", file=sys.stderr)
        return EXIT_CANCELLED
    if summary.counts()["failed"]:
        return EXIT_ROWS_FAILED
    return 0


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def print_table(summary: BatchSummary, stream: IO[str]) -> None:
    """The summary as an aligned table: row, status, project, duration, MP4, error."""
    header = ("ROW", "STATUS", "PROJECT", "DURATION", "MP4", "ERROR")
    table = [
        (
            str(r.number),
            r.status,
            one_line(r.project_name or ""),
            _duration(r.duration),
            one_line(r.video_path or ""),
            one_line(r.error or ""),
        )
        for r in summary.rows
    ]
    widths = [max(len(h), *(len(row[i]) for row in table)) for i, h in enumerate(header)]
    for row in (header, *table):
        write_line(stream, "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
    counts = ", ".join(f"{n} {status}" for status, n in summary.counts().items() if n)
    write_line(stream, f"{counts}. Summary: {one_line(summary.summary_path or '')}")


class OutputGuard:
    """Stops the batch when the reader of its output goes away (``studio batch ... | head``).

    The listeners are called on the rows' threads, inside the pipeline: a broken pipe raised
    there would fail one row at a time while the others start. Instead the first one cancels
    the whole batch (its rows resume next time) and later lines are dropped.

    Attributes:
        closed: the output's reader went away.
    """

    def __init__(self, cancel: CancelToken) -> None:
        self.closed = False
        self._cancel = cancel

    def call(self, write: Callable[[], None]) -> None:
        """Run ``write`` unless the output is closed; a closed output cancels the batch."""
        if self.closed:
            return
        try:
            write()
        except OutputClosed:
            self.closed = True
            self._cancel.cancel()


class TextListener:
    """People's output: a line per row as it ends (``rows``), stage changes and messages
    (``log``, stderr)."""

    def __init__(self, rows: IO[str], log: IO[str], guard: OutputGuard | None = None) -> None:
        self.rows = rows
        self.log = log
        self._guard = guard or OutputGuard(CancelToken())
        self._stages: dict[int, str] = {}
        self._lock = threading.Lock()

    def _write(self, stream: IO[str], line: str) -> None:
        with self._lock:
            self._guard.call(lambda: write_line(stream, line))

    def row_changed(self, outcome: RowOutcome) -> None:
        if outcome.status in ("pending", "running"):
            return
        detail = outcome.error or (str(outcome.video_path) if outcome.video_path else "")
        name = f" {outcome.project_name!r}" if outcome.project_name else ""
        self._write(self.rows, one_line(f"row {outcome.number} {outcome.status}{name}: {detail}"))

    def row_progress(
        self, number: int, fraction: float, stage: str, eta_seconds: float | None
    ) -> None:
        head = stage.split(":")[0]
        if self._stages.get(number) == head:
            return
        self._stages[number] = head
        self._write(self.log, one_line(f"row {number}: [{fraction * 100:5.1f}%] {stage}"))

    def row_message(self, number: int, text: str) -> None:
        self._write(self.log, one_line(f"row {number}: {text}"))


class JsonlListener:
    """``--progress jsonl``: every event a JSON line on stdout, each with ``"row"``."""

    def __init__(self, reporter: JsonlReporter, guard: OutputGuard | None = None) -> None:
        self.reporter = reporter
        self._guard = guard or OutputGuard(CancelToken())
        self._rows: dict[int, JsonlReporter] = {}
        self._lock = threading.Lock()

    def _row(self, number: int) -> JsonlReporter:
        with self._lock:
            if number not in self._rows:
                self._rows[number] = self.reporter.with_fields(row=number)
            return self._rows[number]

    def row_changed(self, outcome: RowOutcome) -> None:
        self._guard.call(lambda: self.reporter.event("row", **outcome.to_json()))

    def row_progress(
        self, number: int, fraction: float, stage: str, eta_seconds: float | None
    ) -> None:
        self._guard.call(lambda: self._row(number).progress(fraction, stage, eta_seconds))

    def row_message(self, number: int, text: str) -> None:
        self._guard.call(lambda: self._row(number).message(text))


__all__ = ["COMMANDS", "EXIT_ROWS_FAILED", "OutputGuard", "add_commands", "print_table", "run"]

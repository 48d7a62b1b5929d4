"""``studio batch``: many videos from one manifest, a bounded number at a time, resumable.

A manifest (CSV or JSON, ``studio.pipeline.batch_manifest``) holds one row per video: a topic
or a script file, the template and its options, voice, language, aspect, media folder, music.
Each row becomes a normal project in the library (made by ``produce``); the batch's own rows in
the store remember which project each manifest row became and how it ended, so running the
same manifest again after a crash or Ctrl-C keeps the finished rows and continues the rest: a
row interrupted mid-way is resumed in its project (``render_project(kind="resume")``), a row
changed since is made again as a new project. The run ends with a summary (a JSON file, written
atomically after every row so a crash still leaves it current, and a table): project, MP4,
duration, status, error.
"""

from __future__ import annotations

import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from studio.errors import Cancelled, InputError, StudioError
from studio.locks import batch_lock
from studio.pipeline.batch_limits import DEFAULT_JOBS, MAX_JOBS, check_jobs
from studio.pipeline.batch_manifest import BatchRow, Manifest, load_manifest
from studio.pipeline.produce import (
    ProduceRequest,
    ProduceResult,
    check_request,
    produce,
    render_project,
)
from studio.pipeline.request import RunRequest
from studio.progress import CancelToken
from studio.savefile import check_output_target, write_atomically
from studio.store import Library
from studio.store.models import BATCH_ROW_STATUSES, Batch, BatchRowRecord, Project

log = logging.getLogger(__name__)

#: A row's states: waiting its turn, being made, finished, failed (with an error), cancelled.
ROW_STATUSES = BATCH_ROW_STATUSES
#: The summary file's name beside the manifest: ``<stem>.summary.json``.
SUMMARY_SUFFIX = ".summary.json"


@dataclass(frozen=True)
class RowOutcome:
    """How one row stands (the summary's line)."""

    number: int
    status: str
    project_id: str | None = None
    project_name: str | None = None
    video_path: Path | None = None
    duration: float | None = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The summary document's line for this row."""
        return {
            "row": self.number,
            "status": self.status,
            "project_id": self.project_id,
            "project": self.project_name,
            "video": str(self.video_path) if self.video_path else None,
            "duration": None if self.duration is None else round(self.duration, 2),
            "error": self.error,
        }


@dataclass(frozen=True)
class BatchSummary:
    """The end of a run: every row's outcome, and where the JSON summary was written.

    Attributes:
        batch_id: the batch's id in the store (the same for every run of one manifest).
    """

    manifest: Path
    rows: tuple[RowOutcome, ...]
    summary_path: Path | None = None
    batch_id: str | None = None

    def counts(self) -> dict[str, int]:
        """How many rows are in each status (every status named, zeros too)."""
        return {status: sum(r.status == status for r in self.rows) for status in ROW_STATUSES}

    @property
    def finished(self) -> bool:
        """Every row ended (done or failed): running the manifest again would make nothing."""
        return all(r.status in ("done", "failed") for r in self.rows)

    def to_json(self) -> dict[str, Any]:
        """The summary document (``--json`` and the summary file)."""
        return {
            "manifest": str(self.manifest),
            "batch": self.batch_id,
            "summary": str(self.summary_path) if self.summary_path else None,
            "finished": self.finished,
            "counts": self.counts(),
            "rows": [row.to_json() for row in self.rows],
        }


class BatchListener(Protocol):
    """What a batch run tells its caller (the CLI's table and JSON lines, the window's queue).
    Called from worker threads."""

    def row_changed(self, outcome: RowOutcome) -> None: ...

    def row_progress(
        self, number: int, fraction: float, stage: str, eta_seconds: float | None
    ) -> None: ...

    def row_message(self, number: int, text: str) -> None: ...


class _NoListener:
    def row_changed(self, outcome: RowOutcome) -> None:
        pass

    def row_progress(
        self, number: int, fraction: float, stage: str, eta_seconds: float | None
    ) -> None:
        pass

    def row_message(self, number: int, text: str) -> None:
        pass


class _RowReporter:
    """A pipeline Reporter that hands one row's progress and messages to the listener."""

    def __init__(self, listener: BatchListener, number: int) -> None:
        self._listener = listener
        self._number = number

    def progress(self, fraction: float, stage: str, eta_seconds: float | None) -> None:
        self._listener.row_progress(self._number, fraction, stage, eta_seconds)

    def message(self, text: str) -> None:
        self._listener.row_message(self._number, text)


def default_summary_path(manifest: Path) -> Path:
    """``videos.csv`` -> ``videos.summary.json`` beside it."""
    return manifest.with_name(manifest.stem + SUMMARY_SUFFIX)


def produce_request(row: BatchRow, run: RunRequest) -> ProduceRequest:
    """What ``produce`` is asked for one row: the run's inputs with the row's media folders."""
    folders = tuple(dict.fromkeys((*run.media_folders, *row.media)))
    return ProduceRequest(
        run=replace(run, media_folders=folders),
        topic=row.topic,
        script=row.script,
        template=row.template,
        duration=row.duration,
        voice=row.voice,
        language=row.language,
        speed=row.speed,
        aspect=row.aspect,
        resolution=row.resolution,
        music=row.music,
        captions=row.captions,
        caption_style=row.caption_style,
        transition=row.transition,
        project_name=row.project_name,
        media=row.media,
        template_options=dict(row.template_options),
    )


def check_summary_target(library: Library, manifest: Manifest, summary_path: Path | None) -> Path:
    """Where the summary goes: never the manifest itself nor a file a row reads (``--summary
    videos.csv`` would replace the manifest with JSON), nor anywhere ``check_output_target``
    refuses (the library's own files, a folder, a device).

    Raises:
        InputError: the place is one of those, named with the fix.
    """
    target = check_output_target(summary_path or default_summary_path(manifest.path),
                                 library.home)  # fmt: skip
    inputs = {manifest.path: "the manifest itself"}
    for row in manifest.rows:
        for path, what in ((row.script, "script file"), (row.music, "music file")):
            if path is not None:
                inputs.setdefault(path, f"row {row.number}'s {what}")
    if target in inputs:
        raise InputError(
            f"The summary would replace {inputs[target]}",
            where=str(target),
            fix="Give --summary a new file name, e.g. videos.summary.json",
        )
    return target


def check_rows(library: Library, manifest: Manifest, run: RunRequest) -> list[ProduceRequest]:
    """Every row's request, checked with ``produce``'s own checks (voices, template options,
    a topic's key, the script's text) before anything is made.

    Raises:
        InputError: the first row that is wrong, named with the fix.
    """
    requests = []
    for row in manifest.rows:
        request = produce_request(row, run)
        try:
            checked = check_request(library, request)
            checked.template.check_options(library, dict(request.template_options))
        except InputError as exc:
            raise InputError(
                f"Row {row.number}: {exc.what}", where=exc.where or str(manifest.path), fix=exc.fix
            ) from None
        requests.append(request)
    return requests


@dataclass
class _Work:
    """One row to make in this run: a new project, or the rest of an interrupted one."""

    row: BatchRow
    request: ProduceRequest
    resume: Project | None


class _BatchRun:
    """One run of a manifest: the rows' outcomes, the store's rows and the summary file, kept
    in step under one lock (rows finish on several threads)."""

    def __init__(
        self,
        library: Library,
        manifest: Manifest,
        batch: Batch,
        listener: BatchListener,
        summary_path: Path,
    ) -> None:
        self.library = library
        self.manifest = manifest
        self.batch = batch
        self.listener = listener
        self.summary_path = summary_path
        self.outcomes: dict[int, RowOutcome] = {}
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()  # one writer: a newer summary is never replaced

    def summary(self) -> BatchSummary:
        with self._lock:
            rows = tuple(self.outcomes[r.number] for r in self.manifest.rows)
        return BatchSummary(self.manifest.path, rows, self.summary_path, self.batch.id)

    def set(self, outcome: RowOutcome, *, save: bool = True) -> None:
        """Record ``outcome`` (store, summary file, listener)."""
        if save:
            video = self.library.home.rel(outcome.video_path) if outcome.video_path else None
            self.library.save_batch_row(
                self.batch,
                outcome.number,
                project=outcome.project_id,
                status=outcome.status,
                video_path=video,
                duration=outcome.duration,
                error=outcome.error,
            )
        with self._lock:
            self.outcomes[outcome.number] = outcome
        self.write_summary()
        self.listener.row_changed(outcome)

    def write_summary(self) -> None:
        """The summary file, replaced atomically (a crash leaves the last one whole)."""
        with self._write_lock:
            document = self.summary().to_json()
            text = json.dumps(document, ensure_ascii=False, indent=2, default=str)
            write_atomically(self.summary_path, text + "\n")


def _outcome_of(library: Library, record: BatchRowRecord) -> RowOutcome:
    """A stored row as an outcome (its project's name if it still exists)."""
    project = _project_or_none(library, record.project_id)
    return RowOutcome(
        number=record.number,
        status=record.status,
        project_id=record.project_id,
        project_name=project.name if project is not None else None,
        video_path=library.home.abs(record.video_path) if record.video_path else None,
        duration=record.duration,
        error=record.error,
    )


def _project_or_none(library: Library, project_id: str | None) -> Project | None:
    if not project_id:
        return None
    try:
        return library.project(project_id)
    except InputError:
        return None


def _still_made(library: Library, record: BatchRowRecord) -> bool:
    """A done row's project and video are both still there (the creator may have deleted
    either since: the row is then made again, not reported done with a missing MP4)."""
    if _project_or_none(library, record.project_id) is None or not record.video_path:
        return False
    return library.home.abs(record.video_path).is_file()


def _plan(run: _BatchRun, requests: list[ProduceRequest]) -> list[_Work]:
    """What this run makes: rows done before are kept, interrupted ones resumed in their
    project, changed ones (another digest) made again as new projects."""
    library = run.library
    records = library.batch_rows(run.batch)
    work: list[_Work] = []
    for row, request in zip(run.manifest.rows, requests, strict=True):
        record = records.get(row.number)
        same = record if record is not None and record.digest == row.digest else None
        if same is not None and same.status == "done" and _still_made(library, same):
            run.outcomes[row.number] = _outcome_of(library, same)
            continue
        resume = None
        if same is not None:  # interrupted, failed, or its video deleted since: finish it there
            resume = _project_or_none(library, same.project_id)
            if resume is not None and not library.scenes(resume):
                library.delete_project(resume)  # the batch made it and nothing is in it
                resume = None
        library.save_batch_row(
            run.batch, row.number, digest=row.digest,
            project=resume.id if resume is not None else None,
            status="pending", video_path=None, duration=None, error=None,
        )  # fmt: skip
        run.outcomes[row.number] = RowOutcome(
            row.number, "pending", resume.id if resume else None, resume.name if resume else None
        )
        work.append(_Work(row, request, resume))
    return work


def _make_row(run: _BatchRun, work: _Work, cancel: CancelToken) -> None:
    """Make (or finish) one row's video; its outcome is recorded whatever happens."""
    number = work.row.number
    if cancel.cancelled:
        return  # stays pending: made next time
    token = CancelToken()
    cancel.add_callback(token.cancel)
    project = work.resume
    try:
        run.set(RowOutcome(number, "running", project.id if project else None,
                           project.name if project else None))  # fmt: skip
        result = _produce_or_resume(run, work, token)
        run.set(
            RowOutcome(
                number, "done", result.project.id, result.project.name,
                result.video_path, result.render.duration_seconds,
            )
        )  # fmt: skip
    except Cancelled:
        _ended(run, number, "cancelled", None)
    except StudioError as exc:
        _ended(run, number, "failed", exc.message)
    except Exception as exc:  # a bug in one row must not stop the others
        log.exception("row %d of %s failed", number, run.manifest.path)
        _ended(run, number, "failed", f"Unexpected failure (a bug): {type(exc).__name__}: {exc}")
    finally:
        cancel.remove_callback(token.cancel)
        run.library.close_thread_connection()


def _produce_or_resume(run: _BatchRun, work: _Work, cancel: CancelToken) -> ProduceResult:
    library = run.library
    reporter = _RowReporter(run.listener, work.row.number)
    if work.resume is not None:
        return render_project(
            library, library.refresh(work.resume), work.request.run, reporter=reporter,
            kind="resume", cancel=cancel, install_sigint=False,
        )  # fmt: skip

    def made(project: Project) -> None:
        run.set(RowOutcome(work.row.number, "running", project.id, project.name))

    return produce(library, work.request, reporter=reporter, cancel=cancel, on_project=made)


def _ended(run: _BatchRun, number: int, status: str, error: str | None) -> None:
    """Record a row that ended without a video (its project, if any, stays for a resume)."""
    record = run.library.batch_rows(run.batch).get(number)
    project_id = record.project_id if record is not None else None
    project = _project_or_none(run.library, project_id)
    run.set(
        RowOutcome(number, status, project.id if project else None,
                   project.name if project else None, error=error)
    )  # fmt: skip


def run_batch(
    library: Library,
    manifest: Manifest,
    *,
    run: RunRequest,
    jobs: int = 1,
    listener: BatchListener | None = None,
    cancel: CancelToken | None = None,
    summary_path: Path | None = None,
) -> BatchSummary:
    """Make every row's video, ``jobs`` at a time; rows already done in an earlier run of this
    manifest are kept. Cancel stops the running rows (they are resumed next time).

    A row failing doesn't stop the others: its error is in its outcome. Each row has its own
    cancel token chained to ``cancel``.

    Raises:
        InputError: a row is wrong (nothing is made), ``jobs`` is out of range, or the summary
            file can't be written.
    """
    check_jobs(jobs)
    if run.cluster:  # as many rows at once as the workers run tasks (studio.cluster)
        from studio.cluster import rows_at_once

        jobs = rows_at_once(run.cluster, jobs, limit=MAX_JOBS)
    cancel = cancel or CancelToken()
    requests = check_rows(library, manifest, run)
    summary_file = check_summary_target(library, manifest, summary_path)
    with batch_lock(library.home, str(manifest.path)):  # refused before anything is written
        batch = library.batch_for(str(manifest.path))
        state = _BatchRun(library, manifest, batch, listener or _NoListener(), summary_file)
        work = _plan(state, requests)
        state.write_summary()
        for outcome in state.summary().rows:
            state.listener.row_changed(outcome)
        with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="batch-row") as pool:
            for item in work:
                pool.submit(_make_row, state, item, cancel)
        summary = state.summary()
        library.finish_batch(batch, finished=summary.finished)
        state.write_summary()
    return summary


__all__ = [
    "DEFAULT_JOBS",
    "MAX_JOBS",
    "ROW_STATUSES",
    "BatchListener",
    "BatchRow",
    "BatchSummary",
    "Manifest",
    "RowOutcome",
    "check_jobs",
    "check_rows",
    "check_summary_target",
    "default_summary_path",
    "load_manifest",
    "produce_request",
    "run_batch",
]

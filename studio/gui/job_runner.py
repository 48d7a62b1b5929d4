"""Background operations of one window: several at once, one per project (lane) at a time.

Panels build an :class:`~studio.gui.op.Op` and run it here; the runner gives each a
:class:`Job` (its own worker, progress and cancel), broadcasts what the operation changed once
(through ``apply_changes``, the workspace), calls the op's own callbacks, and re-emits every
job's events with the job, so a panel shows the jobs of the project it shows and the jobs list
all of them. A second job in a busy lane is refused, or queued when asked; jobs sharing a limit
(renders) run one at a time across projects. Ended jobs are kept for the session (the jobs
list and a panel returning to its project read them) until :meth:`JobRunner.clear_finished`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Literal

from PySide6.QtCore import QObject, Signal

from studio.gui.op import Op
from studio.gui.workers import Worker, human_message
from studio.pipeline.changes import Changes, Done
from studio.store import Library

log = logging.getLogger(__name__)
_NO_RESULT = object()
#: Where a job is in its life (the jobs list shows it; panels word it for the creator).
JobState = Literal["queued", "running", "done", "failed", "cancelled"]
_ENDED_AS: dict[str, JobState] = {"returned": "done", "errored": "failed", "aborted": "cancelled"}


class Job(QObject):
    """One operation on the runner: queued, then running, then ended.

    Attributes:
        op: what runs, with its callbacks.
        fraction, stage, eta: the last progress reported (for a panel that starts showing it
            part-way, e.g. when the creator switches back to the project).
        note: the last message the work sent.
        error: the exception that ended it, if it failed.
        state: queued, running, done, failed or cancelled.
        queued_at, started_at, ended_at: ``time.monotonic()`` of each change (None: not yet).
    """

    def __init__(self, runner: JobRunner, op: Op[Any]) -> None:
        super().__init__()  # owned by Python: panels may keep a finished job to read it
        self.op = op
        self.fraction = 0.0
        self.stage = ""
        self.eta: float | None = None
        self.note = ""
        self.error: BaseException | None = None
        self.state: JobState = "queued"
        self.queued_at = time.monotonic()
        self.started_at: float | None = None
        self.ended_at: float | None = None
        self._runner = runner
        self._worker: Worker | None = None
        self._result: object = _NO_RESULT
        self._aborted = False

    # -- what panels read -------------------------------------------------------------------------
    @property
    def label(self) -> str:
        return self.op.label

    @property
    def kind(self) -> str:
        return self.op.kind

    @property
    def project_id(self) -> str | None:
        return self.op.project_id

    @property
    def running(self) -> bool:
        return self._worker is not None

    @property
    def ended(self) -> bool:
        return self.state in ("done", "failed", "cancelled")

    @property
    def error_message(self) -> str:
        """What the creator reads about the failure ("" unless it failed)."""
        return human_message(self.error) if self.error is not None else ""

    def cancel(self) -> None:
        """Ask the work to stop (no-op unless running; a queued job is dropped by the runner)."""
        if self._worker is not None:
            self._worker.cancel()

    # -- the runner's side ------------------------------------------------------------------------
    def start(self, on_thread_exit: Callable[[], None]) -> None:
        # Bound methods only: a lambda holding the worker, connected to the worker's own
        # signals, crashes PySide6 when the worker is deleted.
        worker = Worker(self.op.fn, name=self.op.label, on_thread_exit=on_thread_exit, parent=self)
        worker.progress.connect(self._progress)
        worker.message.connect(self._message)
        worker.returned.connect(self._returned)
        worker.errored.connect(self._errored)
        worker.aborted.connect(self._aborted_)
        worker.finished.connect(self._finished)
        self._worker = worker
        worker.start()

    def wait(self, timeout_ms: int) -> bool:
        return self._worker.wait(timeout_ms) if self._worker is not None else True

    def outcome(self) -> tuple[str, object]:
        """("returned", Done) / ("errored", exception) / ("aborted", None)."""
        if self._result is not _NO_RESULT:
            result = self._result
            return "returned", result if isinstance(result, Done) else Done(result)
        if self.error is not None:
            return "errored", self.error
        return "aborted", None

    def _progress(self, fraction: float, stage: str, eta: object) -> None:
        self.fraction, self.stage = fraction, stage
        self.eta = eta if isinstance(eta, (int, float)) else None
        for callback in self.op.on_progress:
            callback(fraction, stage, self.eta)
        self._runner.progress.emit(self, fraction, stage, eta)

    def _message(self, text: str) -> None:
        self.note = text
        for callback in self.op.on_message:
            callback(text)
        self._runner.message.emit(self, text)

    def _returned(self, result: object) -> None:
        self._result = result

    def _errored(self, error: object) -> None:
        self.error = error if isinstance(error, BaseException) else RuntimeError(str(error))

    def _aborted_(self) -> None:
        self._aborted = True

    def _finished(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.deleteLater()
        self._runner._job_ended(self)


class JobRunner(QObject):
    """Runs operations, each on its own worker; one job per lane (project) at a time.

    Signals (every one but ``changed`` carries the :class:`Job` it is about):
        changed(): a job was queued, started, ended or cleared (the jobs list redraws).
        busyChanged(bool): the first job started (True) or the last one ended (False).
        jobStarted(object): a job started running.
        progress(object, float, str, object): job, fraction, stage, ETA seconds (or None).
        message(object, str): job, a note from the work.
        succeeded(object, object): job, its result (after its changes were broadcast).
        failed(object, str): job, the human message (the op's ``failure`` gets the exception).
        cancelled(object): a job stopped on request.
        jobFinished(object): a job's thread has ended and its callbacks have run.
    """

    changed = Signal()
    busyChanged = Signal(bool)
    jobStarted = Signal(object)
    progress = Signal(object, float, str, object)
    message = Signal(object, str)
    succeeded = Signal(object, object)
    failed = Signal(object, str)
    cancelled = Signal(object)
    jobFinished = Signal(object)

    def __init__(
        self,
        library: Library,
        parent: QObject | None = None,
        *,
        apply_changes: Callable[[Changes], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self._library = library
        self._apply_changes = apply_changes
        self._running: dict[str, Job] = {}  # lane -> its running job
        self._queue: list[Job] = []
        self._ended: list[Job] = []

    # -- state ------------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """Whether any job runs."""
        return bool(self._running)

    def running(self) -> list[Job]:
        """The running jobs, oldest first."""
        return list(self._running.values())

    def queued(self) -> list[Job]:
        return list(self._queue)

    def ended(self) -> list[Job]:
        """The jobs that ended this session (done, failed or cancelled), oldest first."""
        return list(self._ended)

    def all_jobs(self) -> list[Job]:
        """Running, then queued, then ended jobs (what the jobs list shows)."""
        return [*self.running(), *self._queue, *reversed(self._ended)]

    def latest_for(self, project_id: str | None) -> Job | None:
        """What a panel of ``project_id`` shows: its running job, else its first queued one,
        else the last one that ended."""
        running = self.job_for(project_id)
        if running is not None:
            return running
        queued = next((j for j in self._queue if j.project_id == project_id), None)
        if queued is not None:
            return queued
        return next((j for j in reversed(self._ended) if j.project_id == project_id), None)

    def waiting_for(self, job: Job) -> Job | None:
        """The running job a queued ``job`` waits for (None: it waits for nothing running)."""
        op = job.op
        for running in self._running.values():
            if (
                running.op.lane == op.lane
                or (op.limit is not None and running.op.limit == op.limit)
                or running.op.is_exclusive
                or op.is_exclusive
            ):
                return running
        return None

    def clear_finished(self) -> None:
        """Forget the jobs that ended (the jobs list's "Clear finished")."""
        self._ended.clear()
        self.changed.emit()

    def job_for(self, project_id: str | None) -> Job | None:
        """The running job of ``project_id`` (None: of no project), if any."""
        return next((j for j in self._running.values() if j.project_id == project_id), None)

    def busy_for(self, project_id: str | None) -> bool:
        """Whether a job of ``project_id`` runs or waits in the queue."""
        return self.job_for(project_id) is not None or any(
            j.project_id == project_id for j in self._queue
        )

    # -- control ----------------------------------------------------------------------------------
    def run(self, op: Op[Any], *, queue: bool = False) -> Job | None:
        """Start ``op`` now if its lane is free; else queue it (``queue``) or refuse (None)."""
        job = Job(self, op)
        if self._can_start(op) and not self._queued_ahead(op):
            self._start(job)
            return job
        if not queue:
            return None
        self._queue.append(job)
        log.info("job queued: %s", job.label)
        self.changed.emit()
        return job

    def cancel(self, job: Job | None = None) -> None:
        """Stop ``job`` (running or queued); without one, every job and the whole queue."""
        if job is None:
            for waiting in list(self._queue):
                self._drop_queued(waiting)
            for running in self.running():
                running.cancel()
        elif job in self._queue:
            self._drop_queued(job)
        else:
            job.cancel()

    def cancel_project(self, project_id: str | None, *, escape: bool = False) -> None:
        """Stop the jobs of ``project_id`` (running and queued); ``escape``: only those Esc
        may stop (``Op.escape_cancels``)."""
        for job in [*self._queue, *self.running()]:
            if job.project_id == project_id and (job.op.escape_cancels or not escape):
                self.cancel(job)

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Cancel and block until every worker ends: only for tear-down when no loop runs."""
        self.cancel()
        return all(job.wait(timeout_ms) for job in self.running())

    # -- internals --------------------------------------------------------------------------------
    def _can_start(self, op: Op[Any]) -> bool:
        if any(job.op.is_exclusive for job in self._running.values()):
            return False
        if op.is_exclusive:
            return not self._running
        if op.limit is not None and any(j.op.limit == op.limit for j in self._running.values()):
            return False
        return op.lane not in self._running

    def _queued_ahead(self, op: Op[Any]) -> bool:
        """Whether a job queued earlier waits for the same lane or limit (first come, first
        served: a new render never overtakes one that waits)."""
        return any(
            j.op.lane == op.lane or (op.limit is not None and j.op.limit == op.limit)
            for j in self._queue
        )

    def _drop_queued(self, job: Job) -> None:
        """A queued job cancelled before it started: it ends as cancelled, callbacks and all."""
        self._queue.remove(job)
        job.state = "cancelled"
        job.ended_at = time.monotonic()
        self._ended.append(job)
        self.cancelled.emit(job)
        for on_cancel in job.op.on_cancel:
            on_cancel()
        for on_end in job.op.on_end:
            on_end()
        self.jobFinished.emit(job)
        self.changed.emit()

    def _start(self, job: Job) -> None:
        was_busy = self.busy
        self._running[job.op.lane] = job
        log.info("job started: %s", job.label)
        if not was_busy:
            self.busyChanged.emit(True)
        job.state = "running"
        job.started_at = time.monotonic()
        self.jobStarted.emit(job)
        job.start(self._library.close_thread_connection)
        self.changed.emit()

    def _job_ended(self, job: Job) -> None:
        """Free the lane, broadcast the changes once, tell the op, then start what waits."""
        if self._running.get(job.op.lane) is job:
            del self._running[job.op.lane]
        status, value = job.outcome()
        op = job.op
        job.state = _ENDED_AS[status]
        job.ended_at = time.monotonic()
        self._ended.append(job)
        if status == "returned":
            assert isinstance(value, Done)
            self._broadcast(value.changes)
            self.succeeded.emit(job, value.value)
            for on_success in op.on_success:
                on_success(value.value)
        elif status == "errored":
            assert isinstance(value, BaseException)
            self._broadcast(op.changes_when_stopped)
            self.failed.emit(job, human_message(value))
            for on_failure in op.on_failure:
                on_failure(value)
        else:
            self._broadcast(op.changes_when_stopped)
            self.cancelled.emit(job)
            for on_cancel in op.on_cancel:
                on_cancel()
        for on_end in op.on_end:
            on_end()
        self.jobFinished.emit(job)
        self._start_queued()
        self.changed.emit()
        if not self.busy:
            self.busyChanged.emit(False)

    def _broadcast(self, changes: Changes) -> None:
        if self._apply_changes is not None and not changes.is_empty:
            self._apply_changes(changes)

    def _start_queued(self) -> None:
        for job in list(self._queue):
            if self._can_start(job.op):
                self._queue.remove(job)
                self._start(job)


__all__ = ["Job", "JobRunner", "JobState"]

"""One pipeline job at a time per window: start, watch, cancel, wait for it to end.

Panels start jobs through a ``JobRunner`` they are given; the runner owns the single
:class:`~studio.gui.workers.Worker` and re-emits its signals with the job's kind and project, so
the render panel, the scene editor and the status bar all see the same job.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from studio.gui.workers import Worker, WorkFn
from studio.store import Library

log = logging.getLogger(__name__)
_NO_RESULT = object()


@dataclass(frozen=True)
class JobInfo:
    """What is running: ``kind`` ("render", "voice", "script" ...), for which project."""

    kind: str
    label: str
    project_id: str | None


class JobRunner(QObject):
    """Runs at most one worker; refuses a second job while one runs.

    Signals:
        busyChanged(bool): a job started (True) or ended (False).
        jobStarted(object): the JobInfo of the job that started.
        progress(float, str, object): fraction, stage, ETA seconds (or None).
        message(str): a note from the job.
        succeeded(object, object): the JobInfo and the job's result.
        failed(object, str): the JobInfo and the human message.
        cancelled(object): the JobInfo of a job that stopped on request.
        jobFinished(object): the JobInfo, after its thread has ended.

    Attributes:
        current: the running job's JobInfo, or None.
    """

    busyChanged = Signal(bool)
    jobStarted = Signal(object)
    progress = Signal(float, str, object)
    message = Signal(str)
    succeeded = Signal(object, object)
    failed = Signal(object, str)
    cancelled = Signal(object)
    jobFinished = Signal(object)

    def __init__(self, library: Library, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._library = library
        self._worker: Worker | None = None
        self._result: object = _NO_RESULT
        self._on_success: Callable[[Any], None] | None = None
        self.current: JobInfo | None = None

    @property
    def busy(self) -> bool:
        return self._worker is not None

    def start(
        self,
        kind: str,
        label: str,
        fn: WorkFn,
        *,
        project_id: str | None = None,
        on_success: Callable[[Any], None] | None = None,
    ) -> bool:
        """Start ``fn(reporter, cancel)`` in a worker; False (and nothing started) if busy.

        ``on_success(result)`` runs after the worker's thread has ended and the runner is idle
        again, so it may start the next job (create the sample, then render it).
        """
        if self._worker is not None:
            return False
        # Bound methods only: a lambda holding the worker, connected to the worker's own
        # signals, crashes PySide6 when the worker is deleted.
        worker = Worker(fn, name=label, on_thread_exit=self._library.close_thread_connection,
                        parent=self)
        worker.progress.connect(self.progress)
        worker.message.connect(self.message)
        worker.returned.connect(self._returned)
        worker.errored.connect(self._errored)
        worker.aborted.connect(self._aborted)
        worker.finished.connect(self._finished)
        self._worker = worker
        self._result = _NO_RESULT
        self._on_success = on_success
        self.current = JobInfo(kind, label, project_id)
        self.busyChanged.emit(True)
        self.jobStarted.emit(self.current)
        worker.start()
        return True

    def cancel(self) -> None:
        """Ask the running job to stop (no-op when idle)."""
        if self._worker is not None:
            self._worker.cancel()

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Cancel and block until the worker ends: only for tear-down when no loop runs."""
        worker = self._worker
        if worker is None:
            return True
        worker.cancel()
        return worker.wait(timeout_ms)

    def _returned(self, result: object) -> None:
        self._result = result
        if self.current is not None:
            self.succeeded.emit(self.current, result)

    def _errored(self, message: str) -> None:
        if self.current is not None:
            self.failed.emit(self.current, message)

    def _aborted(self) -> None:
        if self.current is not None:
            self.cancelled.emit(self.current)

    def _finished(self) -> None:
        worker, info = self._worker, self.current
        result, on_success = self._result, self._on_success
        self._worker, self.current = None, None
        self._result, self._on_success = _NO_RESULT, None
        if worker is not None:
            worker.deleteLater()
        if info is not None:
            self.jobFinished.emit(info)
        self.busyChanged.emit(False)
        if result is not _NO_RESULT and on_success is not None:
            on_success(result)

"""A batch as one of the window's jobs: the work a worker runs, and the engine's listener as
signals.

:func:`batch_work` runs :func:`studio.pipeline.batch.run_batch` on the job's worker thread (the
engine makes its rows on threads of its own); the engine reports through a
:class:`~studio.pipeline.batch.BatchListener`, here :class:`BatchBridge`, whose methods, called
from those threads, only emit signals: the queue view hears them queued, on the GUI thread. The
job's own progress (status bar, jobs list) is the share of the batch's videos made.
"""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QObject, Signal

from studio.gui.workers import PROGRESS_INTERVAL_S, SignalReporter, WorkFn
from studio.pipeline import batch
from studio.pipeline.batch import BatchListener, BatchSummary, Manifest, RowOutcome
from studio.pipeline.changes import Changes, Done
from studio.pipeline.request import RunRequest
from studio.progress import CancelToken
from studio.secrets import get_groq_key
from studio.store import Library

#: Row states that end a row's run (its share of the batch counts as made).
ENDED = ("done", "failed", "cancelled")
#: What a batch may have changed even when stopped: projects made by its finished rows.
BATCH_CHANGES = Changes(project_list=True)


class BatchBridge(QObject):
    """The batch engine's listener, turned into signals (its methods are thread-safe).

    A row's progress reports closer together than ``PROGRESS_INTERVAL_S`` are coalesced (a
    stage change and the end always pass), so rows rendering at once cannot flood the GUI.

    Signals:
        rowChanged(object): a row's new :class:`~studio.pipeline.batch.RowOutcome`.
        rowProgress(int, float, str, object): row number, fraction, stage, ETA seconds or None.
        rowMessage(int, str): row number, a note from its run ("Using the draft voice").
    """

    rowChanged = Signal(object)
    rowProgress = Signal(int, float, str, object)
    rowMessage = Signal(int, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._last: dict[int, tuple[float, str]] = {}

    def row_changed(self, outcome: RowOutcome) -> None:
        self.rowChanged.emit(outcome)

    def row_progress(
        self, number: int, fraction: float, stage: str, eta_seconds: float | None
    ) -> None:
        now = time.monotonic()
        with self._lock:
            last_time, last_stage = self._last.get(number, (0.0, ""))
            if stage == last_stage and fraction < 1.0 and now - last_time < PROGRESS_INTERVAL_S:
                return
            self._last[number] = (now, stage)
        self.rowProgress.emit(number, float(fraction), stage, eta_seconds)

    def row_message(self, number: int, text: str) -> None:
        self.rowMessage.emit(number, text)


class _JobProgress:
    """Forwards the engine's reports to the bridge, and tells the job how much of the batch is
    made (each row counts its own fraction; an ended row counts whole)."""

    def __init__(self, bridge: BatchListener, reporter: SignalReporter, total: int) -> None:
        self._bridge = bridge
        self._reporter = reporter
        self._total = max(1, total)
        self._lock = threading.Lock()
        self._fractions: dict[int, float] = {}

    def row_changed(self, outcome: RowOutcome) -> None:
        self._bridge.row_changed(outcome)
        self._set(outcome.number, 1.0 if outcome.status in ENDED else None)

    def row_progress(
        self, number: int, fraction: float, stage: str, eta_seconds: float | None
    ) -> None:
        self._bridge.row_progress(number, fraction, stage, eta_seconds)
        self._set(number, fraction)

    def row_message(self, number: int, text: str) -> None:
        self._bridge.row_message(number, text)

    def _set(self, number: int, fraction: float | None) -> None:
        with self._lock:
            if fraction is not None:
                self._fractions[number] = min(1.0, max(0.0, fraction))
            made = sum(self._fractions.values()) / self._total
            whole = sum(1 for value in self._fractions.values() if value >= 1.0)
        self._reporter.progress(made, f"Batch: {whole} of {self._total} videos", None)


def batch_work(library: Library, manifest: Manifest, parallel: int, bridge: BatchBridge
               ) -> WorkFn:
    """Make ``manifest``'s videos, ``parallel`` at a time (rows finished in an earlier run are
    kept); returns the :class:`~studio.pipeline.batch.BatchSummary`. Cancelled, the job ends
    cancelled: the rows already told the queue how they stand."""

    def work(reporter: SignalReporter, cancel: CancelToken) -> Done[BatchSummary]:
        reporter.progress(0.0, f"Batch: 0 of {len(manifest.rows)} videos", None)
        request = RunRequest.from_library(library, groq_key=get_groq_key())
        listener = _JobProgress(bridge, reporter, len(manifest.rows))
        summary = batch.run_batch(library, manifest, run=request, jobs=parallel,
                                  listener=listener, cancel=cancel)
        cancel.raise_if_cancelled()  # the engine returns its summary; the job was cancelled
        return Done(summary, BATCH_CHANGES)

    return work


__all__ = ["BATCH_CHANGES", "ENDED", "BatchBridge", "batch_work"]

"""Background work for the GUI: one QThread per job, results back by signals.

Modelled on superqt's ``WorkerBase``: a worker runs one function off the GUI thread and
reports through signals only; it never touches a widget. Cancellation is cooperative: the
function receives a :class:`~studio.progress.CancelToken`, which the pipeline checks between
steps (and which kills a running ffmpeg). A failure arrives as the exception object itself (a
:class:`~studio.errors.StudioError`, or the bug); :func:`human_message` turns it into what the
creator reads: a known failure's message, or for a bug a short apology, its traceback going to the
log, never to the screen.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from studio.errors import Cancelled, StudioError
from studio.progress import CancelToken

log = logging.getLogger(__name__)

#: What a worker runs: ``fn(reporter, cancel) -> result`` (on the worker thread).
WorkFn = Callable[["SignalReporter", CancelToken], Any]

BUG_MESSAGE = "Something went wrong inside Studio (a bug). The details are in the log."
#: Progress reports closer together than this are coalesced (stage changes always pass).
PROGRESS_INTERVAL_S = 0.05


def human_message(error: BaseException) -> str:
    """What the creator reads about ``error``: a known failure's message, else BUG_MESSAGE."""
    return error.message if isinstance(error, StudioError) else BUG_MESSAGE


class SignalReporter:
    """The pipeline's ``Reporter`` protocol, turned into a worker's signals (thread-safe).

    Reports that arrive faster than the GUI could show them are coalesced, so a chatty
    stage (ffmpeg prints every frame) cannot flood the GUI thread's event queue.
    """

    def __init__(self, worker: Worker) -> None:
        self._worker = worker
        self._last_emit = 0.0
        self._last_stage = ""

    def progress(self, fraction: float, stage: str, eta_seconds: float | None) -> None:
        now = time.monotonic()
        if (
            stage == self._last_stage
            and fraction < 1.0
            and now - self._last_emit < PROGRESS_INTERVAL_S
        ):
            return
        self._last_emit = now
        self._last_stage = stage
        self._worker.progress.emit(float(fraction), stage, eta_seconds)

    def message(self, text: str) -> None:
        self._worker.message.emit(text)


#: Niceness of a worker thread and of every process (ffmpeg) and thread it starts.
WORKER_NICENESS = 10


def _lower_thread_priority() -> None:
    """Run this worker thread (and the ffmpeg it spawns, which inherits it) below the GUI.

    On a 2-core machine a render keeps every core busy; without this the window's own
    thread waits for the scheduler and the GUI stutters. Linux niceness is per thread, so
    only the worker is lowered; elsewhere this is a no-op.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, max(os.getpriority(os.PRIO_PROCESS, tid),
                                                 WORKER_NICENESS))
    except OSError:
        log.debug("could not lower the worker thread's priority", exc_info=True)


class _Runner(QThread):
    """The thread a worker's function runs on."""

    def __init__(self, worker: Worker) -> None:
        super().__init__(worker)
        self._worker = worker

    def run(self) -> None:
        self._worker._execute()


class Worker(QObject):
    """Runs ``fn`` once on its own QThread.

    The worker object lives on the GUI thread; its signals are emitted from the worker
    thread and so reach GUI-thread receivers queued.

    Signals:
        started(): the function began running.
        progress(float, str, object): fraction 0..1, stage label, ETA seconds or None.
        message(str): a note for the creator (e.g. "Using the draft voice").
        returned(object): the function's result.
        errored(object): the exception that ended the work (a StudioError, or a bug).
        aborted(): the function stopped because it was cancelled.
        finished(): the thread has ended (after exactly one of returned/errored/aborted).

    Attributes:
        name: what the work is, for logs and the status bar.
        cancel_token: cancels the work when ``cancel()`` is called (from any thread).
    """

    started = Signal()
    progress = Signal(float, str, object)
    message = Signal(str)
    returned = Signal(object)
    errored = Signal(object)
    aborted = Signal()
    finished = Signal()

    def __init__(
        self,
        fn: WorkFn,
        *,
        name: str,
        on_thread_exit: Callable[[], None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.name = name
        self.cancel_token = CancelToken()
        self._fn = fn
        self._on_thread_exit = on_thread_exit
        self._runner = _Runner(self)
        self._runner.finished.connect(self._thread_finished)

    def start(self) -> None:
        self._runner.start()

    def cancel(self) -> None:
        """Ask the work to stop; ``aborted`` (or its real outcome) follows."""
        self.cancel_token.cancel()

    def is_running(self) -> bool:
        return self._runner.isRunning()

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until the thread ends (only for shutdown; the GUI normally waits by signal)."""
        return self._runner.wait() if timeout_ms < 0 else self._runner.wait(timeout_ms)

    # -- worker thread ---------------------------------------------------------------------------
    def _execute(self) -> None:
        _lower_thread_priority()
        self.started.emit()
        try:
            result = self._fn(SignalReporter(self), self.cancel_token)
        except Cancelled:
            self.aborted.emit()
        except StudioError as exc:
            log.info("%s failed: %s", self.name, exc.message)
            self.errored.emit(exc)
        except Exception as exc:
            log.exception("%s failed with a bug", self.name)
            self.errored.emit(exc)
        else:
            self.returned.emit(result)
        finally:
            if self._on_thread_exit is not None:
                try:
                    self._on_thread_exit()
                except Exception:
                    log.exception("cleaning up after %s failed", self.name)

    # -- GUI thread ------------------------------------------------------------------------------
    def _thread_finished(self) -> None:
        self._runner.wait()  # QThread.finished is emitted just before the thread really ends
        self.finished.emit()

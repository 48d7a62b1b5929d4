"""Running a pipeline job: the ``jobs`` row, progress with ETA, cancellation, outcome.

Every stage reports through a ``JobContext``; the row in ``jobs`` is the truth the CLI, the GUI
and a later ``studio resume`` read.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from studio.errors import Cancelled, StudioError, known_os_error
from studio.progress import CancelToken, EtaEstimator, StagePlan
from studio.store import Library
from studio.store.models import Job, Project

log = logging.getLogger(__name__)

DB_WRITE_INTERVAL_S = 0.5


class Reporter(Protocol):
    """Where a job's progress goes (the console, or a Qt worker's signals)."""

    def progress(self, fraction: float, stage: str, eta_seconds: float | None) -> None: ...

    def message(self, text: str) -> None: ...


class NullReporter:
    def progress(self, fraction: float, stage: str, eta_seconds: float | None) -> None:
        pass

    def message(self, text: str) -> None:
        pass


class JobContext:
    """A running job: report progress, check cancellation.

    Attributes:
        job: the ``jobs`` row.
        cancel: the token every long step checks (ffmpeg and TTS stop on it).
    """

    def __init__(self, library: Library, job: Job, reporter: Reporter, cancel: CancelToken):
        self.library = library
        self.job = job
        self.reporter = reporter
        self.cancel = cancel
        self._eta = EtaEstimator(time.monotonic())
        self._last_write = 0.0
        self._fraction = 0.0

    def progress(self, fraction: float, stage: str) -> None:
        fraction = max(self._fraction, min(1.0, fraction))  # never runs backwards
        self._fraction = fraction
        now = time.monotonic()
        self.reporter.progress(fraction, stage, self._eta.estimate(fraction, now))
        if now - self._last_write >= DB_WRITE_INTERVAL_S:
            self._last_write = now
            self.library.update_job(self.job, fraction, stage)

    def begin(
        self, plan: StagePlan, stage: str, *, cost: float | None = None
    ) -> tuple[float, float]:
        """Start ``stage`` of ``plan`` where the job is: its span of the bar.

        The ETA then follows the stage's own pace (``EtaEstimator.begin_stage``).
        """
        start, end = plan.span(stage, at=self._fraction, cost=cost)
        self._eta.begin_stage(start, time.monotonic())
        return start, end

    @property
    def fraction(self) -> float:
        """How much of the job is done (0..1), as last reported."""
        return self._fraction

    def message(self, text: str) -> None:
        log.info("%s", text)
        self.reporter.message(text)

    def check(self) -> None:
        self.cancel.raise_if_cancelled()


@contextmanager
def run_job(
    library: Library,
    project: Project | None,
    kind: str,
    *,
    reporter: Reporter | None = None,
    cancel: CancelToken | None = None,
) -> Iterator[JobContext]:
    """Record a job around a block: completed, failed (with the human message) or cancelled."""
    job = library.start_job(project, kind)
    context = JobContext(library, job, reporter or NullReporter(), cancel or CancelToken())
    try:
        yield context
    except Cancelled:
        library.finish_job(job, "cancelled", "Cancelled by the creator")
        raise
    except KeyboardInterrupt:
        library.finish_job(job, "cancelled", "Cancelled by the creator")
        raise
    except StudioError as exc:
        library.finish_job(job, "failed", exc.message)
        raise
    except OSError as exc:  # a full disk or a locked folder: the creator's to fix, not a bug
        known = known_os_error(exc)
        if known is None:
            library.finish_job(job, "failed", f"Unexpected error ({type(exc).__name__}): {exc}")
            raise
        library.finish_job(job, "failed", known.message)
        raise known from exc
    except BaseException as exc:
        library.finish_job(job, "failed", f"Unexpected error ({type(exc).__name__}): {exc}")
        raise
    else:
        library.finish_job(job, "completed")

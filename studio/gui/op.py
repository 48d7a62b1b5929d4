"""A background operation described once: what it does, for which project, who hears the outcome.

Modelled on Anki's ``CollectionOp(parent, op).success(...).failure(...)``: the common case is one
readable line, ::

    Op("Rendering “Bees”", operations.render(library, pid), project_id=pid) \\
        .success(self._rendered).failure(self._render_failed).run_on(jobs)

The function runs on a worker thread and returns a :class:`~studio.pipeline.changes.Done` (its
typed result and the :class:`~studio.pipeline.changes.Changes` it made); the runner broadcasts
the changes once through the workspace, then calls the callbacks here on the GUI thread.
``failure`` receives the exception object itself (a ``StudioError``, or the bug): show it with
:func:`~studio.gui.workers.human_message`. Don't call UI routines in the function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from studio.pipeline.changes import NO_CHANGES, Changes

if TYPE_CHECKING:
    from studio.gui.job_runner import Job, JobRunner
    from studio.gui.workers import WorkFn

_T = TypeVar("_T")
#: The lane of jobs that belong to no project (the sample, importing, downloading voices).
LIBRARY_LANE = "library"
#: What closing the window keeps when it stops an operation that doesn't say otherwise.
DEFAULT_CLOSE_NOTE = "Everything saved so far is kept."

ProgressFn = Callable[[float, str, "float | None"], None]


class Op(Generic[_T]):
    """One operation to run on a :class:`~studio.gui.job_runner.JobRunner`.

    Attributes:
        label: what it does, for the status bar and logs ("Rendering “Bees”").
        fn: ``fn(reporter, cancel) -> Done[T]`` run on the worker thread (a bare value counts as
            a result that changed nothing).
        project_id: the project it works on (None: the library as a whole).
        kind: a short name for logs and tests; never branch on it (use the callbacks).
        lane: jobs of one lane run one at a time (default: the project's, else the library's).
        limit: jobs sharing a limit run one at a time whatever their lane (renders: each keeps
            both cores busy, so a second one waits instead of halving the speed of both).
        is_exclusive: runs only when no other job runs, and no job starts while it runs.
        changes_when_stopped: what a failed or cancelled run may still have changed.
        close_note: what closing the window mid-way keeps, told before stopping it.
        escape_cancels: whether Esc ("Cancel job") stops it; a long job with its own Cancel
            button (a batch) is not stopped by a stray key press.
    """

    def __init__(
        self,
        label: str,
        fn: WorkFn,
        *,
        project_id: str | None = None,
        kind: str = "",
        lane: str | None = None,
    ) -> None:
        self.label = label
        self.fn = fn
        self.project_id = project_id
        self.kind = kind
        self.lane = lane or project_id or LIBRARY_LANE
        self.limit: str | None = None
        self.is_exclusive = False
        self.changes_when_stopped: Changes = NO_CHANGES
        self.close_note = DEFAULT_CLOSE_NOTE
        self.escape_cancels = True
        self.on_success: list[Callable[[Any], None]] = []
        self.on_failure: list[Callable[[BaseException], None]] = []
        self.on_cancel: list[Callable[[], None]] = []
        self.on_progress: list[ProgressFn] = []
        self.on_message: list[Callable[[str], None]] = []
        self.on_end: list[Callable[[], None]] = []

    # -- builders (each returns the op, so they chain) ---------------------------------------------
    def success(self, callback: Callable[[_T], None]) -> Op[_T]:
        """Call ``callback(result)`` after the changes were broadcast."""
        self.on_success.append(callback)
        return self

    def failure(self, callback: Callable[[BaseException], None]) -> Op[_T]:
        """Call ``callback(exception)``: a StudioError, or the bug (logged already)."""
        self.on_failure.append(callback)
        return self

    def cancelled(self, callback: Callable[[], None]) -> Op[_T]:
        """Call ``callback()`` when the operation stopped because it was cancelled."""
        self.on_cancel.append(callback)
        return self

    def always(self, callback: Callable[[], None]) -> Op[_T]:
        """Call ``callback()`` once it ended, however (after the outcome's own callback)."""
        self.on_end.append(callback)
        return self

    def with_progress(self, callback: ProgressFn) -> Op[_T]:
        """Call ``callback(fraction, stage, eta_seconds)`` as the work reports progress."""
        self.on_progress.append(callback)
        return self

    def with_messages(self, callback: Callable[[str], None]) -> Op[_T]:
        """Call ``callback(text)`` for each note the work sends ("Using the draft voice")."""
        self.on_message.append(callback)
        return self

    def exclusive(self) -> Op[_T]:
        """Run alone (clean-up: it must not race a job writing the files it deletes)."""
        self.is_exclusive = True
        return self

    def one_at_a_time(self, limit: str) -> Op[_T]:
        """Run only when no other job of ``limit`` runs, in any project (renders)."""
        self.limit = limit
        return self

    def may_change_when_stopped(self, changes: Changes) -> Op[_T]:
        """Broadcast ``changes`` even if the work fails or is cancelled part-way."""
        self.changes_when_stopped = changes
        return self

    def keeps_on_close(self, note: str) -> Op[_T]:
        """What stopping it to close the window keeps (shown in the question)."""
        self.close_note = note
        return self

    def not_cancelled_by_escape(self) -> Op[_T]:
        """Only its own Cancel button stops it, not Esc (see ``escape_cancels``)."""
        self.escape_cancels = False
        return self

    def run_on(self, runner: JobRunner, *, queue: bool = False) -> Job | None:
        """Start on ``runner`` (see :meth:`JobRunner.run`); None if refused."""
        return runner.run(self, queue=queue)


__all__ = ["DEFAULT_CLOSE_NOTE", "LIBRARY_LANE", "Op"]

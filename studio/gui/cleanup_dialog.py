"""File → Clean up…: the clean-up's dry run as a list, then, after asking, the deletion.

Both the scan and the deletion run as jobs on the window's ``JobRunner`` (off the GUI thread,
one job at a time, shown in the status bar). The deletion deletes exactly the listed items
that are still orphaned (see ``studio.store.housekeeping``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.gui.dialogs import BUSY, ask
from studio.gui.job_runner import JobRunner
from studio.gui.op import Op
from studio.gui.qt_helpers import named, read_only_table
from studio.gui.workers import SignalReporter, human_message
from studio.progress import CancelToken
from studio.store import Library
from studio.store.housekeeping import (
    DEFAULT_OLDER_THAN_DAYS,
    KIND_PROJECT,
    CleanupPlan,
    CleanupResult,
    OrphanFile,
    StaleJob,
    format_bytes,
    plan_cleanup,
    run_cleanup,
)

COLUMNS = ("Project", "What", "Size", "Age", "Reason")
SCAN_KIND, CLEAN_KIND = "clean-scan", "clean"


def _age(days: float) -> str:
    if days >= 2:
        return f"{days:.0f} days"
    return f"{days * 24:.0f} hours"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


class CleanupDialog(QDialog):
    """What a clean-up would delete, and a button that deletes it after asking.

    Signals:
        planReady(object): a scan finished and its CleanupPlan is listed.
        cleaned(object): the deletion finished; its CleanupResult is listed.

    Attributes:
        plan: the listed plan (None while scanning, and after deleting).
        last_result: the last deletion's result (None before one).
        older_than: the age spin box (days); table: the list; status: the summary line.
    """

    planReady = Signal(object)
    cleaned = Signal(object)

    def __init__(self, library: Library, jobs: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cleanupDialog")
        self.setWindowTitle("Clean up")
        self.resize(820, 480)
        self._library = library
        self._jobs = jobs
        self.plan: CleanupPlan | None = None
        self.last_result: CleanupResult | None = None
        intro = QLabel(
            "Old failed jobs, and media files no project uses any more: scene audio, visuals "
            "and renders that were replaced or deleted, temporary files of unfinished jobs, "
            "folders of deleted projects. Files a project uses are never listed, nor is "
            "anything of a project with a job running."
        )
        intro.setWordWrap(True)
        self.older_than = named(QSpinBox(), "olderThan")
        self.older_than.setRange(0, 3650)
        self.older_than.setValue(DEFAULT_OLDER_THAN_DAYS)
        self.older_than.setSuffix(" days")
        self.scan_button = named(QPushButton("Scan again"), "scanButton")
        self.scan_button.clicked.connect(self.scan)
        age_row = QHBoxLayout()
        age_row.addWidget(QLabel("Only what is older than"))
        age_row.addWidget(self.older_than)
        age_row.addWidget(self.scan_button)
        age_row.addStretch(1)
        self.table = read_only_table("cleanupTable", COLUMNS, stretch=1)
        self.status = named(QLabel(), "cleanupStatus")
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.delete_button = named(QPushButton("Delete…"), "deleteButton")
        self.delete_button.setEnabled(False)
        buttons.addButton(self.delete_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        self.delete_button.clicked.connect(self.delete)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(age_row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

    # -- scanning ---------------------------------------------------------------------------------
    def scan(self) -> bool:
        """List what would be deleted (a job); False if another job is running."""
        if self._jobs.busy:
            self.status.setText(BUSY)
            return False
        library, days = self._library, float(self.older_than.value())

        def work(reporter: SignalReporter, cancel: CancelToken) -> CleanupPlan:
            reporter.progress(0.0, "Looking for files to clean up", None)
            return plan_cleanup(library, days)

        self.plan = None
        self._set_rows([])
        self.delete_button.setEnabled(False)
        self.status.setText("Looking for files to clean up…")
        return self._run(
            Op("Looking for files to clean up", work, kind=SCAN_KIND).success(self._show_plan)
        )

    def _show_plan(self, plan: CleanupPlan) -> None:
        self.plan = plan
        self._set_rows([*plan.files, *plan.jobs])
        if plan.is_empty:
            text = f"Nothing older than {plan.older_than_days:g} days to clean up."
        else:
            text = (
                f"{_plural(len(plan.files), 'item')} ({format_bytes(plan.total_bytes)}) and "
                f"{_plural(len(plan.jobs), 'old job')} can go."
            )
        for name in plan.busy_projects:
            text += f" “{name}” was skipped: one of its jobs is running."
        self.status.setText(text)
        self.delete_button.setEnabled(not plan.is_empty)
        self.planReady.emit(plan)

    # -- deleting ---------------------------------------------------------------------------------
    def delete(self) -> bool:
        """Ask, then delete the listed items (a job); False if nothing was started."""
        plan = self.plan
        if plan is None or plan.is_empty:
            return False
        question = (
            f"Delete {_plural(len(plan.files), 'item')} ({format_bytes(plan.total_bytes)}) "
            f"and {_plural(len(plan.jobs), 'old job')}? This cannot be undone."
        )
        if not ask(self, "Delete these files?", question, "Delete", "Keep them"):
            return False
        if self._jobs.busy:
            self.status.setText(BUSY)
            return False
        library = self._library

        def work(reporter: SignalReporter, cancel: CancelToken) -> CleanupResult:
            reporter.progress(0.0, "Cleaning up", None)
            return run_cleanup(library, plan)

        self.delete_button.setEnabled(False)
        self.status.setText("Deleting…")
        return self._run(Op("Cleaning up", work, kind=CLEAN_KIND).success(self._show_result))

    def _run(self, op: Op[Any]) -> bool:
        """Run ``op`` alone (no job may write what the clean-up lists or deletes)."""
        started = op.exclusive().failure(self._failed).run_on(self._jobs) is not None
        if not started:
            self.status.setText(BUSY)
        return started

    def _show_result(self, result: CleanupResult) -> None:
        self.plan, self.last_result = None, result
        self._set_rows([*result.files, *result.jobs])
        text = (
            f"Deleted {_plural(len(result.files), 'item')} ({format_bytes(result.freed_bytes)}) "
            f"and {_plural(len(result.jobs), 'old job')}."
        )
        if result.kept:
            text += " Kept, because it changed since the list was made: " + "; ".join(
                f"{what} ({why})" for what, why in result.kept
            )
        self.status.setText(text)
        self.cleaned.emit(result)

    def _failed(self, error: BaseException) -> None:
        self.status.setText(human_message(error))

    # -- the list ---------------------------------------------------------------------------------
    def _set_rows(self, items: list[OrphanFile | StaleJob]) -> None:
        """One row per item: project, what (the full path as its tooltip), size, age, reason."""
        self.table.setRowCount(len(items))
        for row, item in enumerate(items):
            if isinstance(item, OrphanFile):
                cells = (
                    item.project or "(none)",
                    _where(item, self._library.home.projects_dir),
                    format_bytes(item.size),
                    _age(item.age_days),
                    item.reason,
                )
                tip = str(item.path)
            else:
                cells = (
                    item.project_name or "(none)",
                    f"{item.kind} job {item.id[:8]}",
                    "",
                    _age(item.age_days),
                    f"{item.status}: {item.error}" if item.error else item.status,
                )
                tip = item.id
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if column in (2, 3):
                    cell.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if column == 1:
                    cell.setToolTip(tip)
                self.table.setItem(row, column, cell)


def _where(item: OrphanFile, projects_dir: Path) -> str:
    """A file or empty folder inside its project's folder (``audio/x.wav``, ``visuals/ab/``);
    a project's folder as ``projects/<id>/``; anything else (scene previews) from the home."""
    try:
        parts = item.path.relative_to(projects_dir).parts
    except ValueError:
        try:
            return item.path.relative_to(projects_dir.parent).as_posix() + "/"
        except ValueError:
            return str(item.path)
    if item.kind == KIND_PROJECT:
        return f"projects/{parts[0]}/"
    return "/".join(parts[1:]) + ("/" if item.is_folder else "")


def show_cleanup(library: Library, jobs: JobRunner, parent: QWidget) -> CleanupDialog:
    """Open ``parent``'s clean-up dialog (made once) and start a fresh scan; return it."""
    dialog = parent.findChild(CleanupDialog) or CleanupDialog(library, jobs, parent)
    dialog.open()
    dialog.scan()
    return dialog

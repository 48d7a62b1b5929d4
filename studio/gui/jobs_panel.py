"""The jobs list: every job of this session, running, queued, done or failed, with Cancel.

Each project's render panel shows that project's jobs only; jobs of no project (importing, the
clean-up, downloading voices) report where they were started. This list shows all of them in
one place: View → Jobs (Ctrl+J), or a click on the status bar's "2 jobs running". The wording
of a job's state (:func:`job_status`) is shared with the render panel, so a count or a reason
reads the same everywhere.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.errors import StudioError
from studio.gui.formatting import format_eta
from studio.gui.job_runner import Job, JobRunner
from studio.gui.qt_helpers import named
from studio.store import Library
from studio.text import one_line

COLUMNS = ("Job", "Project", "State", "Progress", "Time left", "")
STATE_WORDS = {
    "queued": "Queued",
    "running": "Running",
    "done": "Done",
    "failed": "Failed",
    "cancelled": "Cancelled",
}


def job_status(job: Job, runner: JobRunner) -> str:
    """One line on where ``job`` is: its stage and time left, why it waits, or how it ended."""
    if job.state == "queued":
        waiting = runner.waiting_for(job)
        return f"Queued: starts when {waiting.label} finishes" if waiting else "Queued"
    if job.state == "running":
        stage = job.stage or f"{job.label}…"
        eta = format_eta(job.eta)
        return f"{stage} — {eta}" if eta else stage
    if job.state == "done":
        return "Render finished" if job.kind == "render" else f"{job.label}: done"
    if job.state == "failed":
        return f"{job.label} failed"
    return f"{job.label}: cancelled"


def jobs_summary(runner: JobRunner) -> str:
    """The status bar's word on the jobs: "2 jobs running, 1 queued" ("" when none is)."""
    running, queued = len(runner.running()), len(runner.queued())
    parts = []
    if running:
        parts.append(f"{running} job{'s' if running != 1 else ''} running")
    if queued:
        parts.append(f"{queued} queued")
    return ", ".join(parts)


class JobsPanel(QWidget):
    """A table of this session's jobs, newest ended last, with Cancel per running/queued job.

    Attributes:
        table: one row per job (label, project, state, progress, time left, Cancel).
        clear_button: forgets the jobs that ended.
        dock, action, indicator: where the window shows it (set by ``install_jobs_panel``).
    """

    def __init__(self, jobs: JobRunner, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("jobsPanel")
        self._jobs = jobs
        self._library = library
        self._rows: list[Job] = []
        self._project_names: dict[str, str] = {}
        self.dock: QDialog | None = None
        self.action: QAction | None = None
        self.indicator: JobsIndicator | None = None
        self.table = named(QTableWidget(0, len(COLUMNS)), "jobsTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setMinimumHeight(60)
        self.empty = named(QLabel("No jobs yet in this session."), "jobsEmpty")
        self.clear_button = named(QPushButton("Clear finished"), "jobsClear")
        self.clear_button.clicked.connect(jobs.clear_finished)
        buttons = QHBoxLayout()
        buttons.addWidget(self.empty, 1)
        buttons.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        jobs.changed.connect(self.refresh)
        jobs.progress.connect(self._progress)
        self.refresh()

    def jobs(self) -> list[Job]:
        """The jobs in the table, top to bottom (tests read it)."""
        return list(self._rows)

    def refresh(self) -> None:
        """Redraw every row from the runner (a job was queued, started, ended or cleared)."""
        self._rows = self._jobs.all_jobs()
        self.table.setRowCount(len(self._rows))
        for row, job in enumerate(self._rows):
            self._fill(row, job)
            self._place_cancel(row, job)
        self.empty.setVisible(not self._rows)
        self.clear_button.setEnabled(bool(self._jobs.ended()))

    def _progress(self, job: Job, _fraction: float, _stage: str, _eta: object) -> None:
        if job in self._rows:
            self._fill(self._rows.index(job), job)

    def _fill(self, row: int, job: Job) -> None:
        done = 100 if job.state == "done" else int(job.fraction * 100)
        tip = job.error_message or job_status(job, self._jobs)
        cells = (
            one_line(job.label),
            self._project_name(job),
            STATE_WORDS[job.state],
            f"{done} %",
            format_eta(job.eta) if job.state == "running" else "",
        )
        for column, text in enumerate(cells):
            item = self.table.item(row, column)
            if item is None:
                item = QTableWidgetItem()
                self.table.setItem(row, column, item)
            item.setText(text)
            item.setToolTip(tip)

    def _place_cancel(self, row: int, job: Job) -> None:
        """Cancel in the job's row while it runs or waits; none once it ended."""
        column = len(COLUMNS) - 1
        current = self.table.cellWidget(row, column)
        if job.ended:
            if current is not None:
                self.table.removeCellWidget(row, column)
            return
        if current is not None and current.property("job") is job:
            return
        button = QPushButton("Cancel")
        button.setProperty("job", job)
        button.setToolTip(f"Stop “{one_line(job.label)}”")
        button.clicked.connect(lambda _checked=False, j=job: self._jobs.cancel(j))
        self.table.setCellWidget(row, column, button)

    def _project_name(self, job: Job) -> str:
        """The project's name when the job was first listed (it may be deleted since)."""
        project_id = job.project_id
        if not project_id:
            return ""
        if project_id not in self._project_names:
            try:
                self._project_names[project_id] = one_line(self._library.project(project_id).name)
            except StudioError:
                self._project_names[project_id] = ""
        return self._project_names[project_id]


class JobsIndicator(QToolButton):
    """The status bar's "2 jobs running, 1 queued": click it to open the jobs list."""

    def __init__(self, jobs: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("jobsIndicator")
        self.setAutoRaise(True)
        self.setToolTip("Show the jobs list (Ctrl+J)")
        self._jobs = jobs
        jobs.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        summary = jobs_summary(self._jobs)
        self.setText(summary)
        self.setVisible(bool(summary))


def install_jobs_panel(window: QMainWindow, jobs: JobRunner, library: Library) -> JobsPanel:
    """Add the jobs list to ``window``: a small non-modal panel of its own (so it never changes
    the window's size), View → Jobs (Ctrl+J) and the status bar's indicator; returns the panel."""
    panel = JobsPanel(jobs, library)
    dock = QDialog(window)
    dock.setObjectName("jobsWindow")
    dock.setWindowTitle("Jobs")
    dock.setModal(False)
    QVBoxLayout(dock).addWidget(panel)
    dock.resize(640, 260)
    action = QAction("&Jobs", window)
    action.setShortcut(QKeySequence("Ctrl+J"))
    action.setStatusTip("Running, queued and finished jobs, with Cancel")
    action.triggered.connect(lambda: show_jobs(dock))
    menus = window.menuBar().findChildren(QMenu)
    view_menu = next((menu for menu in menus if menu.title() == "&View"), None)
    if view_menu is not None:
        view_menu.addAction(action)
    window.addAction(action)  # the shortcut works with the menu closed
    indicator = JobsIndicator(jobs)
    indicator.clicked.connect(lambda: show_jobs(dock))
    window.statusBar().addPermanentWidget(indicator)
    panel.dock, panel.action, panel.indicator = dock, action, indicator
    return panel


def show_jobs(dock: QDialog) -> None:
    """Show the jobs list (non-modal) and bring it forward."""
    dock.show()
    dock.raise_()
    dock.activateWindow()


__all__ = ["JobsIndicator", "JobsPanel", "install_jobs_panel", "job_status", "jobs_summary"]

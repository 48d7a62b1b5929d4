"""The batch queue: one row per manifest row, while the batch runs and after it ended.

A non-modal window of its own (it never changes the main window's size): number, name, status,
a progress bar with the time left for running rows, the video's length, the error (its whole
text in the tooltip), and "Open video" / "Show project" once a row is done. Cancel batch stops
it (finished rows are kept); "Run again" reads the manifest again and continues the rest, as
``studio batch`` does after a crash or Ctrl-C. Each project a row makes is announced through
the workspace's change broadcast as the row starts and ends, so the project tree lists it
without waiting for the whole batch.

:class:`BatchLauncher` is what File → New batch… calls: the dialog, then this queue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from html import escape
from pathlib import Path

from PySide6.QtCore import QObject, QPoint, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.errors import StudioError
from studio.gui.batch_dialog import BatchDialog, row_name, tip
from studio.gui.batch_run import BATCH_CHANGES, ENDED, BatchBridge, batch_work
from studio.gui.formatting import format_duration, format_eta
from studio.gui.job_runner import Job, JobRunner
from studio.gui.op import Op
from studio.gui.qt_helpers import named, read_only_table
from studio.gui.render_panel import RENDER_LIMIT
from studio.gui.workers import human_message
from studio.gui.workspace import Workspace
from studio.pipeline import batch
from studio.pipeline.batch import BatchSummary, Manifest, RowOutcome
from studio.pipeline.changes import Changes
from studio.text import one_line

COLUMNS = ("#", "Video", "Status", "Progress", "Length", "Error", "")
NUMBER, NAME, STATUS, PROGRESS, LENGTH, ERROR, ACTIONS = range(len(COLUMNS))
STATUS_WORDS = {"pending": "Waiting", "running": "Making", "done": "Done", "failed": "Failed",
                "cancelled": "Cancelled"}
#: The lane of the batch job (one batch at a time; it runs beside a project's own jobs).
BATCH_LANE = "batch"
CLOSE_NOTE = "Finished videos are kept; New batch… with the same manifest continues the rest."

#: The queue window's size where there is room (a 1366 px laptop), narrower on smaller screens
#: and shorter for a few rows.
QUEUE_SIZE = (1080, 400)
#: The least rows' worth of height the queue opens with (a note and a summary fit beside).
MIN_ROWS = 3
#: Spare pixels under the last row (without them a vertical scroll bar shows up for nothing).
ROW_SLACK = 16
#: Room left under the queue at the bottom of its window (the status bar, a window frame).
BOTTOM_GAP = 40

PlayFn = Callable[[Path, str], None]


@dataclass(frozen=True)
class QueueRow:
    """What the queue shows of one manifest row (the engine's outcome plus live progress)."""

    number: int
    name: str
    status: str = "pending"
    fraction: float = 0.0
    stage: str = ""
    eta: float | None = None
    project_id: str | None = None
    video: Path | None = None
    duration: float | None = None
    error: str | None = None

    def told(self, outcome: RowOutcome) -> QueueRow:
        """This row as the engine now reports it."""
        return replace(
            self, status=outcome.status, project_id=outcome.project_id or self.project_id,
            name=one_line(outcome.project_name) if outcome.project_name else self.name,
            video=outcome.video_path, duration=outcome.duration, error=outcome.error,
            fraction=1.0 if outcome.status == "done" else self.fraction,
            eta=None if outcome.status in ENDED else self.eta)


def _status_text(row: QueueRow) -> str:
    """A running row's stage ("Rendering scenes"; its count is in the tooltip and the bar),
    else its state in a word."""
    if row.status == "running" and row.stage:
        return one_line(row.stage).split(" (")[0]
    return STATUS_WORDS[row.status]


def _progress_text(row: QueueRow) -> str:
    percent = f"{int(row.fraction * 100)} %"
    eta = format_eta(row.eta)
    return f"{percent} · {eta}" if row.status == "running" and eta else percent


class BatchQueue(QDialog):
    """The queue of one manifest's videos, with Cancel batch and Run again.

    Attributes:
        manifest, parallel: what runs, and how many videos at a time.
        job: the batch's job on the window's runner (None before the first start).
        table: one row per manifest row; summary: counts; note: the batch's own state or error.
        cancel_button, again_button: stop the batch; continue the rows not done.
    """

    def __init__(self, workspace: Workspace, jobs: JobRunner, manifest: Manifest, parallel: int,
                 parent: QWidget | None = None, *, play: PlayFn | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("batchQueue")
        self.setModal(False)
        self._workspace = workspace
        self._jobs = jobs
        self._play = play
        self.manifest = manifest
        self.parallel = parallel
        self.job: Job | None = None
        self._bridge = BatchBridge(self)
        self._bridge.rowChanged.connect(self._row_changed)
        self._bridge.rowProgress.connect(self._row_progress)
        self._rows: list[QueueRow] = []
        self._build()
        self._reset_rows()
        self._fit_to(parent)

    def _fit_to(self, parent: QWidget | None) -> None:
        """Wide enough for the names, never wider than the window it belongs to (1024 px
        laptops included); as tall as its rows (up to ``QUEUE_SIZE``'s height); and over the
        bottom of that window, so its preview (where Open video plays) and toolbar stay in
        sight above it."""
        room = parent.width() - 40 if parent is not None else QUEUE_SIZE[0]
        width = max(640, min(QUEUE_SIZE[0], room))
        height = min(QUEUE_SIZE[1], self._rows_height())
        self.resize(width, height)
        if parent is not None:
            top = max(0, parent.height() - height - BOTTOM_GAP)
            self.move(parent.mapToGlobal(QPoint((parent.width() - width) // 2, top)))

    def _rows_height(self) -> int:
        """The height that shows every row (and at least ``MIN_ROWS`` rows' worth)."""
        rows = max(MIN_ROWS, self.table.rowCount())
        table = (self.table.horizontalHeader().sizeHint().height()
                 + rows * self.table.verticalHeader().defaultSectionSize()
                 + 2 * self.table.frameWidth() + ROW_SLACK)
        layout = self.layout()
        others = layout.sizeHint().height() - self.table.sizeHint().height() if layout else 0
        return table + others

    # -- building ---------------------------------------------------------------------------------
    def _build(self) -> None:
        self.table = read_only_table("batchRows", COLUMNS, stretch=NAME)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(PROGRESS, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(ERROR, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(STATUS, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(STATUS, 170)
        self.table.setColumnWidth(PROGRESS, 160)
        self.table.setColumnWidth(ERROR, 130)
        self.heading = named(QLabel(), "batchHeading")
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary = named(QLabel(), "batchSummary")
        self.note = named(QLabel(), "batchNote")
        self.note.setWordWrap(True)
        self.cancel_button = named(QPushButton("Cancel batch"), "cancelBatch")
        self.cancel_button.clicked.connect(self.cancel)
        self.again_button = named(QPushButton("Run again"), "runBatchAgain")
        self.again_button.setToolTip("Continue the videos not made yet (finished ones are kept)")
        self.again_button.clicked.connect(self.run_again)
        close = QPushButton("Close")
        close.setToolTip("Hide this window (the batch goes on; View → Batch queue shows it again)")
        close.clicked.connect(self.hide)
        for button in (self.cancel_button, self.again_button, close):
            button.setAutoDefault(False)  # Enter in the table must not press Cancel batch
        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.again_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)
        layout.addLayout(buttons)

    # -- what tests and the launcher read ---------------------------------------------------------
    def rows(self) -> list[QueueRow]:
        return list(self._rows)

    def statuses(self) -> list[str]:
        return [row.status for row in self._rows]

    @property
    def running(self) -> bool:
        return self.job is not None and not self.job.ended

    # -- control ----------------------------------------------------------------------------------
    def start(self) -> bool:
        """Run the batch as a job (queued behind a render that runs); False if refused."""
        name = self.manifest.path.name
        self.setWindowTitle(f"Batch — {name}")
        at_a_time = f"{self.parallel} at a time"
        self.heading.setText(f"<b>{escape(name)}</b> — {len(self.manifest.rows)} videos, "
                             f"{at_a_time} · <span style='color: gray'>"
                             f"{escape(str(self.manifest.path.parent))}</span>")
        self.job = (
            Op(f"Batch “{name}”", batch_work(self._workspace.library, self.manifest,
                                             self.parallel, self._bridge),
               kind="batch", lane=BATCH_LANE)
            .one_at_a_time(RENDER_LIMIT)
            .may_change_when_stopped(BATCH_CHANGES)
            .keeps_on_close(CLOSE_NOTE)
            .not_cancelled_by_escape()
            .success(self._finished)
            .failure(self._failed)
            .cancelled(self._stopped)
            .always(self._ended)
            .run_on(self._jobs, queue=True)
        )
        self._show_state()
        return self.job is not None

    def cancel(self) -> None:
        """Stop the batch: running rows stop, finished ones are kept."""
        if self.job is not None and not self.job.ended:
            self.note.setText("Stopping… (finished videos are kept)")
            self._jobs.cancel(self.job)

    def run_again(self) -> bool:
        """Read the manifest again and continue the rows not done; False if it can't start."""
        if self.running:
            return False
        try:
            self.manifest = batch.load_manifest(self.manifest.path)
        except StudioError as exc:
            self._say(exc.message, error=True)
            return False
        self._reset_rows()
        return self.start()

    # -- the engine's reports (GUI thread) ---------------------------------------------------------
    def _row_changed(self, outcome: RowOutcome) -> None:
        index = self._index(outcome.number)
        if index is None:
            return
        before = self._rows[index]
        row = before.told(outcome)
        self._rows[index] = row
        self._fill(index)
        self._show_state()
        if row.project_id:
            self._announce(row, new=before.project_id != row.project_id)

    def _row_progress(self, number: int, fraction: float, stage: str, eta: object) -> None:
        index = self._index(number)
        if index is None:
            return
        row = self._rows[index]
        status = "running" if row.status == "pending" else row.status
        self._rows[index] = replace(row, status=status, fraction=fraction, stage=stage,
                                    eta=eta if isinstance(eta, (int, float)) else None)
        self._fill(index)

    def _announce(self, row: QueueRow, *, new: bool) -> None:
        """The project tree lists a row's project as it appears, and refreshes it once made."""
        assert row.project_id is not None
        if row.status == "done":
            pid = row.project_id
            self._workspace.apply(Changes.of(project_list=True, scenes=[pid], renders=[pid]))
        elif new:
            self._workspace.apply(Changes(project_list=True))

    # -- the job's end -----------------------------------------------------------------------------
    def _finished(self, summary: BatchSummary) -> None:
        """The engine's summary is the last word on every row."""
        for outcome in summary.rows:
            self._row_changed(outcome)
        if "cancelled" in self.statuses():
            self._stopped()
            return
        made = self.statuses().count("done")
        where = f" Summary: {summary.summary_path}" if summary.summary_path else ""
        self._say(f"Finished: {made} of {len(self._rows)} videos made.{where}",
                  error=made < len(self._rows))

    def _failed(self, error: BaseException) -> None:
        self._settle("failed", human_message(error))
        self._say(f"The batch stopped: {human_message(error)}", error=True)

    def _stopped(self) -> None:
        self._settle("cancelled", None)
        self._say("Cancelled. Finished videos are kept; Run again continues the rest.")

    def _ended(self) -> None:
        self._show_state()

    def _settle(self, status: str, error: str | None) -> None:
        """Rows the engine left running when the batch stopped end as ``status``."""
        for index, row in enumerate(self._rows):
            if row.status == "running":
                self._rows[index] = replace(row, status=status, eta=None,
                                            error=row.error or error)
                self._fill(index)

    # -- drawing ----------------------------------------------------------------------------------
    def _reset_rows(self) -> None:
        """One pending row per manifest row; rows already done keep what they showed."""
        done = {row.number: row for row in self._rows if row.status == "done"}
        self._rows = [done.get(row.number) or QueueRow(row.number, row_name(row))
                      for row in self.manifest.rows]
        self.table.setRowCount(len(self._rows))
        for index in range(len(self._rows)):
            self._fill(index)
        self.note.clear()
        self._show_state()

    def _index(self, number: int) -> int | None:
        return next((i for i, row in enumerate(self._rows) if row.number == number), None)

    def _fill(self, index: int) -> None:
        row = self._rows[index]
        error = one_line(row.error) if row.error else ""
        cells = {NUMBER: str(row.number), NAME: row.name, STATUS: _status_text(row),
                 LENGTH: format_duration(row.duration) if row.status == "done" else "",
                 ERROR: error}
        tips = {NAME: row.name, STATUS: row.stage or STATUS_WORDS[row.status],
                ERROR: row.error or ""}
        for column, text in cells.items():
            item = self.table.item(index, column)
            if item is None:
                item = QTableWidgetItem()
                self.table.setItem(index, column, item)
            item.setText(text)
            item.setToolTip(tip(tips.get(column, "")))
        self._progress_bar(index).setValue(int(row.fraction * 1000))
        self._progress_bar(index).setFormat(_progress_text(row))
        self._place_actions(index, row)

    def _progress_bar(self, index: int) -> QProgressBar:
        bar = self.table.cellWidget(index, PROGRESS)
        if isinstance(bar, QProgressBar):
            return bar
        bar = QProgressBar()
        bar.setRange(0, 1000)
        bar.setTextVisible(True)
        self.table.setCellWidget(index, PROGRESS, bar)
        return bar

    def _place_actions(self, index: int, row: QueueRow) -> None:
        """"Open video" and "Show project" once the row is done; nothing before."""
        current: QWidget | None = self.table.cellWidget(index, ACTIONS)
        wanted = row.status == "done" and row.project_id is not None
        if current is not None and (not wanted or current.property("row") != row.number):
            self.table.removeCellWidget(index, ACTIONS)
            current = None
        if not wanted or current is not None:
            return
        cell = QWidget()
        cell.setProperty("row", row.number)
        layout = QHBoxLayout(cell)
        layout.setContentsMargins(2, 0, 2, 0)
        for text, name, slot in (("Open video", "openVideo", self.open_video),
                                 ("Show project", "showProject", self.show_project)):
            button = named(QToolButton(), name)
            button.setText(text)
            button.clicked.connect(lambda _checked=False, n=row.number, s=slot: s(n))
            layout.addWidget(button)
        self.table.setCellWidget(index, ACTIONS, cell)
        self.table.resizeColumnToContents(ACTIONS)

    def _show_state(self) -> None:
        statuses = self.statuses()
        parts = [f"{statuses.count(s)} {STATUS_WORDS[s].lower()}"
                 for s in ("done", "running", "failed", "cancelled", "pending") if s in statuses]
        self.summary.setText(f"{len(statuses)} videos: " + ", ".join(parts))
        running = self.running
        self.cancel_button.setEnabled(running)
        self.again_button.setEnabled(not running and any(s != "done" for s in statuses))
        if running and self.job is not None and self.job.state == "queued":
            waiting = self._jobs.waiting_for(self.job)
            self._say(f"Waiting for {waiting.label} to finish." if waiting else "Waiting…")

    def _say(self, text: str, *, error: bool = False) -> None:
        self.note.setStyleSheet("color: #d64545;" if error else "")
        self.note.setText(text)

    # -- done rows --------------------------------------------------------------------------------
    def show_project(self, number: int) -> None:
        """Select the row's project in the project tree (and bring the window forward)."""
        index = self._index(number)
        if index is None or not self._rows[index].project_id:
            return
        self._workspace.notify_projects()
        self._workspace.set_current_project(str(self._rows[index].project_id))
        parent = self.parentWidget()
        if parent is not None:
            parent.activateWindow()

    def open_video(self, number: int) -> None:
        """Play the row's video: in the window's preview, else in the system's player."""
        index = self._index(number)
        if index is None or self._rows[index].video is None:
            return
        row = self._rows[index]
        assert row.video is not None
        self.show_project(number)
        if self._play is not None:
            self._play(row.video, row.name)
        elif not QDesktopServices.openUrl(QUrl.fromLocalFile(str(row.video))):
            self._say(f"No video player opened {row.video}", error=True)


class BatchLauncher(QObject):
    """File → New batch…: the dialog, then the queue (one batch at a time per window).

    Signals:
        started: a batch started (View → Batch queue can show it from then on).

    Attributes:
        dialog: the New batch dialog last opened (tests drive it).
        queue: the queue of the latest batch (None before the first).
    """

    started = Signal()

    def __init__(self, workspace: Workspace, jobs: JobRunner, window: QWidget, *,
                 play: PlayFn | None = None) -> None:
        super().__init__(window)
        self._workspace = workspace
        self._jobs = jobs
        self._window = window
        self._play = play
        self.dialog: BatchDialog | None = None
        self.queue: BatchQueue | None = None

    def new_batch(self) -> QDialog:
        """Open the New batch dialog; while a batch runs, show its queue instead."""
        if self.queue is not None and self.queue.running:
            self._workspace.report_error("A batch is running: its queue shows it. Cancel it "
                                         "before starting another.")
            self.show_queue()
            return self.queue
        dialog = BatchDialog(self._window)
        dialog.startRequested.connect(self.start)
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        return dialog

    def start(self, manifest: Manifest, parallel: int) -> BatchQueue:
        """Run ``manifest`` in a new queue window, shown at once."""
        if self.queue is not None:
            self.queue.deleteLater()
        self.queue = BatchQueue(self._workspace, self._jobs, manifest, parallel, self._window,
                                play=self._play)
        self.queue.start()
        self.show_queue()
        self.started.emit()
        return self.queue

    def show_queue(self) -> None:
        if self.queue is not None:
            self.queue.show()
            self.queue.raise_()
            self.queue.activateWindow()


__all__ = ["BATCH_LANE", "COLUMNS", "BatchLauncher", "BatchQueue", "QueueRow"]

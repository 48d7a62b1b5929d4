"""File → New batch…: choose a manifest, see its rows as Studio read them, then start.

The manifest is read and checked with :func:`studio.pipeline.batch.load_manifest` as soon as it
is chosen (a small file: on the GUI thread). A bad manifest's one-line error shows inline, under
the file, and Start stays disabled; no message box is stacked over the dialog. Start hands the
checked :class:`~studio.pipeline.batch.Manifest` and the number of videos made at a time to
whoever listens (the batch queue runs it as a job).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.errors import StudioError
from studio.gui.qt_helpers import named, read_only_table
from studio.gui.workers import BUG_MESSAGE
from studio.pipeline import batch
from studio.pipeline.batch import DEFAULT_JOBS, MAX_JOBS, BatchRow, Manifest
from studio.text import one_line

log = logging.getLogger(__name__)

MANIFEST_FILTER = "Batch manifests (*.csv *.json);;CSV (*.csv);;JSON (*.json)"
ROW_COLUMNS = ("#", "Video", "Topic or script", "Template", "Voice", "Language", "Format")
VIDEO, SOURCE = 1, 2
ERROR_STYLE = "color: #d64545;"
#: The most of a cell a tooltip shows (a 5,000-character topic must not cover the screen).
TIP_CHARS = 300
#: The dialog's width where the window allows (the rows' columns readable at 1024 px).
DIALOG_WIDTH = 760


def max_parallel() -> int:
    """The most videos made at a time: one per core (each row keeps a core busy), within the
    engine's limit."""
    return max(1, min(os.cpu_count() or 1, MAX_JOBS))


def row_source(row: BatchRow) -> str:
    """What a row makes a video of: its topic, or its script file's name."""
    if row.topic:
        return one_line(row.topic)
    return row.script.name if row.script is not None else ""


def tip(text: str) -> str:
    """``text`` as a tooltip: its first ``TIP_CHARS`` characters (a cell holds up to 5,000)."""
    return text if len(text) <= TIP_CHARS else text[:TIP_CHARS].rstrip() + "…"


def row_name(row: BatchRow) -> str:
    """The row's video as the creator will know it: its project name, else its source."""
    return one_line(row.project_name) if row.project_name else row_source(row)


class BatchDialog(QDialog):
    """Choose a manifest, check its rows, choose how many videos at a time, Start.

    Signals:
        startRequested(object, int): the checked Manifest and the videos made at a time.

    Attributes:
        manifest: the checked manifest on show (None: none chosen, or it was refused).
        path_edit, choose_button, error, rows, parallel, start_button: the widgets.
    """

    startRequested = Signal(object, int)

    def __init__(self, parent: QWidget | None = None, *, start_dir: Path | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("batchDialog")
        self.setWindowTitle("New batch")
        self.setMinimumWidth(520)
        if parent is not None:
            self.resize(max(520, min(DIALOG_WIDTH, parent.width() - 40)), 360)
        self.manifest: Manifest | None = None
        self._start_dir = start_dir or Path.home()
        self.path_edit = named(QLineEdit(), "manifestPath")
        self.path_edit.setReadOnly(True)
        self.path_edit.setPlaceholderText("A CSV or JSON file: one row per video")
        self.path_edit.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # Tab goes to Choose…
        self.choose_button = named(QPushButton("Choose…"), "chooseManifest")
        self.choose_button.clicked.connect(self.choose)
        self.error = named(QLabel(), "manifestError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        self.rows = read_only_table("manifestRows", ROW_COLUMNS, stretch=VIDEO)
        self.rows.setWordWrap(False)
        self.rows.horizontalHeader().setSectionResizeMode(
            SOURCE, QHeaderView.ResizeMode.Interactive)
        self.rows.setColumnWidth(SOURCE, 180)
        self.rows.setMinimumHeight(120)
        self.parallel = named(QSpinBox(), "videosAtATime")
        self.parallel.setRange(1, max_parallel())
        self.parallel.setValue(min(DEFAULT_JOBS, max_parallel()))
        self.parallel.setMaximumWidth(80)
        self.parallel.setToolTip("How many videos are made at once (at most one per core)")
        self.start_button = named(QPushButton("Start"), "startBatch")
        self.start_button.setDefault(True)
        self.start_button.setEnabled(False)
        self.start_button.clicked.connect(self._start)
        self.setLayout(self._layout())
        self.choose_button.setFocus()  # Enter or Space opens the file chooser at once

    def _layout(self) -> QVBoxLayout:
        chooser = QHBoxLayout()
        chooser.addWidget(self.path_edit, 1)
        chooser.addWidget(self.choose_button)
        form = QFormLayout()
        form.addRow("Manifest", chooser)
        form.addRow("Videos at a time", self.parallel)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(cancel)
        buttons.addStretch(1)
        buttons.addWidget(self.start_button)
        layout = QVBoxLayout()
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.rows, 1)
        layout.addLayout(buttons)
        return layout

    def choose(self) -> None:
        """Ask for a manifest file (CSV or JSON), then read it."""
        path, _filter = QFileDialog.getOpenFileName(
            self, "Choose a batch manifest", str(self._start_dir), MANIFEST_FILTER)
        if path:
            self.load(Path(path))

    def load(self, path: Path) -> bool:
        """Read and check ``path``: its rows on show and Start enabled, or its error inline."""
        self.path_edit.setText(str(path))
        self._start_dir = path.parent
        try:
            manifest = batch.load_manifest(path)
        except StudioError as exc:  # the engine's one line: what, where, how to fix
            self._refuse(exc.message)
            return False
        except Exception:  # a bug reading this file must not crash the window
            log.exception("reading the manifest %s failed with a bug", path)
            self._refuse(BUG_MESSAGE)
            return False
        self.manifest = manifest
        self.error.hide()
        self._show_rows(manifest.rows)
        self.start_button.setEnabled(bool(manifest.rows))
        if not manifest.rows:
            self._refuse(f"{path.name} has no rows: add one row per video.")
            return False
        self.start_button.setFocus()  # Enter starts (the focused Choose… would take it)
        return True

    def _refuse(self, message: str) -> None:
        self.manifest = None
        self.error.setText(message)
        self.error.show()
        self.rows.setRowCount(0)
        self.start_button.setEnabled(False)

    def _show_rows(self, rows: tuple[BatchRow, ...]) -> None:
        self.rows.setRowCount(len(rows))
        for index, row in enumerate(rows):
            cells = (str(row.number), row_name(row), row_source(row), row.template or "default",
                     row.voice or "default", row.language or "default",
                     f"{row.aspect} · {row.resolution}")
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(tip(text))
                self.rows.setItem(index, column, item)

    def _start(self) -> None:
        if self.manifest is None:
            return
        self.startRequested.emit(self.manifest, self.parallel.value())
        self.accept()


__all__ = ["MANIFEST_FILTER", "BatchDialog", "max_parallel", "row_name", "row_source", "tip"]

"""File → Backups…: the database snapshots Studio made, and restoring one (as ``studio restore``).

Restoring replaces the whole library's database, so it runs only while no job runs; the
library as it is now is saved first as a "before-restore" snapshot (it appears in this list, so
a restore can be undone by restoring that one). The restore itself is
:func:`studio.store.backup.restore_library`, the code ``studio restore`` runs. Afterwards the
window reloads in place: the models are bound to the restored file again (every thread's
connection reopens on it), each project's undo history is dropped (it describes edits the
restored library may not have), and the project list, editor and render panel reload.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.errors import StudioError
from studio.gui.dialogs import ask, show_failure
from studio.gui.job_runner import JobRunner
from studio.gui.qt_helpers import named
from studio.gui.workspace import Workspace
from studio.pipeline.changes import Changes
from studio.store import Library, backup

PATH_ROLE = Qt.ItemDataRole.UserRole
#: ``studio-YYYYmmdd-HHMMSS-micro-reason.db``, as ``backup.snapshot`` names them.
_NAME = re.compile(r"studio-(\d{8}-\d{6})(?:-\d+)?-(.+)\.db$")
REASONS = {"daily": "daily", "before-restore": "before a restore"}


def describe_backup(path: Path) -> str:
    """ "05 Dec 2026 01:36 · before a restore · 1.2 MB" (the file name if it isn't Studio's)."""
    match = _NAME.match(path.name)
    try:
        size = f"{path.stat().st_size / 1e6:.1f} MB"
    except OSError:
        size = "unreadable"
    if match is None:
        return f"{path.name} · {size}"
    when = datetime.strptime(match.group(1), "%Y%m%d-%H%M%S")
    reason = match.group(2)
    label = REASONS.get(reason, "before an upgrade" if reason.startswith("v") else reason)
    return f"{when:%d %b %Y %H:%M} · {label.replace('-', ' ')} · {size}"


class BackupsDialog(QDialog):
    """The list of backups with Restore….

    Signals:
        restored(str): a backup was restored (its path); the window has reloaded.

    Attributes:
        backups: the list shown, newest first.
        restore_button: restores the selected backup after asking.
        message: a line under the list (why Restore is off, or what a restore did).
    """

    restored = Signal(str)

    def __init__(
        self, workspace: Workspace, jobs: JobRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("backupsDialog")
        self.setWindowTitle("Backups")
        self._workspace = workspace
        self._library = workspace.library
        self._jobs = jobs
        intro = QLabel(
            "Studio saves a copy of your library (projects, scenes, settings; not "
            "the media files) once a day and before each upgrade. Restoring one "
            "brings the library back to that moment; the library as it is now is "
            "saved first, so you can come back to it from this list."
        )
        intro.setWordWrap(True)
        self.backups = named(QListWidget(), "backupList")
        self.backups.setMinimumHeight(120)
        self.message = named(QLabel(), "backupsMessage")
        self.message.setWordWrap(True)
        self.restore_button = named(QPushButton("Restore…"), "restoreBackup")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.restore_button.clicked.connect(self.restore_selected)
        self.backups.currentItemChanged.connect(lambda *_: self._update_button())
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.backups, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.resize(520, 360)
        self.refresh()

    def refresh(self) -> None:
        """List the backups, newest first (the newest selected)."""
        self.backups.clear()
        for path in backup.list_backups(self._library.home.backups_dir):
            item = QListWidgetItem(describe_backup(path))
            item.setData(PATH_ROLE, str(path))
            item.setToolTip(str(path))
            self.backups.addItem(item)
        if self.backups.count():
            self.backups.setCurrentRow(0)
        else:
            self.message.setText("No backups yet: Studio makes the first one today.")
        self._update_button()

    def _update_button(self) -> None:
        busy = self._jobs.busy
        self.restore_button.setEnabled(self.backups.currentItem() is not None and not busy)
        self.restore_button.setToolTip(
            "Wait for the running job to finish (or cancel it) to restore" if busy else ""
        )

    def restore_selected(self, *, confirm: bool = True) -> bool:
        """Restore the selected backup after asking; True once the window shows it."""
        item = self.backups.currentItem()
        if item is None:
            return False
        if self._jobs.busy:
            self.message.setText(
                "A job is running. Wait for it to finish, or cancel it (Esc), then restore."
            )
            return False
        source = Path(str(item.data(PATH_ROLE)))
        if confirm and not ask(
            self,
            "Restore this backup?",
            f"Bring the library back to {item.text().split(' · ')[0]}? Projects made or changed "
            "since then go back to how they were (the library as it is now is saved first).",
            "Restore",
            default_no=True,
        ):
            return False
        before = [summary.id for summary in self._library.projects()]
        try:
            restored = restore_into(self._library, source)
        except StudioError as exc:
            show_failure(self, "The backup was not restored", exc)
            return False
        reload_workspace(self._workspace, before)
        self.refresh()
        saved = restored.saved_as.name if restored.saved_as else ""
        self.message.setText(
            "Restored. " + (f"The library as it was is saved as “{saved}”." if saved else "")
        )
        self.restored.emit(str(source))
        return True


def restore_into(library: Library, source: Path) -> backup.Restored:
    """Restore ``source`` over ``library``'s database from inside the window's process.

    This thread's connection is closed first (its WAL index would describe the old file);
    afterwards the library is opened again, which migrates an older backup and makes every
    thread reconnect to the restored file. ``library`` stays usable (same file).
    """
    backup.check_backup(source)  # a refused backup leaves even the connection alone
    library.close()
    restored = backup.restore_library(library.home, source)
    Library.open(library.home.root)
    return restored


def reload_workspace(workspace: Workspace, project_ids: list[str]) -> None:
    """After a restore: drop the undo histories of ``project_ids`` (the projects before it),
    then tell every panel that everything changed (the window then selects a project)."""
    for project_id in {*project_ids, workspace.current_project_id} - {""}:
        workspace.forget_project(project_id)
    workspace.set_current_project("")
    now = [summary.id for summary in workspace.library.projects()]
    workspace.apply(
        Changes.of(
            project_list=True, projects=now, scenes=now, renders=now, publishing=now, settings=True
        )
    )
    if now:  # the most recently active project, as after a start
        workspace.set_current_project(now[0])

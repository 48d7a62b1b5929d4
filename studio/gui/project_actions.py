"""Project-level operations the menus, toolbar, tree and welcome page share: new, rename,
duplicate, delete (with confirmation), import of a ``.studio.zip``, and the sample project."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from studio.errors import StudioError
from studio.gui import operations
from studio.gui.commands import RenameProjectCommand
from studio.gui.dialogs import BUSY, NewProjectDialog, ask
from studio.gui.job_runner import JobRunner
from studio.gui.op import Op
from studio.gui.workers import human_message
from studio.gui.workspace import Workspace
from studio.text import one_line


class ProjectActions(QObject):
    """Carries out project operations for one window.

    Signals:
        projectCreated(str): a new project (dialog, duplicate or sample) exists; select it.
        sampleReady(str): the sample project exists and should be rendered.
    """

    projectCreated = Signal(str)
    sampleReady = Signal(str)

    def __init__(self, workspace: Workspace, jobs: JobRunner, window: QWidget,
                 selected_project: Callable[[], str]) -> None:
        super().__init__(window)
        self._workspace = workspace
        self._library = workspace.library
        self._jobs = jobs
        self._window = window
        self._selected = selected_project
        self.new_dialog: NewProjectDialog | None = None
        self.import_failure: QMessageBox | None = None

    def new_project(self) -> NewProjectDialog:
        """Open the New Project dialog (non-blocking); returns it (tests drive it)."""
        dialog = NewProjectDialog(self._workspace, self._jobs, self._window)
        dialog.projectCreated.connect(self._created)
        dialog.finished.connect(dialog.deleteLater)
        self.new_dialog = dialog
        dialog.open()
        return dialog

    def rename(self, project_id: str, new_name: str) -> None:
        try:
            old = self._library.project(project_id).name
        except StudioError as exc:
            self._workspace.report_error(exc.message)
            return
        self._workspace.push(project_id, RenameProjectCommand(self._workspace, project_id, old,
                                                              new_name))

    def duplicate(self) -> None:
        project_id = self._selected()
        if not project_id:
            return
        if Op("Duplicating the project", operations.duplicate(self._library, project_id),
              project_id=project_id, kind="duplicate") \
                .success(self._created).run_on(self._jobs) is None:
            self._workspace.report_error(BUSY)

    def choose_archive(self) -> None:
        """Ask for a ``.studio.zip`` (File → Import project…) and import it."""
        path, _filter = QFileDialog.getOpenFileName(
            self._window, "Import a project", str(Path.home()),
            "Studio projects (*.studio.zip);;Zip archives (*.zip)")
        if path:
            self.import_archive(Path(path))

    def import_archive(self, source: Path) -> bool:
        """Import ``source`` as a new project in the background, then select it."""
        started = Op(f"Importing {source.name}", operations.import_archive(self._library, source),
                     kind="import") \
            .success(self._created).failure(self._import_failed).run_on(self._jobs) is not None
        if not started:
            self._workspace.report_error(BUSY)
        return started

    def _import_failed(self, error: BaseException) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, "The project was not imported",
                          human_message(error),
                          QMessageBox.StandardButton.Ok, self._window)
        box.finished.connect(box.deleteLater)
        box.open()  # window-modal, and it doesn't block the event loop
        self.import_failure = box

    def delete(self, *, confirm: bool = True) -> bool:
        """Delete the selected project after asking; not undoable (its files go too)."""
        project_id = self._selected()
        if not project_id:
            return False
        if self._jobs.busy_for(project_id):
            self._workspace.report_error("This project has a job running. Cancel it first (Esc).")
            return False
        try:
            project = self._library.project(project_id)
            if confirm and not ask(
                self._window, "Delete project?",
                f"Delete “{one_line(project.name)}” with its scenes, audio and renders? "
                "This can't be undone.", "Delete",
            ):
                return False
            self._library.delete_project(project)
        except StudioError as exc:
            self._workspace.report_error(exc.message)
            return False
        self._workspace.forget_project(project_id)
        self._workspace.notify_projects()
        return True

    def try_sample(self) -> bool:
        """Create the sample project, then ``sampleReady`` asks for its render."""
        return Op("Creating the sample project", operations.create_sample(self._library),
                  kind="sample").success(self._sample_created).run_on(self._jobs) is not None

    def _sample_created(self, project_id: str) -> None:
        self._created(project_id)
        self.sampleReady.emit(project_id)

    def _created(self, project_id: str) -> None:
        if project_id:  # the operation's Changes already refreshed the project list
            self.projectCreated.emit(project_id)

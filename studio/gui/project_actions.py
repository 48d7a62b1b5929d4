"""Project-level operations the menus, toolbar, tree and welcome page share: new, rename,
duplicate, delete (asking whether to keep the videos), import and export of a ``.studio.zip``,
and the sample project."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, Signal
from PySide6.QtWidgets import QAbstractButton, QFileDialog, QMessageBox, QWidget

from studio.errors import StudioError
from studio.gui import operations
from studio.gui.commands import RenameProjectCommand
from studio.gui.crash_reporter import open_folder
from studio.gui.dialogs import BUSY, NewProjectDialog, ask, show_failure
from studio.gui.job_runner import JobRunner
from studio.gui.op import Op
from studio.gui.workspace import Workspace
from studio.savefile import check_output_target
from studio.store.models import Project
from studio.text import one_line

ARCHIVE_SUFFIX = ".studio.zip"
KEEP_VIDEOS = "Delete project, keep videos"
DELETE_VIDEOS = "Delete project and videos"


def default_videos_folder() -> Path:
    """Where the videos of a deleted project are kept: the creator's Videos folder, /Studio."""
    movies = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.MoviesLocation)
    return Path(movies or Path.home() / "Videos") / "Studio"


def archive_name(project_name: str) -> str:
    """A suggested file name for a project's archive (no path characters)."""
    safe = "".join("-" if c in '\\/:*?"<>|' else c for c in one_line(project_name)).strip(" .")
    return f"{safe or 'project'}{ARCHIVE_SUFFIX}"


class ProjectActions(QObject):
    """Carries out project operations for one window.

    Signals:
        projectCreated(str): a new project (dialog, duplicate or sample) exists; select it.
        sampleReady(str): the sample project exists and should be rendered.
    """

    projectCreated = Signal(str)
    sampleReady = Signal(str)

    def __init__(
        self,
        workspace: Workspace,
        jobs: JobRunner,
        window: QWidget,
        selected_project: Callable[[], str],
    ) -> None:
        super().__init__(window)
        self._workspace = workspace
        self._library = workspace.library
        self._jobs = jobs
        self._window = window
        self._selected = selected_project
        self.new_dialog: NewProjectDialog | None = None
        self.import_failure: QMessageBox | None = None
        self.notice: QMessageBox | None = None  # the latest result told (export, kept videos)
        self.videos_folder = default_videos_folder()

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
        self._workspace.push(
            project_id, RenameProjectCommand(self._workspace, project_id, old, new_name)
        )

    def duplicate(self) -> None:
        project_id = self._selected()
        if not project_id:
            return
        if (
            Op(
                "Duplicating the project",
                operations.duplicate(self._library, project_id),
                project_id=project_id,
                kind="duplicate",
            )
            .success(self._created)
            .run_on(self._jobs)
            is None
        ):
            self._workspace.report_error(BUSY)

    def choose_archive(self) -> None:
        """Ask for a ``.studio.zip`` (File → Import project…) and import it."""
        path, _filter = QFileDialog.getOpenFileName(
            self._window,
            "Import a project",
            str(Path.home()),
            "Studio projects (*.studio.zip);;Zip archives (*.zip)",
        )
        if path:
            self.import_archive(Path(path))

    def import_archive(self, source: Path) -> bool:
        """Import ``source`` as a new project in the background, then select it."""
        started = (
            Op(
                f"Importing {source.name}",
                operations.import_archive(self._library, source),
                kind="import",
            )
            .success(self._created)
            .failure(self._import_failed)
            .run_on(self._jobs)
            is not None
        )
        if not started:
            self._workspace.report_error(BUSY)
        return started

    def _import_failed(self, error: BaseException) -> None:
        self.import_failure = show_failure(self._window, "The project was not imported", error)

    def delete(self, *, confirm: bool = True) -> bool:
        """Delete the selected project after asking; not undoable.

        With rendered videos, the question offers to keep them (the default: moved to
        ``videos_folder`` and shown) or to delete them too; without, Cancel is the default.
        """
        project_id = self._selected()
        if not project_id:
            return False
        if self._jobs.busy_for(project_id):
            self._workspace.report_error("This project has a job running. Cancel it first (Esc).")
            return False
        try:
            project = self._library.project(project_id)
            videos = self._video_count(project)
            choice = self._ask_delete(project, videos) if confirm else KEEP_VIDEOS
            if not choice:
                return False
            keep = self.videos_folder if videos and choice == KEEP_VIDEOS else None
            kept = self._library.delete_project(project, keep_videos_in=keep)
        except StudioError as exc:
            self._workspace.report_error(exc.message)
            return False
        self._workspace.forget_project(project_id)
        self._workspace.notify_projects()
        if kept:
            self._tell(
                f"Kept {len(kept)} video{'s' if len(kept) != 1 else ''}",
                f"The videos of “{one_line(project.name)}” are now in\n{self.videos_folder}",
                self.videos_folder,
            )
        return True

    def _video_count(self, project: Project) -> int:
        home = self._library.home
        return sum(home.abs(r.file_path).is_file() for r in self._library.renders(project))

    def _ask_delete(self, project: Project, videos: int) -> str:
        """The creator's choice: KEEP_VIDEOS, DELETE_VIDEOS (or "Delete"), or "" to cancel."""
        name = one_line(project.name)
        if not videos:
            return (
                "Delete"
                if ask(
                    self._window,
                    "Delete project?",
                    f"Delete “{name}” with its scenes and audio? This can't be undone.",
                    "Delete",
                    default_no=True,
                )
                else ""
            )
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Delete project?",
            f"Delete “{name}” with its scenes and audio? This can't be undone.\n\n"
            f"Its {videos} rendered video{'s' if videos != 1 else ''} can be kept "
            f"in {self.videos_folder}.",
            QMessageBox.StandardButton.NoButton,
            self._window,
        )
        keep = box.addButton(KEEP_VIDEOS, QMessageBox.ButtonRole.AcceptRole)
        box.addButton(DELETE_VIDEOS, QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton("Cancel", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(cancel)
        box.exec()
        clicked: QAbstractButton | None = box.clickedButton()
        return "" if clicked is None or clicked is cancel else clicked.text().replace("&", "")

    # -- export -----------------------------------------------------------------------------------
    def choose_export_target(self) -> None:
        """File → Export project…: ask where, then save the current project's archive."""
        project = self._workspace.current_project()
        if project is None:
            return
        path, _filter = QFileDialog.getSaveFileName(
            self._window,
            "Export project",
            str(Path.home() / archive_name(project.name)),
            f"Studio projects (*{ARCHIVE_SUFFIX})",
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, target: Path) -> bool:
        """Save the current project as ``target`` (``.studio.zip`` added if missing) in the
        background; the place is checked first, so a refused one starts nothing."""
        project = self._workspace.current_project()
        if project is None:
            return False
        if not target.name.endswith(".zip"):
            target = target.with_name(target.name + ARCHIVE_SUFFIX)
        try:
            target = check_output_target(target, self._library.home)
        except StudioError as exc:
            self._failed("The project was not exported", exc)
            return False
        name = one_line(project.name)
        started = (
            Op(
                f"Exporting “{name}”",
                operations.export_archive(self._library, project.id, target),
                project_id=project.id,
                kind="export",
            )
            .success(
                lambda path: self._tell(
                    "Project exported",
                    f"“{name}” was saved as\n{path}\n\nOpen it in Studio on "
                    "any computer with File → Import project…",
                    Path(path).parent,
                )
            )
            .failure(lambda error: self._failed("The project was not exported", error))
            .run_on(self._jobs)
            is not None
        )
        if not started:
            self._workspace.report_error(BUSY)
        return started

    def _failed(self, title: str, error: BaseException) -> None:
        self.notice = show_failure(self._window, title, error)

    def _tell(self, title: str, text: str, folder: Path) -> None:
        """A result the creator may want to see, with a "Show in folder" button."""
        box = QMessageBox(
            QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, self._window
        )
        box.setObjectName("projectNotice")
        show = box.addButton("Show in folder", QMessageBox.ButtonRole.ActionRole)
        show.clicked.connect(lambda: open_folder(folder, self._window))
        box.finished.connect(box.deleteLater)
        box.open()
        self.notice = box

    def try_sample(self) -> bool:
        """Create the sample project, then ``sampleReady`` asks for its render."""
        return (
            Op(
                "Creating the sample project",
                operations.create_sample(self._library),
                kind="sample",
            )
            .success(self._sample_created)
            .run_on(self._jobs)
            is not None
        )

    def _sample_created(self, project_id: str) -> None:
        self._created(project_id)
        self.sampleReady.emit(project_id)

    def _created(self, project_id: str) -> None:
        if project_id:  # the operation's Changes already refreshed the project list
            self.projectCreated.emit(project_id)

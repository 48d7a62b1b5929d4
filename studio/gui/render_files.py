"""What the creator can do with one past render from the render history: save a copy of the
video elsewhere, show it in its folder, or delete it (the file and its row).

A copy goes through :mod:`studio.savefile` (the place is checked before anything is copied,
then written beside it and renamed over), in the background: a long video takes a while.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from studio.errors import InputError, StudioError
from studio.gui import dialogs, operations
from studio.gui.crash_reporter import open_folder
from studio.gui.formatting import local_time
from studio.gui.job_runner import JobRunner
from studio.gui.op import Op
from studio.gui.workspace import Workspace
from studio.savefile import check_output_target
from studio.store.models import RenderedVideo
from studio.text import one_line

#: Copies of videos run in a lane of their own: they touch no project.
COPY_LANE = "video-copies"


def video_name(project_name: str, render: RenderedVideo) -> str:
    """A suggested name for a copy: the project's name and the render's date."""
    safe = "".join("-" if c in '\\/:*?"<>|' else c for c in one_line(project_name)).strip(" .")
    return f"{safe or 'video'} {local_time(render.created_at):%Y-%m-%d}.mp4"


class RenderFiles(QObject):
    """Save as, show in folder and delete for the current project's renders.

    Signals:
        saved(str): a copy was written (its path).

    Attributes:
        notice: the latest message shown (a failure), for tests.
    """

    saved = Signal(str)

    def __init__(self, workspace: Workspace, jobs: JobRunner, window: QWidget) -> None:
        super().__init__(window)
        self._workspace = workspace
        self._library = workspace.library
        self._jobs = jobs
        self._window = window
        self.notice: QMessageBox | None = None

    def render(self, render_id: str) -> RenderedVideo | None:
        """The current project's render ``render_id`` (None if it is gone)."""
        project = self._workspace.current_project()
        if project is None:
            return None
        return next((r for r in self._library.renders(project) if r.id == render_id), None)

    def choose_copy_target(self, render_id: str) -> None:
        """ "Save video as…": ask where, then copy."""
        render, project = self.render(render_id), self._workspace.current_project()
        if render is None or project is None:
            return
        path, _filter = QFileDialog.getSaveFileName(
            self._window,
            "Save video as",
            str(Path.home() / video_name(project.name, render)),
            "MP4 video (*.mp4)",
        )
        if path:
            self.save_copy(render_id, Path(path))

    def save_copy(self, render_id: str, target: Path) -> bool:
        """Copy the render's video to ``target`` in the background; False if refused."""
        render = self.render(render_id)
        if render is None:
            return False
        source = self._library.home.abs(render.file_path)
        try:
            if not source.is_file():
                raise InputError(
                    "This render's video file is missing",
                    where=str(source),
                    fix="Render the project again",
                )
            target = check_output_target(target, self._library.home)
        except StudioError as exc:
            self._warn("The video was not saved", exc)
            return False
        job = (
            Op(
                f"Saving {target.name}",
                operations.copy_video(self._library, source, target),
                kind="save-video",
                lane=COPY_LANE,
            )
            .success(lambda path: self.saved.emit(str(path)))
            .failure(lambda error: self._warn("The video was not saved", error))
            .run_on(self._jobs)
        )
        if job is None:
            self._workspace.report_error(dialogs.BUSY)
        return job is not None

    def show_in_folder(self, render_id: str) -> bool:
        """Open the render's folder in the file manager (or say where it is)."""
        render = self.render(render_id)
        if render is None:
            return False
        return open_folder(self._library.home.abs(render.file_path).parent, self._window)

    def delete(self, render_id: str, *, confirm: bool = True) -> bool:
        """ "Delete render…": after asking (Cancel is the default), the file and the row go."""
        render, project = self.render(render_id), self._workspace.current_project()
        if render is None or project is None:
            return False
        if confirm and not dialogs.ask(
            self._window,
            "Delete this render?",
            f"Delete the video rendered on {local_time(render.created_at):%d %b %Y at %H:%M} from "
            f"“{one_line(project.name)}”? The file is deleted; this can't be undone.",
            "Delete render",
            default_no=True,
        ):
            return False
        try:
            self._library.delete_render(render)
        except StudioError as exc:
            self._workspace.report_error(exc.message)
            return False
        self._workspace.notify_renders(project.id)
        return True

    def _warn(self, title: str, error: BaseException) -> None:
        self.notice = dialogs.show_failure(self._window, title, error)

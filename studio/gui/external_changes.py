"""Edits made outside the window (the CLI, a script) show up in it within a poll.

SQLite's ``PRAGMA data_version`` on the GUI thread's connection changes whenever another
connection commits. Polled every ``POLL_MS`` while no job of this window runs (a job's own
worker commits progress twice a second; the poll after the job catches its changes at once),
a change refreshes the project tree, the current project (title, publishing fields) and its
render history. The scene editor is left alone: reloading it could drop text being typed, and
its own edits go through the undo stack.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer

from studio.errors import StudioError
from studio.gui.job_runner import JobRunner
from studio.gui.workspace import Workspace
from studio.store import Library

log = logging.getLogger(__name__)

POLL_MS = 1500


class ExternalChanges(QObject):
    """Polls the store for commits made by other connections and tells the workspace."""

    def __init__(
        self, library: Library, workspace: Workspace, jobs: JobRunner, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._library = library
        self._workspace = workspace
        self._jobs = jobs
        self._seen: int | None = None
        self._latest: tuple[str, str | None] = ("", None)  # (project id, its latest render)
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.poll)

    def start(self) -> None:
        self._seen = self._version()
        if self._workspace.current_project_id:
            self._latest = self._latest_render(self._workspace.current_project_id)
        self._timer.start()

    def poll(self) -> None:
        """Refresh what another process may have changed (nothing while a job of ours runs)."""
        if self._jobs.busy:
            return
        version = self._version()
        if version is None or version == self._seen:
            return
        self._seen = version
        log.info("the library changed outside this window: refreshing")
        self._workspace.notify_projects()
        project_id = self._workspace.current_project_id
        if project_id:
            self._workspace.notify_project(project_id)
            latest = self._latest_render(project_id)
            if latest != self._latest:  # not on every progress write (the preview would reset)
                self._latest = latest
                self._workspace.notify_renders(project_id)

    def _latest_render(self, project_id: str) -> tuple[str, str | None]:
        project = self._workspace.current_project()
        if project is None:
            return (project_id, None)
        try:
            renders = self._library.renders(project)
        except StudioError:
            return self._latest
        return (project_id, renders[0].id if renders else None)

    def _version(self) -> int | None:
        try:
            return self._library.data_version()
        except StudioError:
            return None  # a locked or busy database: try again next poll


__all__ = ["POLL_MS", "ExternalChanges"]

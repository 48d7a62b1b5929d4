"""The main window: composes the panels and wires their signals; it does no work itself.

Left: a sidebar of tabs (the project tree). Middle: the scene editor. Right: the preview over
the render panel. Splitters between them all; a strip across the bottom can join the work area
(its second child). With no projects, a welcome page takes that top area. The window fits a
1024x700 screen and never resizes itself (``studio.gui.window_layout``). Closing while a job
runs asks first, then cancels the job and closes once its worker has ended.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtGui import QCloseEvent, QPixmap
from PySide6.QtWidgets import (
    QMainWindow,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from studio import APP_NAME
from studio.gui import window_layout
from studio.gui.actions import (
    WindowActions,
    build_menus,
    build_toolbar,
    connect_scene_actions,
    create_actions,
)
from studio.gui.backups_dialog import BackupsDialog
from studio.gui.batch_queue import BatchLauncher
from studio.gui.blend_dialog import open_blends
from studio.gui.characters_dialog import CharactersDialog
from studio.gui.cleanup_dialog import show_cleanup
from studio.gui.crash_reporter import open_folder
from studio.gui.dialogs import ask, show_about
from studio.gui.empty_state import WelcomePage
from studio.gui.filmstrip import Filmstrip
from studio.gui.fitting import ElidedLabel
from studio.gui.job_runner import Job, JobRunner
from studio.gui.jobs_panel import install_jobs_panel
from studio.gui.language_picker import open_project_language
from studio.gui.media_bin import MediaBin
from studio.gui.preview import PreviewPlayer
from studio.gui.project_actions import ProjectActions
from studio.gui.project_tree import ProjectList, ProjectTree
from studio.gui.render_panel import RenderPanel
from studio.gui.resources import app_icon
from studio.gui.scene_editor import SceneEditor
from studio.gui.settings_dialog import SettingsDialog
from studio.gui.setup_checklist import SetupChecklist
from studio.gui.shortcuts_dialog import show_shortcuts
from studio.gui.stats_dialog import show_statistics
from studio.gui.thumbnails import ThumbnailLoader
from studio.gui.voice_list import Auditioner
from studio.gui.workspace import Workspace
from studio.logs import log_dir
from studio.pipeline.templates import get_template
from studio.store import Library
from studio.text import one_line

STATUS_TIMEOUT_MS = 8000


class MainWindow(QMainWindow):
    """Studio's window.

    Attributes:
        workspace, jobs, thumbnails: the shared state the panels were given.
        tree, editor, render_panel, preview, welcome: the panels; sidebar (tabs, the tree first).
        splitter, right, workarea: the splitters (see ``splitters()``); show_sidebar: its toggle.
        window_actions: menu/toolbar actions; projects: project operations; batches: New
            batch… and its queue.
        setup: the setup checklist once it has been opened (kept, so a download shows on it).
        log_folder: the folder Help → Open log folder shows.
    """

    def __init__(self, library: Library, settings: QSettings,
                 parent: QWidget | None = None, *, log_folder: Path | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowIcon(app_icon())
        self._settings = settings
        self._closing = False
        self._status_job: Job | None = None
        self.log_folder = log_folder or log_dir()
        self.setup: SetupChecklist | None = None
        self.workspace = Workspace(library, self)
        self.jobs = JobRunner(library, self, apply_changes=self.workspace.apply)
        self.thumbnails = ThumbnailLoader(self)
        self.window_actions: WindowActions = create_actions(self, self.workspace)
        self.projects = ProjectActions(self.workspace, self.jobs, self,
                                       lambda: self.workspace.current_project_id)
        wa = self.window_actions
        self.tree = ProjectTree(self.workspace, [
            wa.new_project, None, wa.rename, wa.duplicate, None, wa.delete],
            jobs=self.jobs, thumbnails=self.thumbnails)
        self.project_list = ProjectList(self.tree, settings)
        self.editor = SceneEditor(self.workspace, self.jobs, self.thumbnails)
        self.media_bin = MediaBin(self.workspace, self.thumbnails)
        self.editor.attach_media_bin(self.media_bin)
        self.preview = PreviewPlayer()
        self.filmstrip = Filmstrip(self.workspace, self.thumbnails, self.preview)
        self.render_panel = RenderPanel(self.workspace, self.jobs, self.thumbnails, self.preview)
        self.welcome = WelcomePage()
        self.auditioner = Auditioner(self.workspace, self.jobs, lambda path, title: (
            self.preview.load(path, title, autoplay=True, caption=f"♪  {title}")), self)
        self._compose()
        build_menus(self, self.window_actions)
        self.show_sidebar = window_layout.add_view_toggles(self, self.sidebar)
        build_toolbar(self, self.window_actions)
        self._build_status_bar()
        self.jobs_panel = install_jobs_panel(self, self.jobs, library)
        self.batches = BatchLauncher(self.workspace, self.jobs, self, play=lambda path, title: (
            self.preview.load(path, title, autoplay=True)))
        self._wire()
        self._restore_state()
        self._refresh_page()
        self._update_actions()

    # -- composition ------------------------------------------------------------------------------
    def _compose(self) -> None:
        self.sidebar = window_layout.sidebar(self.project_list)
        self.right = window_layout.right_column(self.preview, self.render_panel)
        self.splitter = window_layout.main_splitter(self.sidebar, self.editor, self.right)
        self.sidebar.addTab(self.media_bin, "Media")
        self.pages = QStackedWidget()
        self.pages.addWidget(self.welcome)
        # The editor page: the panels over the filmstrip (the welcome page has neither).
        self.workarea = window_layout.work_area(self.splitter)
        self.workarea.addWidget(self.filmstrip)
        self.pages.addWidget(self.workarea)
        self.setCentralWidget(self.pages)
        window_layout.fit_default_size(self)

    def _build_status_bar(self) -> None:
        self.job_label = ElidedLabel()  # a long project name must not widen the window
        self.job_label.setMaximumWidth(320)
        self.job_progress = QProgressBar()
        self.job_progress.setRange(0, 1000)
        self.job_progress.setMaximumWidth(160)
        self.job_progress.setTextVisible(False)
        status = self.statusBar()
        status.addPermanentWidget(self.job_label)
        status.addPermanentWidget(self.job_progress)
        self.job_label.hide()
        self.job_progress.hide()

    def _wire(self) -> None:
        a, ws, jobs = self.window_actions, self.workspace, self.jobs
        a.new_project.triggered.connect(self.projects.new_project)
        a.new_batch.triggered.connect(self.batches.new_batch)
        a.batch_queue.triggered.connect(self.batches.show_queue)
        a.batch_queue.setEnabled(False)  # until the first batch of this session starts
        self.batches.started.connect(lambda: a.batch_queue.setEnabled(True))
        a.import_project.triggered.connect(self.projects.choose_archive)
        a.export_project.triggered.connect(self.projects.choose_export_target)
        a.backups.triggered.connect(lambda: BackupsDialog(ws, jobs, self).open())
        a.try_sample.triggered.connect(self.projects.try_sample)
        a.shortcuts.triggered.connect(lambda: show_shortcuts(self))
        a.find_project.triggered.connect(self.project_list.focus_search)
        a.full_screen_preview.triggered.connect(self.preview.toggle_full_screen)
        connect_scene_actions(a, self.editor)
        a.rename.triggered.connect(self.tree.edit_selected_name)
        a.duplicate.triggered.connect(self.projects.duplicate)
        a.delete.triggered.connect(self.delete_selected)
        a.settings.triggered.connect(lambda: SettingsDialog(self.workspace, self).open())
        a.clean_up.triggered.connect(lambda: show_cleanup(ws.library, jobs, self))
        a.statistics.triggered.connect(lambda: show_statistics(ws.library, self))
        a.quit.triggered.connect(self.close)
        a.add_scene.triggered.connect(self.editor.append_scene)
        a.split_scene.triggered.connect(self.editor.split_current)
        a.merge_scene.triggered.connect(self._merge_current)
        a.render.triggered.connect(self.start_render)
        a.fill_stock.triggered.connect(self.editor.fill_with_stock)
        a.characters.triggered.connect(lambda: CharactersDialog(self.workspace, self).open())
        a.project_language.triggered.connect(lambda: open_project_language(ws, self))
        a.voice_blends.triggered.connect(lambda: open_blends(ws, self.auditioner, self))
        ws.blendEditorRequested.connect(lambda: open_blends(ws, self.auditioner, self))
        a.cancel.triggered.connect(self.cancel_shown_jobs)
        a.about.triggered.connect(lambda: show_about(self))
        a.setup_checklist.triggered.connect(self.show_setup_checklist)
        a.open_log_folder.triggered.connect(lambda: open_folder(self.log_folder, self))
        self.tree.projectSelected.connect(ws.set_current_project)
        self.tree.sceneActivated.connect(lambda _pid, sid: self.editor.show_scene(sid))
        self.tree.renameRequested.connect(self.projects.rename)
        self.projects.projectCreated.connect(self._select_project)
        self.projects.sampleReady.connect(lambda _pid: self.start_render())
        self.welcome.sampleRequested.connect(self.projects.try_sample)
        self.welcome.newProjectRequested.connect(self.projects.new_project)
        self.editor.previewReady.connect(
            lambda path, title: self.preview.load(path, title, autoplay=True))
        self.filmstrip.sceneActivated.connect(self.editor.show_scene)
        self.filmstrip.moveRequested.connect(self.editor.move_scene)
        self.editor.currentSceneChanged.connect(self.filmstrip.set_current)
        self.render_panel.renderClicked.connect(self.start_render)
        ws.projectsChanged.connect(self._refresh_page)
        ws.currentProjectChanged.connect(self._project_changed)
        ws.projectChanged.connect(lambda _pid: self._update_title())
        ws.scenesChanged.connect(lambda _pid: self._update_actions())
        ws.errorRaised.connect(lambda text: self.statusBar().showMessage(text, STATUS_TIMEOUT_MS))
        jobs.busyChanged.connect(self._busy_changed)
        jobs.jobStarted.connect(self._job_started)
        jobs.progress.connect(self._job_progress)
        jobs.failed.connect(lambda job, text: self.statusBar().showMessage(
            f"{job.label} failed: {text}", STATUS_TIMEOUT_MS * 2))
        jobs.cancelled.connect(lambda job: self.statusBar().showMessage(
            f"{job.label}: cancelled", STATUS_TIMEOUT_MS))
        jobs.succeeded.connect(lambda job, _r: self.statusBar().showMessage(
            f"{job.label}: done", STATUS_TIMEOUT_MS))
        jobs.jobFinished.connect(self._job_finished)

    # -- behaviour --------------------------------------------------------------------------------
    def start_render(self) -> bool:
        """Commit any typing, then render the current project."""
        self.editor.commit_pending()
        return self.render_panel.start_render()

    def cancel_shown_jobs(self) -> None:
        """Esc: stop the jobs of the project on screen and those of no project (not a batch:
        its queue's Cancel button stops it)."""
        self.jobs.cancel_project(self.workspace.current_project_id or None, escape=True)
        self.jobs.cancel_project(None, escape=True)

    def show_setup_checklist(self) -> SetupChecklist:
        """Open the setup checklist (window-modal, non-blocking); returns it (tests drive it)."""
        if self.setup is None:
            self.setup = SetupChecklist(self.workspace, self.jobs, self._settings, self)
            self.setup.voiceChanged.connect(self._refresh_page)
        self.setup.refresh()
        self.setup.open()
        return self.setup

    def delete_selected(self) -> None:
        """Del: the current scene when the editor has focus, else the selected project."""
        focus = self.focusWidget()
        in_editor = focus is not None and self.editor.isAncestorOf(focus)
        if in_editor and self.editor.current_scene_id in {c.scene_id for c in self.editor.cards()}:
            self.editor.delete_scene(self.editor.current_scene_id)
        else:
            self.projects.delete()

    def _merge_current(self) -> None:
        if self.editor.current_scene_id:
            self.editor.merge_with_next(self.editor.current_scene_id)

    def _select_project(self, project_id: str) -> None:
        self._refresh_page()
        self.workspace.set_current_project(project_id)

    def _refresh_page(self) -> None:
        has_projects = bool(self.workspace.library.projects())
        self.pages.setCurrentWidget(self.workarea if has_projects else self.welcome)
        if not has_projects:
            self.welcome.set_voice_available(self.workspace.kokoro_available())
        elif not self.workspace.current_project_id:
            first = self.tree.topLevelItem(0)
            if first is not None:
                self.tree.setCurrentItem(first)
        self._update_title()

    def _project_changed(self, _project_id: str) -> None:
        self._update_title()
        self._update_actions()

    def _update_title(self) -> None:
        project = self.workspace.current_project()
        self.setWindowTitle(f"{one_line(project.name)} — {APP_NAME}" if project else APP_NAME)

    def _update_actions(self) -> None:
        has_project = bool(self.workspace.current_project_id)
        wa = self.window_actions
        for action in (wa.rename, wa.duplicate, wa.export_project, wa.project_language,
                       *wa.scene_actions()):
            action.setEnabled(has_project)
        shown_busy = self.jobs.busy_for(self.workspace.current_project_id or None)
        self.window_actions.render.setEnabled(has_project)  # busy: the panel says why not
        project = self.workspace.current_project() if has_project else None
        has_characters = project is not None and get_template(project.template).has_characters
        wa.characters.setEnabled(has_characters)
        self.window_actions.cancel.setEnabled(shown_busy or self.jobs.busy_for(None))

    def _busy_changed(self, busy: bool) -> None:
        self.welcome.set_busy(busy)
        self.job_label.setVisible(busy)
        self.job_progress.setVisible(busy)
        self._update_actions()

    def _job_started(self, job: Job) -> None:
        """The status bar follows the latest job started."""
        self._status_job = job
        self.job_label.setText(job.label)
        self.job_progress.setValue(0)
        self._update_actions()

    def _job_progress(self, job: Job, fraction: float, _stage: str, _eta: object) -> None:
        if job is self._status_job:
            self.job_progress.setValue(int(fraction * 1000))

    def _job_finished(self, job: Job) -> None:
        running = self.jobs.running()
        if job is self._status_job and running:  # show the newest one still running
            self._status_job = running[-1]
            self.job_label.setText(self._status_job.label)
            self.job_progress.setValue(int(self._status_job.fraction * 1000))
        self._update_actions()
        if self._closing:
            self.close()

    def screenshot(self) -> QPixmap:
        """``grab()`` plus the playing video frame (a video widget grabs blank)."""
        pixmap = self.grab()
        self.preview.paint_video_into(pixmap, self)
        return pixmap

    def is_settled(self) -> bool:
        """No job running and no thumbnail pending (the screenshot mode waits for this)."""
        return not self.jobs.busy and not self.thumbnails.pending

    # -- window state -----------------------------------------------------------------------------
    def _restore_state(self) -> None:
        geometry = self._settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
            window_layout.clamp_to_screen(self)
        state = self._settings.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        window_layout.restore_splitters(self._settings, self.splitters(), self.show_sidebar)

    def _save_state(self) -> None:
        self._settings.setValue("window/geometry", self.saveGeometry())
        self._settings.setValue("window/state", self.saveState())
        window_layout.save_splitters(self._settings, self.splitters(), self.show_sidebar)
        self._settings.sync()

    def splitters(self) -> dict[str, QSplitter]:
        """The window's splitters by the settings key their sizes are kept under."""
        return {"window/splitter": self.splitter, "window/rightSplitter": self.right,
                "window/workArea": self.workarea}

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.jobs.busy:
            event.ignore()
            if self._closing:
                return
            running = self.jobs.running()
            label = running[-1].label if len(running) == 1 else f"{len(running)} jobs"
            verb, them = ("is", "it") if len(running) == 1 else ("are", "them")
            kept = " ".join(dict.fromkeys(job.op.close_note for job in running))
            if ask(self, "Stop and close?", f"{label} {verb} still running. Stop {them} and close "
                   f"Studio? {kept}", "Stop and close", "Keep working"):
                self._closing = True
                self.statusBar().showMessage("Stopping…")
                self.jobs.cancel()
            return
        self.editor.commit_pending()
        self._save_state()
        if self.setup is not None:
            self.setup.shutdown()
        self.preview.stop()
        self.media_bin.shutdown()
        self.thumbnails.shutdown()
        event.accept()

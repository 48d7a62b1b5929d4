"""The render panel: the project's render settings, Render/Cancel, progress, and past renders.

Render/Cancel and the progress stay in view; under them, tabs ("Settings", "Renders",
"Publish") whose long content scrolls, so the panel fits under the preview on a laptop.

Settings edits are undoable project updates; a render is one job on the window's JobRunner.
The panel shows the jobs of the project it shows, and only those: the one running (a scene
being voiced reports here too), else one waiting in the queue, else how the last one ended.
Renders run one at a time across projects (each keeps both cores busy); another waits in the
queue and says so here. Jobs of no project (importing, clean-up) report where they started.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from studio.errors import StudioError
from studio.gui import operations
from studio.gui.caption_style import open_caption_style
from studio.gui.commands import UpdateProjectCommand
from studio.gui.empty_state import PRIMARY_BUTTON
from studio.gui.fitting import ElidedLabel, VerticalScroll
from studio.gui.formatting import format_duration, local_time
from studio.gui.job_runner import Job, JobRunner
from studio.gui.jobs_panel import job_status
from studio.gui.op import Op
from studio.gui.preview import PreviewPlayer
from studio.gui.publish_panel import PublishPanel
from studio.gui.qt_helpers import named, text_button
from studio.gui.render_files import RenderFiles
from studio.gui.thumbnails import ThumbnailLoader, placeholder
from studio.gui.transition_controls import TransitionChooser
from studio.gui.workspace import Workspace
from studio.media.settings import ASPECTS, CAPTION_STYLES, RESOLUTIONS, RenderSettings
from studio.pipeline.templates import get_template
from studio.store.models import RenderedVideo
from studio.text import one_line

RENDER_LIMIT = "render"
ERROR_STYLE = "color: #d64545;"
HISTORY_THUMB = QSize(128, 72)
POSTER_SIZE = QSize(640, 360)
MUSIC_FILTER = "Audio (*.mp3 *.m4a *.aac *.wav *.flac *.ogg *.opus)"
#: The name creators know the largest size by (as YouTube labels it).
RESOLUTION_LABELS = {"2160p": "2160p (4K)"}


def effective_settings(stored: dict[str, Any] | None) -> dict[str, Any]:
    """A project's render settings with defaults filled in (each unusable value's default),
    including those ``to_json`` leaves out at their defaults."""
    settings = RenderSettings.from_stored(stored)
    return {
        **settings.to_json(),
        "caption": dict(settings.caption),
        "transition": settings.transition,
        "transition_duration": settings.transition_duration,
    }


class RenderPanel(QWidget):
    """Render settings, the Render and Cancel buttons, progress, history; it drives the preview
    (which the window places above it).

    Signals:
        renderClicked(): the creator asked for a render (the window commits typing first).
    """

    renderClicked = Signal()

    def __init__(self, workspace: Workspace, jobs: JobRunner, thumbnails: ThumbnailLoader,
                 preview: PreviewPlayer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("renderPanel")
        self._workspace = workspace
        self._library = workspace.library
        self._jobs = jobs
        self._thumbnails = thumbnails
        self.preview = preview
        self._history_keys: dict[str, QListWidgetItem] = {}
        self._poster_key = ""
        self._build()
        self._wire()
        self._project_selected(workspace.current_project_id)

    # -- layout -----------------------------------------------------------------------------------
    def _build(self) -> None:
        self.aspect = named(QComboBox(), "aspect")
        self.aspect.addItems(ASPECTS)
        self.aspect.setToolTip("Landscape (16:9), vertical for shorts (9:16) or square (1:1)")
        self.resolution = named(QComboBox(), "resolution")
        for size in RESOLUTIONS:
            self.resolution.addItem(RESOLUTION_LABELS.get(size, size), size)
        self.captions = named(QCheckBox("Burn in captions"), "captions")
        self.caption_style = named(QComboBox(), "captionStyle")
        for style in CAPTION_STYLES:
            self.caption_style.addItem(style.capitalize(), style)
        captions_row = QHBoxLayout()
        captions_row.addWidget(self.captions)
        captions_row.addWidget(self.caption_style, 1)
        self.caption_edit = text_button("Style…", "captionStyleEdit",
                                        "Font, colours, position, word highlight, with a preview")
        captions_row.addWidget(self.caption_edit)
        self.music = named(ElidedLabel("None"), "musicLabel")
        self.music_button = text_button("Choose…", "musicChoose")
        self.music_clear = text_button("✕", "musicClear")
        self.music_clear.setToolTip("No background music")
        music_row = QHBoxLayout()
        music_row.addWidget(self.music, 1)
        music_row.addWidget(self.music_button)
        music_row.addWidget(self.music_clear)
        self.voice_note = named(QLabel(), "voiceNote")
        self.voice_note.setWordWrap(True)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)  # narrow: field below
        form.addRow("Voice", self.voice_note)
        form.addRow("Aspect", self.aspect)
        form.addRow("Resolution", self.resolution)
        form.addRow("Captions", captions_row)
        form.addRow("Music", music_row)
        self.transition = named(TransitionChooser(follows_project=False), "projectTransition")
        form.addRow("Transitions", self.transition)
        self.settings_box = QGroupBox("Render settings")
        self.settings_box.setLayout(form)

        self.render_button = named(QPushButton("Render video"), "renderButton")
        self.render_button.setStyleSheet(PRIMARY_BUTTON)
        self.render_button.setToolTip("Render the project to an MP4 (Ctrl+R)")
        self.cancel_button = named(QPushButton("Cancel"), "cancelButton")
        self.cancel_button.setToolTip("Stop the running job (Esc)")
        buttons = QHBoxLayout()
        buttons.addWidget(self.render_button, 1)
        buttons.addWidget(self.cancel_button)
        self.progress = named(QProgressBar(), "renderProgress")
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(True)
        self.progress.setFormat("%p%")
        self.stage = named(ElidedLabel(""), "renderStage")
        self.note = named(QLabel(""), "renderMessage")
        self.note.setWordWrap(True)

        self.history = named(QListWidget(), "renderHistory")
        self.history.setIconSize(HISTORY_THUMB)
        self.history.setSpacing(2)
        self.history.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

        settings_page = QWidget()
        settings_layout = QVBoxLayout(settings_page)
        settings_layout.setContentsMargins(4, 4, 4, 4)
        settings_layout.addWidget(self.settings_box)
        settings_layout.addStretch(1)
        self.publish = PublishPanel(self._workspace, self._jobs, self._thumbnails)
        self.tabs = named(QTabWidget(), "renderTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(VerticalScroll(settings_page), "Settings")
        self.tabs.addTab(self.history, "Renders")
        self.tabs.addTab(self.publish, "Publish")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.stage)
        layout.addWidget(self.note)
        layout.addWidget(self.tabs, 1)

    def _wire(self) -> None:
        self.aspect.activated.connect(lambda _i: self._change("aspect", self.aspect.currentText()))
        self.resolution.activated.connect(
            lambda _i: self._change("resolution", self.resolution.currentData()))
        self.captions.clicked.connect(lambda on: self._change("captions", bool(on)))
        self.caption_style.activated.connect(
            lambda _i: self._change("caption_style", self.caption_style.currentData()))
        self.caption_edit.clicked.connect(lambda: open_caption_style(self._workspace, self))
        self.transition.changed.connect(lambda kind, seconds: self._change(
            "transition", {"transition": kind, "transition_duration": seconds}))
        self.music_button.clicked.connect(self._choose_music)
        self.music_clear.clicked.connect(lambda: self._change("music_path", None))
        self.render_button.clicked.connect(self.renderClicked)
        self.cancel_button.clicked.connect(
            lambda: self._jobs.cancel_project(self._workspace.current_project_id))
        self.history.itemActivated.connect(self._play_item)
        self.history.customContextMenuRequested.connect(self._history_menu)
        ws = self._workspace
        ws.currentProjectChanged.connect(self._project_selected)
        ws.projectChanged.connect(self._project_changed)
        ws.rendersChanged.connect(self._renders_changed)
        ws.scenesChanged.connect(lambda _pid: self._update_buttons())
        self._jobs.progress.connect(self._job_progress)
        self._jobs.message.connect(self._job_message)
        self._jobs.changed.connect(self._jobs_changed)
        self._thumbnails.ready.connect(self._thumbnail_ready)
        self.publish.publishingChanged.connect(lambda _pid: self._load_history(show_latest=False))

    # -- project ----------------------------------------------------------------------------------
    def _project_selected(self, project_id: str) -> None:
        self._show_settings()
        self._load_history(show_latest=True)
        self._update_buttons()
        self._show_job()

    def _project_changed(self, project_id: str) -> None:
        if project_id == self._workspace.current_project_id:
            self._show_settings()

    def _renders_changed(self, project_id: str) -> None:
        if project_id == self._workspace.current_project_id:
            self._load_history(show_latest=True)

    def _show_settings(self) -> None:
        project = self._workspace.current_project()
        self.settings_box.setEnabled(project is not None)
        settings = effective_settings(project.render_settings if project else None)
        self.aspect.setCurrentText(str(settings["aspect"]))
        self.resolution.setCurrentIndex(max(0, self.resolution.findData(settings["resolution"])))
        self.captions.setChecked(bool(settings["captions"]))
        self.caption_style.setCurrentIndex(max(0, self.caption_style.findData(
            settings["caption_style"])))
        template = get_template(project.template) if project else None
        captioned = template is None or "captions" in template.render_settings
        self.captions.setEnabled(captioned)
        self.caption_style.setEnabled(captioned and bool(settings["captions"]))
        self.caption_edit.setEnabled(self.caption_style.isEnabled())
        why = "" if captioned or template is None else template.render_settings_note
        self.captions.setToolTip(why)
        self.caption_style.setToolTip(why)
        self.voice_note.setText(
            "Kokoro (natural voice)" if self._workspace.kokoro_available() else
            "Draft voice (robotic): Kokoro's voice files aren't installed. "
            "Add them in Settings for the natural voice.")
        self.transition.set_choice(settings["transition"], settings["transition_duration"])
        music = settings.get("music_path")
        self.music.setText(Path(music).name if music else "None")
        self.music.setToolTip(str(music or ""))
        self.music_clear.setEnabled(bool(music))

    def _change(self, key: str, value: Any) -> None:
        project = self._workspace.current_project()
        if project is None:
            return
        old = dict(project.render_settings or {})
        changes = value if key == "transition" else {key: value}  # a kind with its duration
        new = {**effective_settings(old), **changes}
        if effective_settings(old) == new:
            return
        label = {"aspect": "aspect", "resolution": "resolution", "captions": "captions",
                 "caption_style": "caption style", "music_path": "music",
                 "transition": "transitions"}[key]
        self._workspace.push(project.id, UpdateProjectCommand(
            self._workspace, project.id, {"render_settings": old}, {"render_settings": new},
            f"Change {label}"))

    def _choose_music(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Background music", "", MUSIC_FILTER)
        if path:
            self._change("music_path", str(Path(path).resolve()))

    # -- render -----------------------------------------------------------------------------------
    def start_render(self) -> bool:
        """Render the current project, or queue it behind the job it must wait for; False
        (saying why, in the panel and the status bar) if this project renders already."""
        project = self._workspace.current_project()
        if project is None:
            return False
        project_id = project.id
        if self._render_of(project_id) is not None:
            self._refuse("This project is already being rendered: wait for it to finish, or "
                         "cancel it first.")
            return False
        Op(f"Rendering “{one_line(project.name)}”",
           operations.render(self._library, project_id), project_id=project_id, kind="render") \
            .one_at_a_time(RENDER_LIMIT) \
            .may_change_when_stopped(operations.scenes_of(project_id)) \
            .keeps_on_close("Finished scenes are kept; the render can be resumed later.") \
            .run_on(self._jobs, queue=True)
        return True

    def _render_of(self, project_id: str) -> Job | None:
        """The project's render running or waiting, if any."""
        return next((job for job in [*self._jobs.running(), *self._jobs.queued()]
                     if job.project_id == project_id and job.op.limit == RENDER_LIMIT), None)

    def _refuse(self, why: str) -> None:
        """A request that can't be carried out: the reason where the creator looks."""
        self.note.setStyleSheet(ERROR_STYLE)
        self.note.setText(why)
        self._workspace.report_error(why)

    def _update_buttons(self) -> None:
        project = self._workspace.current_project()
        has_scenes = False
        if project is not None:
            try:
                has_scenes = bool(self._library.scenes(project))
            except StudioError:
                has_scenes = False
        busy = project is not None and self._jobs.busy_for(project.id)
        rendering = project is not None and self._render_of(project.id) is not None
        self.render_button.setEnabled(has_scenes and not rendering)
        self.cancel_button.setEnabled(busy)
        interrupted = False
        if project is not None and has_scenes and not busy:
            try:
                jobs = self._library.jobs(project)
            except StudioError:
                jobs = []
            interrupted = bool(jobs) and jobs[0].status == "interrupted"
        if interrupted:
            self.render_button.setText("Resume render")
            self.render_button.setToolTip(
                "Studio stopped while this project was being made. Resuming redoes only what "
                "was not finished (Ctrl+R)")
        else:
            self.render_button.setText("Render video")
            self.render_button.setToolTip("Render the project to an MP4 (Ctrl+R)")

    def _show_progress(self, visible: bool) -> None:
        """The progress bar and stage show for the project's job only."""
        self.progress.setVisible(visible)
        self.stage.setVisible(visible)
        if not visible:
            self.progress.setValue(0)
            self.stage.setText("")
            self.note.setText("")

    # -- the shown project's jobs ------------------------------------------------------------------
    def _shows(self, job: Job) -> bool:
        """Whether ``job`` belongs to the project this panel shows (others report elsewhere)."""
        return bool(job.project_id) and job.project_id == self._workspace.current_project_id

    def _jobs_changed(self) -> None:
        """A job was queued, started or ended somewhere: this project's may have changed."""
        self._update_buttons()
        self._show_job()

    def _show_job(self) -> None:
        """Paint the project's job (running, else queued, else the last ended) from its state."""
        project_id = self._workspace.current_project_id
        job = self._jobs.latest_for(project_id) if project_id else None
        if job is None:
            self._show_progress(False)
            return
        self._show_progress(True)
        self.note.setStyleSheet(ERROR_STYLE if job.state == "failed" else "")
        self.progress.setValue(1000 if job.state == "done" else int(job.fraction * 1000))
        self.stage.setText(job_status(job, self._jobs))
        self.note.setText(job.error_message if job.state == "failed" else job.note)

    def _job_progress(self, job: Job, fraction: float, stage: str, eta: object) -> None:
        if self._shows(job) and job is self._jobs.latest_for(job.project_id):
            self.progress.setValue(int(fraction * 1000))
            self.stage.setText(job_status(job, self._jobs))

    def _job_message(self, job: Job, text: str) -> None:
        if self._shows(job) and job is self._jobs.latest_for(job.project_id):
            self.note.setText(text)

    # -- history ----------------------------------------------------------------------------------
    def _load_history(self, *, show_latest: bool) -> None:
        self.history.clear()
        self._history_keys.clear()
        project = self._workspace.current_project()
        renders = self._library.renders(project) if project is not None else []
        for render in renders:
            self.history.addItem(self._history_item(render))
        if not renders:
            empty = QListWidgetItem("No renders yet. Click “Render video”.")
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.history.addItem(empty)
        if show_latest:
            if renders:
                self._preview_render(renders[0], autoplay=False)
            else:
                self.preview.clear()

    def _preview_render(self, render: RenderedVideo, *, autoplay: bool) -> None:
        thumb = self._library.home.abs(render.thumbnail_path) if render.thumbnail_path else None
        key, poster = self._thumbnails.request(thumb, POSTER_SIZE)
        self._poster_key = key if poster is None else ""
        self.preview.load(self._library.home.abs(render.file_path), self._render_title(render),
                          autoplay=autoplay, poster=poster)

    def _history_item(self, render: RenderedVideo) -> QListWidgetItem:
        settings = effective_settings(render.settings)
        size_mb = (render.file_size_bytes or 0) / 1e6
        when = local_time(render.created_at).strftime("%d %b %H:%M")
        item = QListWidgetItem(
            f"{when} · {format_duration(render.duration_seconds)}\n"
            f"{settings['resolution']} · {settings['aspect']} · {size_mb:.1f} MB")
        path = self._library.home.abs(render.file_path)
        item.setData(Qt.ItemDataRole.UserRole, str(path))
        item.setData(Qt.ItemDataRole.UserRole + 1, render.id)
        item.setToolTip(str(path))
        thumb = self._library.home.abs(render.thumbnail_path) if render.thumbnail_path else None
        key, pixmap = self._thumbnails.request(thumb, HISTORY_THUMB)
        if pixmap is None and key:
            self._history_keys[key] = item
            pixmap = placeholder(HISTORY_THUMB, "…")
        item.setIcon(pixmap if pixmap is not None else placeholder(HISTORY_THUMB, "No preview"))
        return item

    @staticmethod
    def _render_title(render: RenderedVideo) -> str:
        when = local_time(render.created_at).strftime("%d %b %Y %H:%M")
        return f"Render of {when} ({format_duration(render.duration_seconds)})"

    def _thumbnail_ready(self, key: str) -> None:
        pixmap = self._thumbnails.cached(key)
        if key == self._poster_key and pixmap is not None:
            self._poster_key = ""
            self.preview.poster.show_poster(pixmap, "")
        item = self._history_keys.pop(key, None)
        if item is not None and pixmap is not None:
            item.setIcon(pixmap)

    def _play_item(self, item: QListWidgetItem) -> None:
        render_id = item.data(Qt.ItemDataRole.UserRole + 1)
        project = self._workspace.current_project()
        if not render_id or project is None:
            return
        for render in self._library.renders(project):
            if render.id == render_id:
                self._preview_render(render, autoplay=True)

    def _history_menu(self, position: Any) -> None:
        item = self.history.itemAt(position)
        menu = self.history_menu(item) if item is not None else None
        if menu is not None:
            menu.popup(self.history.viewport().mapToGlobal(position))

    def history_menu(self, item: QListWidgetItem) -> QMenu | None:
        """A past render's menu: play, save a copy, show in folder, delete."""
        render_id = item.data(Qt.ItemDataRole.UserRole + 1)
        if not render_id:
            return None
        if not hasattr(self, "render_files"):
            self.render_files = RenderFiles(self._workspace, self._jobs, self)
        files = self.render_files
        menu = QMenu(self)
        menu.addAction("Play", lambda: self._play_item(item))
        menu.addAction("Save video as…", lambda: files.choose_copy_target(render_id))
        menu.addAction("Show in folder", lambda: files.show_in_folder(render_id))
        menu.addSeparator()
        menu.addAction("Delete render…", lambda: files.delete(render_id))
        return menu

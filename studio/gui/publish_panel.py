"""The publish panel: the latest render's thumbnail choices, and its title, description and tags.

A click on a thumbnail selects it and saves at once. The form saves the creator's edits; "Write
with AI" asks Groq in a job on the window's JobRunner (disabled, saying why, without a key) and
is one step of the project's undo history, so the creator's text is never lost to it. "Redraw
thumbnails" draws the choices again with the saved title, also in a job, after the title
changed. The JSON beside the video follows every change (the pipeline rewrites it).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.errors import StudioError
from studio.gui import commands, operations
from studio.gui.fitting import VerticalScroll
from studio.gui.flow_layout import FlowLayout
from studio.gui.job_runner import Job, JobRunner
from studio.gui.op import Op
from studio.gui.qt_helpers import named
from studio.gui.thumbnails import ThumbnailLoader, placeholder
from studio.gui.workers import human_message
from studio.gui.workspace import Workspace
from studio.media.settings import RenderSettings
from studio.pipeline import publishing
from studio.pipeline.credits import credits_block, project_credits
from studio.store.metadata import MAX_TITLE, parse_tags
from studio.store.models import Project, PublishingMetadata, RenderedVideo, Thumbnail

#: The long side of a thumbnail choice on screen.
CHOICE_SIDE = 150
METADATA_JOB = "metadata"
REDRAW_JOB = "thumbnails"
#: The variants that show the title (the others are untouched by a new title).
TITLED_VARIANTS = frozenset({"title", "frame-title"})
BUSY_NOTE = "Wait for the current job to finish, or cancel it (Esc)."
WRITE_TIP = (
    "Groq writes the title, description and tags from your script; "
    "Edit → Undo brings back what you had"
)
NO_KEY_HINT = "Add a Groq API key in Settings to write these with AI."
ERROR_STYLE = "color: #d64545;"
CHOICE_STYLE = (
    "QToolButton { border: 3px solid transparent; border-radius: 6px; padding: 2px; }"
    "QToolButton:checked { border-color: #2f80ed; background: rgba(47, 128, 237, 40); }"
    "QToolButton:hover:!checked { border-color: rgba(47, 128, 237, 110); }"
)


class PublishPanel(QWidget):
    """Thumbnail choices and the title/description/tags form of the current project.

    Signals:
        publishingChanged(str): a thumbnail choice or the metadata of this project id was saved.

    Attributes:
        choices: the thumbnail buttons by variant (the latest render's), in order.
        redraw_button: "Redraw thumbnails" (with the saved title; the latest render's).
        title, description, tags: the form's fields; source: who wrote what is shown.
        credits: the stock footage's "Footage and pictures:" block publishing adds under the
            description (read-only; hidden when the project uses no stock visual).
        write_button, save_button: "Write with AI" and "Save".
        note: the outcome of the last action (red for a failure).
    """

    publishingChanged = Signal(str)

    def __init__(
        self,
        workspace: Workspace,
        jobs: JobRunner,
        thumbnails: ThumbnailLoader,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("publishPanel")
        self._workspace = workspace
        self._library = workspace.library
        self._jobs = jobs
        self._redrawing: Job | None = None  # the last redraw started here
        self._thumbnails = thumbnails
        self.choices: dict[str, QToolButton] = {}
        self._pending: dict[str, QToolButton] = {}
        self._shown_project = ""
        self._shown_render = ""
        #: The form as last filled from the store, to tell unsaved edits.
        self._filled: tuple[str, str, str] = ("", "", "")
        #: Renders whose pictures show a title changed since (in this session).
        self._outdated: set[str] = set()
        self._title_before_write = ""
        self._text_before_write: commands.PublishingText | None = None
        self._has_key: bool | None = None  # asked of the keyring when needed, not per click
        self._build()
        self._wire()
        self.reload()

    # -- layout -----------------------------------------------------------------------------------
    def _build(self) -> None:
        self.choices_row = FlowLayout(spacing_x=6, spacing_y=6)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.no_choices = named(QLabel(), "noThumbnailChoices")
        self.no_choices.setWordWrap(True)
        self.redraw_button = named(QPushButton("Redraw thumbnails"), "redrawThumbnails")
        heading = FlowLayout(spacing_x=12, spacing_y=4)
        heading.addWidget(QLabel("<b>Thumbnail</b> (click to choose)"))
        heading.addWidget(self.redraw_button)
        self.title = named(QLineEdit(), "publishTitle")
        self.title.setMaxLength(MAX_TITLE)
        self.title.setPlaceholderText("What viewers see first")
        self.description = named(QPlainTextEdit(), "publishDescription")
        self.description.setPlaceholderText("What the video is about, in a few sentences")
        self.description.setTabChangesFocus(True)
        # Its own height, not "whatever is left": in a form, a growing field squeezed below
        # its minimum is drawn over the next row (the tags field, before).
        self.description.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.description.setFixedHeight(self.description.fontMetrics().lineSpacing() * 5 + 14)
        self.credits = named(QLabel(), "publishCredits")
        self.credits.setWordWrap(True)
        self.credits.setTextFormat(Qt.TextFormat.PlainText)
        self.credits.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.credits.setStyleSheet("color: palette(mid);")
        self.credits.setToolTip(
            "Added under the description when it is published, as the footage's licences ask; "
            "it follows the scenes' visuals"
        )
        self.tags = named(QLineEdit(), "publishTags")
        self.tags.setPlaceholderText("bees, honey, hive")
        self.source = named(QLabel(), "publishSource")
        self.source.setStyleSheet("color: palette(mid);")
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow("Title", self.title)
        form.addRow("Description", self.description)
        form.addRow("", self.credits)
        form.addRow("Tags", self.tags)
        form.addRow("", self.source)
        self.write_button = named(QPushButton("Write with AI"), "writeWithAi")
        self.write_hint = named(QLabel(NO_KEY_HINT), "writeWithAiHint")
        self.write_hint.setWordWrap(True)
        self.write_hint.setStyleSheet("color: palette(mid);")
        self.save_button = named(QPushButton("Save"), "savePublishing")
        self.save_button.setToolTip("Save the title, description and tags")
        buttons = QHBoxLayout()
        buttons.addWidget(self.write_button)
        buttons.addWidget(self.write_hint, 1)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        self.note = named(QLabel(), "publishNote")
        self.note.setWordWrap(True)

        page = QWidget()  # scrolls, so no field is ever squeezed over another
        layout = QVBoxLayout(page)
        layout.setContentsMargins(4, 6, 4, 4)
        layout.addLayout(heading)
        layout.addLayout(self.choices_row)
        layout.addWidget(self.no_choices)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.note)
        layout.addStretch(1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(VerticalScroll(page))

    def _wire(self) -> None:
        ws = self._workspace
        ws.currentProjectChanged.connect(lambda _pid: self.reload())
        ws.rendersChanged.connect(self._renders_changed)
        ws.scenesChanged.connect(self._scenes_changed)
        ws.sceneChanged.connect(lambda project_id, _scene_id: self._scenes_changed(project_id))
        ws.publishingChanged.connect(self._publishing_changed)
        ws.settingsChanged.connect(self._settings_changed)
        self.save_button.clicked.connect(self.save)
        self.write_button.clicked.connect(self.write_with_ai)
        self.redraw_button.clicked.connect(self.redraw)
        self._thumbnails.ready.connect(self._thumbnail_ready)
        self._jobs.jobStarted.connect(lambda _job: self._update_buttons())
        self._jobs.jobFinished.connect(lambda _job: self._update_buttons())

    # -- loading ----------------------------------------------------------------------------------
    def reload(self) -> None:
        """Show the current project's thumbnail choices and metadata."""
        project = self._workspace.current_project()
        self._shown_project = project.id if project is not None else ""
        self._has_key = None
        self._show_choices(project)
        self._show_metadata(project)
        if self._shown_render in self._outdated:
            self._set_note(self._outdated_note())
        else:
            self._set_note("")
        self._update_buttons()

    def _publishing_changed(self, project_id: str) -> None:
        """Saved elsewhere (an undo, a job): show it, unless the creator is editing the form."""
        project = self._workspace.current_project()
        if project is not None and project.id == project_id and not self.has_unsaved_edits():
            self._show_metadata(project)

    def _settings_changed(self) -> None:
        self._has_key = None  # a key may have been added or removed
        self._update_buttons()

    def has_groq_key(self) -> bool:
        """Whether a Groq key is set (read once per project shown or settings change)."""
        if self._has_key is None:
            from studio.secrets import get_groq_key

            self._has_key = bool(get_groq_key())
        return self._has_key

    def _renders_changed(self, project_id: str) -> None:
        if project_id == self._workspace.current_project_id:
            self.reload()

    def _show_choices(self, project: Project | None) -> None:
        shown = {variant: button.icon() for variant, button in self.choices.items()}
        for button in self.choices.values():
            self.group.removeButton(button)
            self.choices_row.removeWidget(button)
            button.hide()
            button.deleteLater()
        self.choices.clear()
        self._pending.clear()
        render = self._latest_render(project)
        self._shown_render = render.id if render is not None else ""
        offered = self._library.thumbnails(render) if render is not None else []
        if render is None:
            self.no_choices.setText("Render the video to get thumbnail choices.")
        elif not offered:
            self.no_choices.setText(
                "This render has a single thumbnail. Redraw the thumbnails (or render again) "
                "to get several to choose from."
            )
        self.no_choices.setVisible(not offered)
        if render is None or not offered:
            return
        icon_size = self._icon_size(render)
        for thumb in offered:
            button = self._choice_button(thumb, icon_size, shown.get(thumb.variant))
            self.group.addButton(button)
            self.choices_row.addWidget(button)
            self.choices[thumb.variant] = button

    def _choice_button(
        self, thumb: Thumbnail, icon_size: QSize, shown: QIcon | None = None
    ) -> QToolButton:
        """The button choosing ``thumb``; until its picture is decoded it shows ``shown`` (the
        picture it replaces, so a redraw does not flash placeholders) or a placeholder."""
        button = named(QToolButton(), f"thumbnail-{thumb.variant}")
        label = publishing.VARIANT_LABELS.get(thumb.variant, thumb.variant)
        button.setText(label)
        button.setToolTip(f"{label}: use this picture as the video's thumbnail")
        button.setAccessibleName(f"Thumbnail: {label}")
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        button.setCheckable(True)
        button.setChecked(bool(thumb.is_selected))
        button.setIconSize(icon_size)
        button.setStyleSheet(CHOICE_STYLE)
        # The loader's key carries the file's mtime and size: a picture redrawn at the same
        # path is a new key, so it is decoded again rather than served stale from the cache.
        key, pixmap = self._thumbnails.request(self._library.home.abs(thumb.image_path), icon_size)
        if pixmap is not None:
            button.setIcon(pixmap)
        else:
            self._pending[key] = button
            button.setIcon(shown if shown is not None else QIcon(placeholder(icon_size, "…")))
        variant = thumb.variant
        button.clicked.connect(lambda _checked=False, v=variant: self.choose(v))
        return button

    def _latest_render(self, project: Project | None) -> RenderedVideo | None:
        renders = self._library.renders(project) if project is not None else []
        return renders[0] if renders else None

    @staticmethod
    def _icon_size(render: RenderedVideo) -> QSize:
        try:
            settings = RenderSettings.from_stored(render.settings)
            width, height = settings.width, settings.height
        except StudioError:
            width, height = 16, 9
        scale = CHOICE_SIDE / max(width, height)
        return QSize(round(width * scale), round(height * scale))

    def _thumbnail_ready(self, key: str) -> None:
        button = self._pending.pop(key, None)
        pixmap = self._thumbnails.cached(key)
        if button is not None and pixmap is not None:
            button.setIcon(pixmap)

    def _show_metadata(self, project: Project | None) -> None:
        metadata: PublishingMetadata | publishing.DerivedMetadata | None = None
        if project is not None:
            metadata = self._library.publishing(project)
            if metadata is None:
                scenes = self._library.scenes(project)
                metadata = publishing.derive_metadata(project.name, scenes) if scenes else None
        self._fill(metadata)
        self._show_credits(project)
        self.setEnabled(project is not None)

    def _show_credits(self, project: Project | None) -> None:
        """Show the credits block publishing will add (the scenes' stock visuals, as stored)."""
        block = credits_block(project_credits(self._library, project)) if project else ""
        self.credits.setText(f"Added when published:\n{block}" if block else "")
        self.credits.setVisible(bool(block))

    def _scenes_changed(self, project_id: str) -> None:
        """A scene's visual may have changed: so may the credits (the form is left as it is)."""
        project = self._workspace.current_project()
        if project is not None and project.id == project_id:
            self._show_credits(project)

    def has_unsaved_edits(self) -> bool:
        """Whether the form differs from what was last loaded or saved."""
        return self._form() != self._filled

    def _form(self) -> tuple[str, str, str]:
        return (self.title.text(), self.description.toPlainText(), self.tags.text())

    def _fill(self, metadata: PublishingMetadata | publishing.DerivedMetadata | None) -> None:
        self.title.setText(metadata.title if metadata is not None else "")
        self.description.setPlainText(metadata.description if metadata is not None else "")
        self.tags.setText(", ".join(metadata.tags) if metadata is not None else "")
        for line in (self.title, self.tags):
            line.setCursorPosition(0)  # show the start of a long line, not its end
        self._filled = self._form()
        if isinstance(metadata, PublishingMetadata):
            who = publishing.SOURCE_LABELS.get(metadata.source, metadata.source)
            self.source.setText(f"Written by {who}")
        elif metadata is not None:
            self.source.setText("Suggested from your script (not saved yet)")
        else:
            self.source.setText("")

    # -- actions ----------------------------------------------------------------------------------
    def choose(self, variant: str) -> bool:
        """Select the latest render's ``variant`` thumbnail and save it; False if refused."""
        project = self._workspace.current_project()
        if project is None:
            return False
        try:
            publishing.choose_thumbnail(self._library, project, variant)
        except StudioError as exc:
            self._set_note(exc.message, error=True)
            self._show_choices(project)
            return False
        button = self.choices.get(variant)
        if button is not None:
            button.setChecked(True)
        label = publishing.VARIANT_LABELS.get(variant, variant)
        self._set_note(f"✓ The thumbnail is now the {label.lower()}.")
        self.publishingChanged.emit(project.id)
        return True

    def save(self) -> bool:
        """Save the form as the creator's metadata; False (with the reason shown) if refused."""
        project = self._workspace.current_project()
        if project is None:
            return False
        before = self._saved_title(project)
        try:
            saved = publishing.save_metadata(
                self._library,
                project,
                title=self.title.text(),
                description=self.description.toPlainText(),
                tags=parse_tags(self.tags.text()),
            )
        except StudioError as exc:
            self._set_note(exc.message, error=True)
            return False
        self._fill(saved)
        if saved.title != before and self._shows_title():
            self._outdated.add(self._shown_render)
        if self._shown_render in self._outdated:
            self._set_note(f"✓ Saved. {self._outdated_note()}")
        else:
            self._set_note("✓ Saved.")
        self.publishingChanged.emit(project.id)
        return True

    def redraw(self) -> bool:
        """Draw the latest render's thumbnails again with the saved title, in a job (unsaved
        edits are saved first); the chosen variant stays chosen. False if refused."""
        project = self._workspace.current_project()
        if project is None or not self._shown_render:
            return False
        if self._jobs.busy_for(project.id):
            self._set_note(BUSY_NOTE, error=True)
            return False
        saved_first = self.has_unsaved_edits()
        if saved_first and not self.save():
            return False  # the refusal (an empty title, say) is in the note
        job = (
            Op(
                "Redrawing the thumbnails",
                operations.redraw_thumbnails(self._library, project.id),
                project_id=project.id,
                kind=REDRAW_JOB,
            )
            .success(partial(self._redrawn, project.id))
            .failure(partial(self._job_failed, project.id))
            .cancelled(partial(self._redraw_cancelled, project.id))
            .run_on(self._jobs)
        )
        self._redrawing = job
        self._update_buttons()  # the choices lock while the pictures change
        if job is None:
            self._set_note(BUSY_NOTE, error=True)
            return False
        first = "✓ Saved. " if saved_first else ""
        self._set_note(f"{first}Redrawing the thumbnails with “{self._saved_title(project)}”…")
        return True

    def _redrawn(self, project_id: str, result: Any) -> None:
        if not isinstance(result, publishing.RedrawnThumbnails):
            return
        for thumb in result.thumbnails:
            self._outdated.discard(thumb.render_id)
        project = self._workspace.current_project()
        if project is not None and project.id == project_id == self._shown_project:
            self._show_choices(project)
            if not self.has_unsaved_edits():  # the suggestion may have been saved meanwhile
                self._show_metadata(project)
            if result.title != self._saved_title(project):  # saved again while drawing
                self._outdated.add(self._shown_render)
                self._set_note(self._outdated_note())
            else:
                self._set_note(f"✓ The thumbnails now show “{result.title}”.")
            self._update_buttons()
        self.publishingChanged.emit(project_id)

    def write_with_ai(self) -> bool:
        """Ask Groq for the metadata in a job (one undoable step once written); False if there
        is no key or another job is running."""
        project = self._workspace.current_project()
        if project is None or not self.has_groq_key():
            return False
        self._title_before_write = self._saved_title(project)
        self._text_before_write = self._shown_text(project)
        started = (
            Op(
                "Writing the title, description and tags",
                operations.write_publishing(self._library, project.id),
                project_id=project.id,
                kind=METADATA_JOB,
            )
            .success(self._written)
            .failure(partial(self._job_failed, project.id))
            .run_on(self._jobs)
        ) is not None
        if started:
            self._set_note("Writing…")
        else:
            self._set_note(BUSY_NOTE, error=True)
        return started

    def _written(self, result: Any) -> None:
        if not isinstance(result, publishing.WrittenMetadata):
            return
        project_id = result.metadata.project_id
        before, self._text_before_write = self._text_before_write, None
        if before is not None:
            after = (
                result.metadata.title,
                result.metadata.description,
                tuple(result.metadata.tags),
                result.metadata.source,
            )
            self._workspace.push(
                project_id,
                commands.ReplacePublishingCommand(self._workspace, project_id, before, after),
            )
        if project_id == self._shown_project:
            self._fill(result.metadata)
            if result.metadata.title != self._title_before_write and self._shows_title():
                self._outdated.add(self._shown_render)
                self._set_note(f"{result.note} {self._outdated_note()}")
            else:
                self._set_note(result.note)
        self.publishingChanged.emit(project_id)

    def _shown_text(self, project: Project) -> commands.PublishingText:
        """What the creator has now (the form, saved or not), as an undo puts it back."""
        saved = self._library.publishing(project)
        if self.has_unsaved_edits():
            source = "creator"
        else:  # as loaded: the saved text, or the suggestion from the script
            source = saved.source if saved is not None else "script"
        return (
            self.title.text(),
            self.description.toPlainText(),
            tuple(parse_tags(self.tags.text())),
            source,
        )

    def _job_failed(self, project_id: str, error: BaseException) -> None:
        if project_id == self._shown_project:
            self._set_note(human_message(error), error=True)

    def _redraw_cancelled(self, project_id: str) -> None:
        if project_id == self._shown_project:
            self._set_note("Redrawing stopped; the thumbnails are as they were.")

    def _saved_title(self, project: Project) -> str:
        """The title a redraw draws: the saved one, else the project's name (as the pipeline)."""
        metadata = self._library.publishing(project)
        return metadata.title if metadata is not None and metadata.title else project.name

    def _shows_title(self) -> bool:
        """Whether the latest render's choices include a picture with the title on it."""
        return bool(self._shown_render) and not TITLED_VARIANTS.isdisjoint(self.choices)

    @staticmethod
    def _outdated_note() -> str:
        return "The thumbnails still show the old title: click “Redraw thumbnails” above."

    def _update_buttons(self) -> None:
        has_project = bool(self._shown_project)
        busy = bool(self._shown_project) and self._jobs.busy_for(self._shown_project)
        redrawing = (
            self._redrawing is not None
            and self._redrawing.running
            and self._redrawing.project_id == self._shown_project
        )
        has_key = has_project and self.has_groq_key()
        self.write_button.setEnabled(has_project and not busy and has_key)
        self.write_button.setToolTip(WRITE_TIP if has_key else NO_KEY_HINT)
        self.write_hint.setVisible(has_project and not has_key)
        self.save_button.setEnabled(has_project)
        self.redraw_button.setEnabled(bool(self._shown_render) and not busy)
        self.redraw_button.setToolTip(
            "Draw the latest render's thumbnails again with the saved title "
            "(unsaved edits to the form are saved first)"
            if self._shown_render
            else "Render the video first: there are no thumbnails to redraw yet"
        )
        for button in self.choices.values():  # a click now would be undone by the redraw
            button.setEnabled(not redrawing)

    def _set_note(self, text: str, *, error: bool = False) -> None:
        self.note.setStyleSheet(ERROR_STYLE if error else "")
        self.note.setText(text)

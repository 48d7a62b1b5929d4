"""The New Project dialog, the About box, and a yes/no question helper.

New Project asks for the essentials, then either writes the script with AI (Groq, as a job) or
takes the creator's own text. The project row is created when the creator commits to one of
the two; if writing the script then fails, the empty project is removed again.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from studio import APP_NAME, __version__
from studio.errors import StudioError
from studio.gui import operations
from studio.gui.job_runner import Job, JobRunner
from studio.gui.language_picker import LanguageVoicePicker, last_language
from studio.gui.op import Op
from studio.gui.qt_helpers import named
from studio.gui.resources import app_icon
from studio.gui.template_form import TemplateForm
from studio.gui.text_direction import follow_text_direction
from studio.gui.workers import human_message
from studio.gui.workspace import Workspace
from studio.media.settings import ASPECTS, RenderSettings
from studio.media.soundtrack import check_music
from studio.pipeline.templates import create_project

BUSY = "Studio is busy with another job. Wait for it to finish, or cancel it (Esc)."


def ask(parent: QWidget, title: str, text: str, yes: str, no: str = "Cancel", *,
        default_no: bool = False) -> bool:
    """A modal yes/no question with explicit button labels; True if the creator said yes.

    ``default_no``: Enter answers no (for what can't be undone).
    """
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton,
                      parent)
    yes_button = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    no_button = box.addButton(no, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(no_button if default_no else yes_button)
    box.exec()
    return box.clickedButton() is yes_button


def show_failure(parent: QWidget, title: str, error: BaseException) -> QMessageBox:
    """A window-modal warning saying why ``error`` happened, in the creator's words; it does
    not block the event loop and deletes itself when closed. Returns it (tests read it)."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, human_message(error),
                      QMessageBox.StandardButton.Ok, parent)
    box.finished.connect(box.deleteLater)
    box.open()
    return box


def show_about(parent: QWidget) -> QMessageBox:
    box = QMessageBox(parent)
    box.setObjectName("aboutBox")
    box.setWindowTitle(f"About {APP_NAME}")
    box.setIconPixmap(app_icon().pixmap(96, 96))
    box.setText(f"<h2>{APP_NAME} {__version__}</h2>"
                "<p>Turn a topic or your own script into a narrated video, "
                "entirely on your computer.</p>")
    box.setInformativeText("Voices: Kokoro-82M (natural) or espeak-ng (draft). "
                           "Video: FFmpeg. Interface: Qt for Python.")
    box.open()
    return box


class NewProjectDialog(QDialog):
    """Name, topic, target length, language and voice, aspect; then AI script or the
    creator's own text. The language starts as the newest project's.

    Signals:
        projectCreated(str): the dialog was accepted with this new project's id.

    Attributes:
        project_id: the created project's id once the dialog is accepted ("" before).
    """

    projectCreated = Signal(str)

    def __init__(self, workspace: Workspace, jobs: JobRunner, parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        self.setObjectName("newProjectDialog")
        self.setWindowTitle("New project")
        self.setMinimumWidth(520)
        self._workspace = workspace
        self._library = workspace.library
        self._jobs = jobs
        self.project_id = ""
        self.pages = QStackedWidget()
        self.pages.addWidget(self._details_page())
        self.pages.addWidget(self._script_page())
        self.pages.addWidget(self._working_page())
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        self._job: Job | None = None  # the script job of the project made here

    # -- pages ------------------------------------------------------------------------------------
    def _details_page(self) -> QWidget:
        page = QWidget()
        self.name = named(QLineEdit(), "projectName")
        self.name.setPlaceholderText("e.g. How bees make honey")
        self.topic = named(QPlainTextEdit(), "topic")
        self.topic.setPlaceholderText("What is the video about? (the AI writes from this)")
        self.topic.setFixedHeight(70)
        follow_text_direction(self.topic)
        self.duration = named(QSpinBox(), "targetDuration")
        self.duration.setRange(15, 3 * 3600)
        self.duration.setSingleStep(15)
        self.duration.setValue(60)
        self.duration.setSuffix(" s")
        self.voices = LanguageVoicePicker(self._workspace, last_language(self._library),
                                          parent=self)
        self.voice = self.voices.voice
        self.aspect = named(QComboBox(), "aspect")
        self.aspect.addItems(ASPECTS)
        self.template_form = TemplateForm()
        self.template_form.templateChanged.connect(self._template_changed)
        form = QFormLayout()
        form.addRow("Kind of video", self.template_form)
        form.addRow("Name", self.name)
        form.addRow("Topic", self.topic)
        form.addRow("Target length", self.duration)
        self.voices.add_rows(form)
        form.addRow("Aspect", self.aspect)
        self.details_error = named(QLabel(), "dialogError")
        self.details_error.setWordWrap(True)
        self.details_error.setStyleSheet("color: #d64545;")
        self.details_error.hide()
        self.ai_button = named(QPushButton("Write script with AI"), "writeWithAI")
        self.ai_button.setToolTip("Groq writes a script about the topic (needs an API key)")
        self.ai_button.setDefault(True)
        self.own_button = named(QPushButton("I'll write it"), "writeMyself")
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        self.ai_button.clicked.connect(self.write_with_ai)
        self.own_button.clicked.connect(lambda: self.pages.setCurrentIndex(1))
        buttons = QHBoxLayout()
        buttons.addWidget(cancel)
        buttons.addStretch(1)
        buttons.addWidget(self.own_button)
        buttons.addWidget(self.ai_button)
        layout = QVBoxLayout(page)
        layout.addLayout(form)
        layout.addWidget(self.details_error)
        layout.addLayout(buttons)
        return page

    def _script_page(self) -> QWidget:
        page = QWidget()
        self.script = named(QPlainTextEdit(), "scriptText")
        self.script.setPlaceholderText(self.template_form.current().script_hint)
        follow_text_direction(self.script)
        back = QPushButton("Back")
        back.clicked.connect(lambda: self.pages.setCurrentIndex(0))
        self.create_button = named(QPushButton("Create project"), "createProject")
        self.create_button.setDefault(True)
        self.create_button.clicked.connect(self.write_myself)
        buttons = QHBoxLayout()
        buttons.addWidget(back)
        buttons.addStretch(1)
        buttons.addWidget(self.create_button)
        layout = QVBoxLayout(page)
        layout.addWidget(QLabel("Your script"))
        layout.addWidget(self.script, 1)
        layout.addLayout(buttons)
        return page

    def _working_page(self) -> QWidget:
        page = QWidget()
        self.working = named(QLabel("Writing your script…"), "workingLabel")
        self.working.setAlignment(Qt.AlignmentFlag.AlignCenter)
        busy = QProgressBar()
        busy.setRange(0, 0)
        stop = QPushButton("Cancel")
        stop.clicked.connect(self._cancel_script)
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        layout.addWidget(self.working)
        layout.addWidget(busy)
        layout.addWidget(stop, 0, Qt.AlignmentFlag.AlignCenter)
        layout.addStretch(1)
        return page

    # -- actions ----------------------------------------------------------------------------------
    def _template_changed(self, _name: str) -> None:
        template = self.template_form.current()
        from_topic = template.writes_from_topic
        self.ai_button.setEnabled(from_topic)
        self.ai_button.setToolTip(
            "Groq writes a script about the topic (needs an API key)" if from_topic
            else "This kind of video is made from your own script")
        self.topic.setEnabled(from_topic)
        self.duration.setEnabled(from_topic)  # chats and songs are as long as they are
        self.voice.setEnabled(template.narrated)  # a music video has no narration
        self.voices.audition.setEnabled(template.narrated)
        self.own_button.setText("Next" if template.needs_song else "I'll write it")
        self.script.setPlaceholderText(template.script_hint)
        (self.ai_button if from_topic else self.own_button).setDefault(True)

    def project_name(self) -> str:
        name = " ".join(self.name.text().split())
        if name:
            return name
        words = self.topic.toPlainText().split()
        return " ".join(words[:8])[:80]

    def write_with_ai(self) -> None:
        if not self.topic.toPlainText().strip():
            self._show_error("Write a topic first: the AI writes the script from it.")
            return
        if self._create():
            self._run("Writing your script with AI…",
                      operations.write_script_from_topic(self._library, self.project_id))

    def write_myself(self) -> None:
        text = self.script.toPlainText().strip()
        if not self._create():
            self.pages.setCurrentIndex(0)
            return
        if not text and not self.template_form.current().needs_script:
            self._run("Finding the beat and cutting the song…",
                      operations.write_script_from_text(self._library, self.project_id, ""))
            return
        if not text:
            self.accept()
            return
        self._run("Splitting your script into scenes…",
                  operations.write_script_from_text(self._library, self.project_id, text))

    def _create(self) -> bool:
        song = self.template_form.song_path()
        try:
            if song is not None:
                check_music(song)
            settings = RenderSettings.from_stored(
                {"aspect": self.aspect.currentText(),
                 "music_path": str(song.resolve()) if song else None})
            project = create_project(
                self._library, self.project_name() or (song.stem if song else ""),
                template=self.template_form.name(), options=self.template_form.options(),
                settings=settings, topic=self.topic.toPlainText().strip(),
                target_duration=float(self.duration.value()), voice_id=self.voices.voice_id(),
                language=self.voices.language_code())
        except StudioError as exc:
            self._show_error(exc.message)
            return False
        self.project_id = project.id
        self._workspace.notify_projects()
        return True

    def _run(self, label: str, work: operations.WorkFn) -> None:
        self.working.setText(label)
        self.pages.setCurrentIndex(2)
        self._job = (
            Op(label, work, project_id=self.project_id, kind="script")
            .success(lambda _count: self.accept())
            .failure(self._script_failed)
            .cancelled(self._script_cancelled)
            .run_on(self._jobs)
        )
        if self._job is None:  # refused: the new project has a job already (not expected)
            self._discard_empty_project()
            self._show_error(BUSY)

    def _cancel_script(self) -> None:
        if self._job is not None:
            self._jobs.cancel(self._job)

    def _script_failed(self, error: BaseException) -> None:
        self._job = None
        self._discard_empty_project()
        self._show_error(human_message(error))

    def _script_cancelled(self) -> None:
        self._job = None
        self._discard_empty_project()
        self.pages.setCurrentIndex(0)

    def _discard_empty_project(self) -> None:
        try:
            project = self._library.project(self.project_id)
            if not self._library.scenes(project):
                self._library.delete_project(project)
        except StudioError as exc:
            self._workspace.report_error(exc.message)
        self.project_id = ""
        self._workspace.notify_projects()

    def _show_error(self, message: str) -> None:
        self.pages.setCurrentIndex(0)
        self.details_error.setText(message)
        self.details_error.show()

    def reject(self) -> None:
        if self._job is not None and self._job.running:
            self._jobs.cancel(self._job)  # _script_cancelled removes the empty project
            return
        super().reject()

    def accept(self) -> None:
        super().accept()
        self.projectCreated.emit(self.project_id)



"""The rows of the setup checklist: Kokoro's voice files, the Groq API key, a media folder.

Each row shows whether its part is ready and offers what would make it so. Slow work (the
download, the key check) runs in a worker; results come back by signal.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.engines.weights import (
    CONFIG_FILENAME,
    KOKORO_V1_VOICES,
    MODEL_FILENAME,
    VOICES_DIRNAME,
    find_kokoro_weights,
)
from studio.errors import MissingWeightsError, StudioError
from studio.gui import operations
from studio.gui.dialogs import BUSY
from studio.gui.job_runner import Job, JobRunner
from studio.gui.op import Op
from studio.gui.qt_helpers import named
from studio.gui.workers import human_message
from studio.gui.workspace import Workspace
from studio.secrets import GROQ_KEY_ENV, get_groq_key, mask, set_groq_key
from studio.store.settings_registry import GROQ_BASE_URL, KOKORO_DIR, MEDIA_FOLDERS

DOWNLOAD_JOB = "voice-download"
#: Every Kokoro v1.0 voice, in every language, so any voice the pickers offer speaks
#: naturally (54 files of ~0.5 MB: 28 MB beside the 327 MB model).
DOWNLOAD_VOICES = tuple(voice.id for voice in KOKORO_V1_VOICES)
GROQ_SKIPPED_KEY = "setup/groqSkipped"
GROQ_KEYS_LINK = '<a href="https://console.groq.com/keys">console.groq.com/keys</a>'

READY, TODO, OPTIONAL = "ready", "todo", "optional"
_MARKS = {READY: ("✓", "#2e9e5b"), TODO: ("!", "#d9822b"), OPTIONAL: ("–", "#8a8c96")}
ERROR_STYLE = "color: #d64545;"
OK_STYLE = "color: #2e9e5b;"


def _wrapped(text: str = "", name: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if name:
        label.setObjectName(name)
    return label


class ChecklistRow(QFrame):
    """One item: a status mark, a title, what its state means, and its controls.

    Attributes:
        state: READY, TODO or OPTIONAL.
        detail: the sentence saying what the state means for the creator.
        message: an inline result (error or success) of the last thing the creator tried.
        controls: the layout the row's buttons go in.
    """

    def __init__(self, title: str, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.state = TODO
        self.mark = QLabel()
        self.mark.setFixedWidth(28)
        self.mark.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        font = QFont(self.mark.font())
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.mark.setFont(font)
        heading = _wrapped(title)
        bold = QFont(heading.font())
        bold.setBold(True)
        heading.setFont(bold)
        self.detail = _wrapped()
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.detail.setOpenExternalLinks(True)
        self.message = _wrapped()
        self.message.hide()
        self.controls = QHBoxLayout()
        self.controls.setContentsMargins(0, 4, 0, 0)
        body = self._body = QVBoxLayout()
        body.addWidget(heading)
        body.addWidget(self.detail)
        body.addLayout(self.controls)
        body.addWidget(self.message)
        grid = QGridLayout(self)
        grid.addWidget(self.mark, 0, 0)
        grid.addLayout(body, 0, 1)
        grid.setColumnStretch(1, 1)

    def add_above_message(self, item: QWidget | QHBoxLayout) -> None:
        """Put ``item`` below the controls (and above the inline message)."""
        index = self._body.indexOf(self.message)
        if isinstance(item, QWidget):
            self._body.insertWidget(index, item)
        else:
            self._body.insertLayout(index, item)

    def set_state(self, state: str, detail: str) -> None:
        self.state = state
        symbol, colour = _MARKS[state]
        self.mark.setText(symbol)
        self.mark.setStyleSheet(f"color: {colour};")
        self.detail.setText(detail)

    def show_message(self, text: str, *, error: bool) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(ERROR_STYLE if error else OK_STYLE)
        self.message.show()

    def clear_message(self) -> None:
        self.message.clear()
        self.message.hide()


class VoiceRow(ChecklistRow):
    """Kokoro's natural voice: download its files (a job, cancellable) or point at a folder.

    Signals:
        voiceChanged(): the Kokoro folder setting changed (the natural voice may be ready).
    """

    voiceChanged = Signal()

    def __init__(self, workspace: Workspace, jobs: JobRunner,
                 parent: QWidget | None = None) -> None:
        super().__init__("Natural voice (Kokoro)", "voiceRow", parent)
        self._workspace = workspace
        self._library = workspace.library
        self._jobs = jobs
        self.download_button = named(QPushButton("Download voice files (about 360 MB)"),
                                     "downloadVoice")
        self.folder_button = named(QPushButton("Use files I already have…"), "useVoiceFolder")
        self.cancel_button = named(QPushButton("Cancel"), "cancelDownload")
        self.progress = named(QProgressBar(), "downloadProgress")
        self.progress.setRange(0, 1000)
        self.stage = _wrapped(name="downloadStage")
        for widget in (self.download_button, self.folder_button):
            self.controls.addWidget(widget)
        self.controls.addStretch(1)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        self.add_above_message(progress_row)
        self.add_above_message(self.stage)
        self.download_button.clicked.connect(self.download)
        self.folder_button.clicked.connect(self.choose_folder)
        self.cancel_button.clicked.connect(self.cancel_download)
        self._job: Job | None = None
        self._show_downloading(self.downloading)
        self.refresh()

    @property
    def downloading(self) -> bool:
        return self._job is not None and self._job.running

    @property
    def target_dir(self) -> Path:
        """Where the download puts the files: inside the library's home folder."""
        return self._library.home.root / "voices" / "kokoro"

    def refresh(self) -> None:
        if self._workspace.kokoro_available(refresh=True):
            folder = self._library.get_setting(KOKORO_DIR)
            where = f"in {folder}" if folder else "in the Hugging Face cache"
            self.set_state(READY, f"Kokoro's voice files are installed ({where}): videos are "
                                  "narrated with a natural voice.")
        else:
            self.set_state(TODO, "Not installed yet. Until then Studio narrates with the robotic "
                                 "draft voice, labelled “draft” wherever it is used.")

    def download(self) -> bool:
        """Start downloading Kokoro's files (False, with the reason shown, if busy)."""
        self.clear_message()
        job = (
            Op("Downloading Kokoro's voice files",
               operations.download_voice_files(self._library, self.target_dir, DOWNLOAD_VOICES),
               kind=DOWNLOAD_JOB)
            .with_progress(self._download_progress)
            .success(self._downloaded)
            .failure(lambda error: self.show_message(human_message(error), error=True))
            .cancelled(self._download_cancelled)
            .always(lambda: self._show_downloading(False))
            .keeps_on_close("The files downloaded so far are kept; the download continues "
                            "where it stopped next time.")
            .run_on(self._jobs)
        )
        if job is None:
            self.show_message(BUSY, error=True)
            return False
        self._job = job
        self.progress.setValue(0)
        self.stage.setText("Starting the download…")
        self._show_downloading(True)
        return True

    def cancel_download(self) -> None:
        if self._job is not None and self.downloading:
            self.stage.setText("Stopping…")
            self._jobs.cancel(self._job)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "The folder with config.json, kokoro-v1_0.pth and voices/")
        if folder:
            self.use_folder(Path(folder))

    def use_folder(self, folder: Path) -> bool:
        """Store ``folder`` as Kokoro's if it holds every file; else say what is missing."""
        self.clear_message()
        try:
            weights = find_kokoro_weights(folder)
            if weights.config.parent != folder.expanduser():  # only found in the HF cache
                raise MissingWeightsError(
                    "That folder does not hold all of Kokoro's files", where=str(folder),
                    fix=f"Choose the folder that has {CONFIG_FILENAME}, {MODEL_FILENAME} and "
                        f"a {VOICES_DIRNAME}/ folder of .pt files")
            self._library.set_setting(KOKORO_DIR, str(folder))
        except StudioError as exc:
            self.show_message(exc.message, error=True)
            return False
        self.refresh()
        self.show_message("✓ Studio will use these voice files.", error=False)
        self.voiceChanged.emit()
        return True

    # -- the download job -------------------------------------------------------------------------
    def _show_downloading(self, downloading: bool) -> None:
        self.progress.setVisible(downloading)
        self.cancel_button.setVisible(downloading)
        self.stage.setVisible(downloading)
        self.download_button.setEnabled(not downloading)
        self.folder_button.setEnabled(not downloading)

    def _download_progress(self, fraction: float, stage: str, _eta: float | None) -> None:
        self.progress.setValue(int(fraction * 1000))
        self.stage.setText(stage)

    def _downloaded(self, _weights: object) -> None:
        self.refresh()
        self.show_message("✓ Downloaded: the natural voice is ready.", error=False)
        self.voiceChanged.emit()

    def _download_cancelled(self) -> None:
        self.show_message("Download cancelled. What arrived is kept: downloading again "
                          "carries on from there.", error=True)


class GroqRow(ChecklistRow):
    """The Groq API key: paste it (masked), test it against Groq, save it, or skip.

    Signals:
        keyChecked(bool): a key check ended (True: Groq accepted the key); its result is shown.
    """

    keyChecked = Signal(bool)

    def __init__(self, workspace: Workspace, settings: QSettings,
                 parent: QWidget | None = None) -> None:
        super().__init__("Script writing (Groq API key)", "groqRow", parent)
        self._library = workspace.library
        self._settings = settings
        # A runner of its own: the check is not the window's work (it never blocks a job,
        # and closing the window doesn't ask about it).
        self._checks = JobRunner(self._library, self)
        self._checker: Job | None = None
        self.key = named(QLineEdit(), "setupGroqKey")
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setMinimumWidth(220)
        self.test_button = named(QPushButton("Test"), "testGroqKey")
        self.save_button = named(QPushButton("Save"), "saveGroqKey")
        self.skip_button = named(QPushButton("Skip (I'll write scripts myself)"), "skipGroq")
        self.controls.addWidget(self.key, 1)
        for button in (self.test_button, self.save_button, self.skip_button):
            self.controls.addWidget(button)
        self._accepted = False
        self.key.returnPressed.connect(self.test)
        self.test_button.clicked.connect(self.test)
        self.save_button.clicked.connect(self.save)
        self.skip_button.clicked.connect(self.skip)
        self.refresh()

    @property
    def checking(self) -> bool:
        return self._checker is not None

    def refresh(self) -> None:
        saved = get_groq_key()
        self.key.setPlaceholderText(f"Saved: {mask(saved)}" if saved else
                                    "Paste your Groq API key")
        if saved:
            self.set_state(READY, "A key is set up: Studio can write a script from a topic."
                           + (f" (It comes from the {GROQ_KEY_ENV} environment variable.)"
                              if self._from_environment() else ""))
        elif self._settings.value(GROQ_SKIPPED_KEY, False, type=bool):
            self.set_state(OPTIONAL, "Skipped: you write or paste your scripts yourself. Add a "
                                     "key here any time to let Studio write them from a topic.")
        else:
            self.set_state(OPTIONAL, "Optional. With a free Groq API key (from "
                                     f"{GROQ_KEYS_LINK}), Studio writes the script from a "
                                     "topic; without one, you write it yourself.")

    def test(self) -> bool:
        """Check the typed key (else the saved one) with Groq, in a worker."""
        if self._checker is not None:
            return False
        key = self.key.text().strip() or get_groq_key()
        if not key:
            self.show_message("Paste your API key first.", error=True)
            return False
        base_url = self._library.get_setting(GROQ_BASE_URL)
        self._accepted = False
        self._checker = (
            Op("Checking the Groq key", operations.check_groq_key(key, base_url), kind="groq-key")
            .success(self._key_accepted)
            .failure(self._key_refused)
            .always(self._check_finished)
            .run_on(self._checks)
        )
        if self._checker is None:
            return False
        self.test_button.setEnabled(False)
        self.show_message("Asking Groq…", error=False)
        return True

    def save(self) -> bool:
        self.clear_message()
        try:
            set_groq_key(self.key.text())
        except StudioError as exc:
            self.show_message(exc.message, error=True)
            return False
        self.key.clear()
        self.refresh()
        self.show_message("✓ Saved in your system keyring (never in project files).", error=False)
        return True

    def skip(self) -> None:
        self._settings.setValue(GROQ_SKIPPED_KEY, True)
        self.clear_message()
        self.refresh()

    def shutdown(self) -> None:
        """Stop waiting for Groq and let the check's thread end (window closing)."""
        self._checks.shutdown(timeout_ms=-1)

    def _from_environment(self) -> bool:
        return bool(os.environ.get(GROQ_KEY_ENV, "").strip())

    def _key_accepted(self, models: object) -> None:
        self._accepted = True
        self.show_message(f"✓ Groq accepted the key ({models} models available)."
                          + (" Click Save to keep it." if self.key.text().strip() else ""),
                          error=False)

    def _key_refused(self, error: BaseException) -> None:
        self.show_message(human_message(error), error=True)

    def _check_finished(self) -> None:
        self._checker = None
        self.test_button.setEnabled(True)
        self.keyChecked.emit(self._accepted)


class MediaRow(ChecklistRow):
    """An optional folder of the creator's own pictures and clips."""

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__("Your pictures and clips (optional)", "mediaRow", parent)
        self._library = workspace.library
        self.choose_button = named(QPushButton("Choose folder…"), "addMediaFolder")
        self.controls.addWidget(self.choose_button)
        self.controls.addStretch(1)
        self.choose_button.clicked.connect(self.choose_folder)
        self.refresh()

    def folders(self) -> list[str]:
        return [str(folder) for folder in self._library.get_setting(MEDIA_FOLDERS)]

    def refresh(self) -> None:
        folders = self.folders()
        if folders:
            self.set_state(READY, "Studio suggests files from " + ", ".join(folders)
                           + " when their names match a scene.")
        else:
            self.set_state(OPTIONAL, "Optional. Point Studio at a folder of your own pictures and "
                                     "clips, and it suggests those whose names match a scene.")

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "A folder of your pictures and clips")
        if folder:
            self.add_folder(Path(folder))

    def add_folder(self, folder: Path) -> None:
        """Append ``folder`` to the library's media folders (once)."""
        folders = self.folders()
        if str(folder) not in folders:
            try:
                self._library.set_setting(MEDIA_FOLDERS, [*folders, str(folder)])
            except StudioError as exc:
                self.show_message(exc.message, error=True)
                return
        self.refresh()

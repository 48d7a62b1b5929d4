"""The language of a project and the voice that follows it.

``LanguageVoicePicker`` is the pair New Project and "Language and voice…" share: a language
list, and a voice list whose first voices speak that language (the others last, marked). When
no voice of the language is on this computer it says so in one line and picks the language's
draft voice, never silently an English one. ``ProjectLanguageDialog`` changes a project's
language and voice as one undoable step, saying that the scenes are voiced again.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from studio.errors import StudioError
from studio.gui.commands import UpdateProjectCommand
from studio.gui.qt_helpers import named
from studio.gui.scene_language import voice_for_language
from studio.gui.voice_list import add_voices, audition_button, select_voice
from studio.gui.workspace import Workspace
from studio.languages import DEFAULT_LANGUAGE, LANGUAGES, Language, get_language
from studio.pipeline.voice_catalogue import DRAFT_KIND, default_voice
from studio.store import Library

#: What the language change warns: the words are read again, so every scene's voice changes.
REVOICE_NOTE = (
    "Every scene is voiced again in {language} on the next render: the words are "
    "read with that language's rules, so how each scene sounds (and lasts) changes."
)


def last_language(library: Library) -> str:
    """The language of the newest project (a new one most likely continues it)."""
    try:
        summaries = library.projects()
        if not summaries:
            return DEFAULT_LANGUAGE
        newest = max(summaries, key=lambda s: (s.created_at is not None, s.created_at))
        return get_language(library.project(newest.id).language).code
    except StudioError:
        return DEFAULT_LANGUAGE


def no_voice_note(language: Language, kokoro_here: bool) -> str:
    """The one line under a voice list when no natural voice speaks ``language`` here."""
    if not kokoro_here:
        return (
            f"Kokoro's voice files aren't installed: until you add them (Settings), a draft "
            f"voice reads {language.name}."
        )
    return (
        f"No {language.name} voice is installed: choose one, or add "
        f"{language.kokoro}f_*.pt files to the Kokoro folder (Settings)."
    )


def fill_languages(
    combo: QComboBox, chosen: str | None = None, *, project_default: Language | None = None
) -> None:
    """Every language, labelled "Japanese — 日本語"; ``project_default`` adds a first entry
    "Project default (Japanese)" whose data is None."""
    if project_default is not None:
        combo.addItem(f"Project default ({project_default.name})", None)
    for language in LANGUAGES:
        combo.addItem(language.label, language.code)
    index = combo.findData(chosen) if chosen else -1
    combo.setCurrentIndex(max(0, index))


class LanguageVoicePicker(QObject):
    """A language list and the voice list that follows it (with a ▶ and a one-line note).

    Signals:
        languageChanged(str): the language chosen (a code).

    Attributes:
        language: the language combo (data: the code).
        voice: the voice combo (data: the voice id).
        note: the line under the voices (hidden when a natural voice speaks the language).
        audition: the ▶ beside the voices.
    """

    languageChanged = Signal(str)

    def __init__(
        self,
        workspace: Workspace,
        language: str,
        voice_id: str | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._workspace = workspace
        self.language = named(QComboBox(), "language")
        self.language.setToolTip("What the script is written and spoken in")
        fill_languages(self.language, get_language(language).code)
        self.voice = named(QComboBox(), "voice")
        self.voice.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.voice.setMinimumContentsLength(24)
        self.note = named(QLabel(), "voiceNote")
        self.note.setWordWrap(True)
        self.note.hide()
        self.audition = audition_button(
            lambda: workspace.auditionRequested.emit(self.voice_id() or "")
        )
        self.language.currentIndexChanged.connect(lambda _i: self._language_changed())
        workspace.voicesChanged.connect(lambda: self._fill(self.voice_id()))
        self._fill(voice_id)

    def add_rows(self, form: QFormLayout) -> None:
        """Put "Language" and "Voice" (with its ▶ and note) into ``form``."""
        row = QHBoxLayout()
        row.addWidget(self.voice, 1)
        row.addWidget(self.audition)
        form.addRow("Language", self.language)
        form.addRow("Voice", row)
        form.addRow("", self.note)

    def language_code(self) -> str:
        return str(self.language.currentData())

    def voice_id(self) -> str | None:
        data = self.voice.currentData()
        return str(data) if data else None

    def _language_changed(self) -> None:
        self._fill(None)
        self.languageChanged.emit(self.language_code())

    def _fill(self, keep: str | None) -> None:
        """List the voices for the chosen language; select ``keep`` if it speaks it, else
        the language's default voice, else (saying so) its draft voice."""
        language = get_language(self.language_code())
        voices = self._workspace.voice_choices()
        self.voice.blockSignals(True)
        self.voice.clear()
        add_voices(
            self.voice, voices, language.code, new_blend=self._workspace.blendEditorRequested.emit
        )
        speaks = {v.id for v in voices if v.language == language.code}
        chosen = keep if keep in speaks else None
        note = ""
        if chosen is None:
            chosen = default_voice(self._workspace.library, language.code)
        if (
            chosen is None
            and not self._workspace.kokoro_available()
            and language.default_voice in speaks
        ):
            # Kokoro's own voice, spoken by a draft stand-in until Kokoro is installed: the
            # project then gets the natural voice without being changed.
            chosen = language.default_voice
            note = no_voice_note(language, kokoro_here=False)
        if chosen is None:
            chosen = next(
                (
                    v.id
                    for v in voices
                    if v.kind == DRAFT_KIND and v.usable and v.language == language.code
                ),
                None,
            )
            note = no_voice_note(language, self._workspace.kokoro_available())
        select_voice(self.voice, chosen, fallback=-1)
        self.voice.blockSignals(False)
        self.note.setText(note)
        self.note.setVisible(bool(note))


class ProjectLanguageDialog(QDialog):
    """Project → Language and voice…: change both as one undoable step.

    Attributes:
        picker: the language and voice lists.
        warning: says the scenes are voiced again (shown when the language changes).
    """

    def __init__(
        self, workspace: Workspace, project_id: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("projectLanguageDialog")
        self.setWindowTitle("Language and voice")
        self.setMinimumWidth(460)  # the warning wraps in two or three lines, not five
        self._workspace = workspace
        self._project = workspace.library.project(project_id)
        self.picker = LanguageVoicePicker(
            workspace, self._project.language, self._project.voice_id, self
        )
        self.warning = named(QLabel(), "revoiceWarning")
        self.warning.setWordWrap(True)
        self.picker.languageChanged.connect(lambda _code: self._show_warning())
        form = QFormLayout()
        self.picker.add_rows(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Change")
        buttons.accepted.connect(self.apply)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.warning)
        layout.addWidget(buttons)
        self._show_warning()

    def _show_warning(self) -> None:
        chosen = get_language(self.picker.language_code())
        self.warning.setText(REVOICE_NOTE.format(language=chosen.name))
        self.warning.setVisible(chosen.code != self._project.language)
        # Qt sizes a dialog without asking a wrapped label its height: fit it, or the
        # warning's last line hides under the buttons.
        self.adjustSize()

    def apply(self) -> None:
        """Push the change (undoable) and close; nothing to do if nothing changed."""
        old = {"language": self._project.language, "voice_id": self._project.voice_id}
        new = {"language": self.picker.language_code(), "voice_id": self.picker.voice_id()}
        if new != old:
            name = get_language(new["language"]).name
            text = (
                f"Change the language to {name}"
                if new["language"] != old["language"]
                else "Change the project's voice"
            )
            command = ProjectLanguageCommand(
                self._workspace, self._project.id, old, new, text, self._scene_voices(new)
            )
            self._workspace.push(self._project.id, command)
        self.accept()

    def _scene_voices(self, new: dict[str, str | None]) -> dict[str, tuple[str | None, str | None]]:
        """{scene id: (its voice, its voice after the change)} for the scenes that follow the
        project's language and have a voice of their own that doesn't speak the new one."""
        library = self._workspace.library
        changes: dict[str, tuple[str | None, str | None]] = {}
        for scene in library.scenes(self._project):
            if scene.language or not scene.voice_id:
                continue
            voice = voice_for_language(
                library,
                scene,
                None,
                project_language=str(new["language"]),
                project_voice=new["voice_id"],
            )
            if voice != scene.voice_id:
                changes[scene.id] = (scene.voice_id, voice)
        return changes


class ProjectLanguageCommand(UpdateProjectCommand):
    """A project's language and voice, with the scenes whose own voice doesn't speak the new
    language (``scene_language.voice_for_language``), done and undone together.

    Attributes:
        scene_voices: {scene id: (old voice, new voice)}.
    """

    def __init__(
        self,
        workspace: Workspace,
        project_id: str,
        old: dict[str, str | None],
        new: dict[str, str | None],
        text: str,
        scene_voices: dict[str, tuple[str | None, str | None]],
    ) -> None:
        super().__init__(workspace, project_id, dict(old), dict(new), text)
        self.scene_voices = scene_voices

    def apply(self) -> None:
        super().apply()
        for scene_id, (_old, voice) in self.scene_voices.items():
            self.library.update_scene(self._scene(scene_id), voice_id=voice)

    def revert(self) -> None:
        for scene_id, (voice, _new) in self.scene_voices.items():
            self.library.update_scene(self._scene(scene_id), voice_id=voice)
        super().revert()

    def notify(self) -> None:
        super().notify()
        if self.scene_voices:
            self.workspace.notify_scenes(self.project_id)


def open_project_language(workspace: Workspace, window: QWidget) -> ProjectLanguageDialog | None:
    """Project → Language and voice… for the current project (None without one)."""
    if not workspace.current_project_id:
        return None
    dialog = ProjectLanguageDialog(workspace, workspace.current_project_id, window)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog

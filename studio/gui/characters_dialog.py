"""Characters and voices: who speaks in a chat story, and with which voice.

Each character of the current project gets a voice combo; Save writes the mapping (the
``voices`` table) and the scenes of a changed character are voiced again on the next render.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from studio.errors import StudioError
from studio.gui.qt_helpers import named
from studio.gui.voice_list import add_voices
from studio.gui.workspace import Workspace
from studio.pipeline.templates.chat import characters_of, engine_of


class CharactersDialog(QDialog):
    """One voice combo per character of the workspace's current project.

    Attributes:
        combos: ``{character: its voice combo}``.
    """

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("charactersDialog")
        self.setWindowTitle("Characters and voices")
        self._workspace = workspace
        library = workspace.library
        self._project = workspace.current_project()
        self.combos: dict[str, QComboBox] = {}
        form = QFormLayout()
        characters: list[str] = []
        mapping: dict[str, str] = {}
        if self._project is not None:
            characters = characters_of(library.scenes(self._project))
            mapping = library.character_voices(self._project)
        workspace.voicesChanged.connect(self._refill)
        language = self._project.language if self._project is not None else None
        for character in characters:
            combo = named(QComboBox(), "characterVoice")
            add_voices(combo, workspace.voice_choices(), language,
                       new_blend=workspace.blendEditorRequested.emit)
            combo.setCurrentIndex(max(0, combo.findData(mapping.get(character))))
            self.combos[character] = combo
            form.addRow(character, combo)
        hint = QLabel(
            "Each message is spoken by its character's voice. Scenes whose character's voice "
            "changes are voiced again on the next render."
            if characters
            else "This project has no characters: chat stories name who speaks on each line "
            "('Alex: Hello!')."
        )
        hint.setWordWrap(True)
        self.error = named(QLabel(), "dialogError")
        self.error.setStyleSheet("color: #d64545;")
        self.error.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(bool(characters))
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _refill(self) -> None:
        """A blend was saved: offer it too, keeping each character's choice."""
        if self._project is None:
            return
        for combo in self.combos.values():
            chosen = combo.currentData()
            combo.clear()
            add_voices(combo, self._workspace.voice_choices(), self._project.language,
                       new_blend=self._workspace.blendEditorRequested.emit)
            combo.setCurrentIndex(max(0, combo.findData(chosen)))

    def save(self) -> None:
        """Store every changed mapping, then close (an error stays in the dialog)."""
        if self._project is None:
            self.reject()
            return
        library = self._workspace.library
        try:
            current = library.character_voices(self._project)
            for character, combo in self.combos.items():
                voice = str(combo.currentData())
                if current.get(character) != voice:
                    library.set_character_voice(
                        self._project, character, voice, engine=engine_of(voice)
                    )
        except StudioError as exc:
            self.error.setText(exc.message)
            self.error.show()
            return
        self._workspace.notify_scenes(self._project.id)
        self.accept()

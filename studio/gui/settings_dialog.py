"""Settings: the Groq API key (OS keyring, shown masked), the model, the stock libraries' keys
and which of them fill new videos, Kokoro's voice files, media library folders, the default
voice and the video encoder. Saved when the creator clicks Save."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.cluster.connection import check_address
from studio.errors import StudioError
from studio.gui.encoder_row import EncoderRow
from studio.gui.fitting import VerticalScroll
from studio.gui.qt_helpers import named, text_button
from studio.gui.stock_choice import StockLibraryChoice
from studio.gui.stock_keys import StockKeyEditor
from studio.gui.voice_list import add_voices, audition_button
from studio.gui.window_layout import clamp_to_screen
from studio.gui.workspace import Workspace
from studio.pipeline.changes import Changes
from studio.stock import registry
from studio.store.settings_registry import (
    CLUSTER_ADDRESS,
    DEFAULT_VOICE,
    ENCODER,
    GROQ_MODEL,
    KOKORO_DIR,
    MEDIA_FOLDERS,
    STOCK_LIBRARIES,
)
from studio.store.usage import GROQ_MODELS


class SettingsDialog(QDialog):
    """Library-wide settings (stored in the library; the key in the OS keyring)."""

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings")
        self.setMinimumWidth(560)
        self._workspace = workspace
        self._library = workspace.library
        self._remove_key = False
        layout = QVBoxLayout(self)
        # The sections scroll on a short screen; showEvent opens the dialog tall enough for all
        # of them where the screen allows (fonts with tall lines, like Noto, need ~670 px).
        self._sections = QWidget()
        column = QVBoxLayout(self._sections)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self._ai_box())
        column.addWidget(self._stock_box())
        column.addWidget(self._voice_box())
        column.addWidget(self._media_box())
        column.addWidget(self._render_box())
        self._scroll = VerticalScroll(self._sections)
        layout.addWidget(self._scroll, 1)
        self.error = named(QLabel(), "settingsError")
        self.error.setStyleSheet("color: #d64545;")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def showEvent(self, event: QShowEvent) -> None:
        """Open as tall as the sections need, up to the screen's free height, and wholly on
        screen (grown below where it was centred, Save would sit under the screen's edge)."""
        super().showEvent(event)
        screen = self.screen().availableGeometry().height() if self.screen() else 700
        hidden = self._sections.sizeHint().height() - self._scroll.viewport().height()
        if hidden > 0:
            width = max(self.width(), self.sizeHint().width())
            self.resize(width, min(self.height() + hidden, screen - 40))
        clamp_to_screen(self)

    # -- sections ---------------------------------------------------------------------------------
    def _ai_box(self) -> QGroupBox:
        from studio.secrets import get_groq_key, mask

        box = QGroupBox("Script writing (Groq)")
        self.key = named(QLineEdit(), "groqKey")
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        current = get_groq_key()
        self.key.setPlaceholderText(f"Saved: {mask(current)}" if current else
                                    "Paste your API key from console.groq.com")
        self.remove_key = text_button("Remove", "removeKey")
        self.remove_key.setEnabled(bool(current))
        self.remove_key.clicked.connect(self._mark_key_removed)
        key_row = QHBoxLayout()
        key_row.addWidget(self.key, 1)
        key_row.addWidget(self.remove_key)
        self.model = named(QComboBox(), "groqModel")
        self.model.setEditable(True)
        self.model.addItems(GROQ_MODELS)
        self.model.setCurrentText(self._library.get_setting(GROQ_MODEL))
        self.model.setToolTip(GROQ_MODEL.description)
        form = QFormLayout(box)
        form.addRow("API key", key_row)
        form.addRow("Model", self.model)
        form.addRow("", QLabel("The key is kept in your system keyring, never in project files."))
        return box

    def _stock_box(self) -> QGroupBox:
        box = named(QGroupBox("Stock libraries"), "stockBox")
        self.stock_keys = StockKeyEditor(self._workspace)
        self._stock_status = registry.provider_status()
        chosen: list[str] = self._library.get_setting(STOCK_LIBRARIES)
        self.stock_libraries = StockLibraryChoice(self._stock_status, chosen)
        self.stock_keys.keyless.hide()  # the boxes say which libraries need no key
        for line in self.stock_keys.keys.values():
            line.textChanged.connect(self._stock_keys_typed)
        layout = QVBoxLayout(box)
        layout.addWidget(self.stock_keys)
        layout.addWidget(self.stock_libraries)
        self.finished.connect(self.stock_keys.shutdown)
        return box

    def _stock_keys_typed(self) -> None:
        """A library whose key is being typed can be chosen (it is saved with the key)."""
        typed = {name for name, line in self.stock_keys.keys.items() if line.text().strip()}
        self.stock_libraries.set_usable(
            {s.name: s.usable or s.name in typed for s in self._stock_status}
        )

    def _voice_box(self) -> QGroupBox:
        box = QGroupBox("Voice")
        self.weights = named(QLineEdit(), "kokoroFolder")
        self.weights.setText(self._library.get_setting(KOKORO_DIR) or "")
        self.weights.setToolTip(KOKORO_DIR.description)
        self.weights.setPlaceholderText("Folder with config.json, kokoro-v1_0.pth and voices/")
        browse = text_button("Browse…")
        browse.clicked.connect(self._browse_weights)
        row = QHBoxLayout()
        row.addWidget(self.weights, 1)
        row.addWidget(browse)
        self.kokoro_status = named(QLabel(), "kokoroStatus")
        self.kokoro_status.setWordWrap(True)
        self._show_kokoro_status(self._workspace.kokoro_available(refresh=True))
        self.default_voice = named(QComboBox(), "defaultVoice")
        add_voices(self.default_voice, self._workspace.voice_choices(),
                   new_blend=self._workspace.blendEditorRequested.emit)
        self.audition = audition_button(
            lambda: self._workspace.auditionRequested.emit(self.default_voice.currentData()))
        current = self._library.get_setting(DEFAULT_VOICE)
        index = self.default_voice.findData(current) if current else 0
        self.default_voice.setCurrentIndex(max(0, index))
        form = QFormLayout(box)
        form.addRow("Kokoro voice files", row)
        form.addRow("", self.kokoro_status)
        voice_row = QHBoxLayout()
        voice_row.addWidget(self.default_voice, 1)
        voice_row.addWidget(self.audition)
        form.addRow("Default voice", voice_row)
        return box

    def _media_box(self) -> QGroupBox:
        box = QGroupBox("Media library")
        self.folders = named(QListWidget(), "mediaFolders")
        folders: list[str] = self._library.get_setting(MEDIA_FOLDERS)
        self.folders.addItems(folders)
        self.folders.setMaximumHeight(90)
        add = QPushButton("Add folder…")
        remove = QPushButton("Remove")
        add.clicked.connect(self._add_folder)
        remove.clicked.connect(lambda: [self.folders.takeItem(self.folders.row(i))
                                        for i in self.folders.selectedItems()])
        buttons = QVBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        row = QHBoxLayout(box)
        row.addWidget(self.folders, 1)
        row.addLayout(buttons)
        box.setToolTip(MEDIA_FOLDERS.description)
        return box

    def _render_box(self) -> QGroupBox:
        box = QGroupBox("Rendering")
        self.encoder = EncoderRow(self._library.get_setting(ENCODER), self._library.home.cache_dir)
        self.encoder.combo.setToolTip(ENCODER.description)
        self.cluster = named(QLineEdit(self._library.get_setting(CLUSTER_ADDRESS) or ""),
                             "clusterAddress")
        self.cluster.setPlaceholderText("Empty: this computer alone (or tcp://host:8786)")
        self.cluster.setToolTip(CLUSTER_ADDRESS.description)
        form = QFormLayout(box)
        form.addRow("Encoder", self.encoder)
        form.addRow("Cluster", self.cluster)
        return box

    # -- actions ----------------------------------------------------------------------------------
    def _show_kokoro_status(self, available: bool) -> None:
        self.kokoro_status.setText(
            "✓ Kokoro's voice files are installed: the natural voice is ready." if available else
            "Without Kokoro's voice files the robotic draft voice speaks: choose their folder "
            "here, or download them from the welcome page.")

    def _browse_weights(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Kokoro voice files", self.weights.text())
        if folder:
            self.weights.setText(folder)

    def _add_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "A folder of your pictures and clips")
        if folder and not self.folders.findItems(folder, Qt.MatchFlag.MatchExactly):
            self.folders.addItem(folder)

    def _mark_key_removed(self) -> None:
        self._remove_key = True
        self.key.clear()
        self.key.setPlaceholderText("The key will be removed when you save")
        self.remove_key.setEnabled(False)

    def save(self) -> None:
        """Store everything; stay open with the reason if something can't be saved."""
        from studio.secrets import delete_groq_key, set_groq_key

        try:
            if self.key.text().strip():
                set_groq_key(self.key.text())
            elif self._remove_key:
                delete_groq_key()
            chosen = self.stock_libraries.chosen()  # before the keys' lines are cleared
            self.stock_keys.apply()
            usable = {s.name for s in registry.provider_status() if s.usable}  # keys as saved
            self._library.set_setting(STOCK_LIBRARIES, [n for n in chosen if n in usable])
            self._library.set_setting(GROQ_MODEL, self.model.currentText().strip()
                                      or GROQ_MODEL.default)
            weights = self.weights.text().strip()
            if weights and not Path(weights).expanduser().is_dir():
                raise StudioError("The Kokoro folder does not exist", where=weights,
                                  fix="Choose the folder that holds config.json")
            self._library.set_setting(KOKORO_DIR, weights or None)
            folders = [self.folders.item(i).text() for i in range(self.folders.count())]
            self._library.set_setting(MEDIA_FOLDERS, folders)
            self._library.set_setting(DEFAULT_VOICE, self.default_voice.currentData())
            self._library.set_setting(ENCODER, self.encoder.chosen())
            address = self.cluster.text().strip()  # a typo is refused here, not at a render
            self._library.set_setting(CLUSTER_ADDRESS, check_address(address) if address else None)
        except StudioError as exc:
            self.error.setText(exc.message)
            self.error.show()
            return
        self._workspace.apply(Changes(settings=True))  # Kokoro's folder, the key: panels ask again
        self.accept()

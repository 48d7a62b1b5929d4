"""The template part of New Project: which kind of video, and that template's own choices.

Signals:
    templateChanged(str): the chosen template's name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from studio.gui.qt_helpers import named
from studio.gui.visual_picker import FILE_FILTER
from studio.pipeline.templates import all_templates

MUSIC_FILTER = "Audio (*.mp3 *.m4a *.aac *.wav *.flac *.ogg *.opus)"
#: What the script box asks for, per template.
SCRIPT_HINTS = {
    "explainer": "Paste or type your script. Blank lines separate scenes; long paragraphs are "
    "split between sentences.\n\nYou can also leave this empty and add scenes one by one.",
    "scroll": "Paste your script. Each paragraph is a scene; code between ``` fences is shown "
    "in a monospaced panel and not read aloud.",
    "chat": "One message per line, starting with who speaks:\n\nAlex: Did you see the launch?\n"
    "Sam: Missed it! What happened?",
    "music": "Optional: captions for the generated slides, one per line (used in turn).",
}


class _FileRow(QWidget):
    """A path field with a Browse… button."""

    def __init__(self, name: str, caption: str, file_filter: str, placeholder: str) -> None:
        super().__init__()
        self.edit = named(QLineEdit(), name)
        self.edit.setPlaceholderText(placeholder)
        browse = QPushButton("Browse…")
        browse.clicked.connect(lambda: self._browse(caption, file_filter))
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(browse)

    def _browse(self, caption: str, file_filter: str) -> None:
        path, _ = QFileDialog.getOpenFileName(self, caption, "", file_filter)
        if path:
            self.edit.setText(path)

    def text(self) -> str:
        return self.edit.text().strip()


class TemplateForm(QWidget):
    """A template chooser with a short description and the chosen template's options.

    Attributes:
        template: the template combo (item data: the template's name).
    """

    templateChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.template = named(QComboBox(), "template")
        self.summary = named(QLabel(), "templateSummary")
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("color: palette(placeholder-text);")
        self.pages = QStackedWidget()
        self._backgrounds: dict[str, _FileRow] = {}
        self._templates = all_templates()
        self._pages = [self._page(t.name) for t in self._templates]
        for template, page in zip(self._templates, self._pages, strict=True):
            self.template.addItem(template.label, template.name)
            self.pages.addWidget(page)
        self.template.currentIndexChanged.connect(self._changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.template)
        layout.addWidget(self.summary)
        layout.addWidget(self.pages)
        self._changed(0)

    def _page(self, name: str) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        form.setContentsMargins(0, 0, 0, 0)
        if name in ("scroll", "chat"):
            row = _FileRow(
                f"{name}Background",
                "Background",
                FILE_FILTER,
                "a colour like #1d3557, or a picture or video",
            )
            self._backgrounds[name] = row
            form.addRow("Background", row)
        if name == "chat":
            self.chat_style = named(QComboBox(), "chatStyle")
            self.chat_style.addItem("Dark bubbles", "dark")
            self.chat_style.addItem("Light bubbles", "light")
            form.addRow("Bubbles", self.chat_style)
        if name == "music":
            self.song_file = _FileRow("song", "Song", MUSIC_FILTER, "the song (MP3, M4A, WAV…)")
            self.bpm = named(QDoubleSpinBox(), "bpm")
            self.bpm.setRange(0, 240)
            self.bpm.setDecimals(1)
            self.bpm.setSpecialValueText("Detect")
            self.beats_per_cut = named(QSpinBox(), "beatsPerCut")
            self.beats_per_cut.setRange(1, 32)
            self.beats_per_cut.setValue(4)
            form.addRow("Song", self.song_file)
            form.addRow("Tempo (BPM)", self.bpm)
            form.addRow("Beats per cut", self.beats_per_cut)
        return page

    def _changed(self, index: int) -> None:
        template = self._templates[index]
        self.summary.setText(template.summary)
        self.pages.setCurrentIndex(index)
        for i, page in enumerate(self._pages):  # the stack takes the height of the page shown
            policy = QSizePolicy.Policy.Preferred if i == index else QSizePolicy.Policy.Ignored
            page.setSizePolicy(policy, policy)
        self.pages.adjustSize()
        self.pages.setVisible(bool(template.options) or template.name == "music")
        self.templateChanged.emit(template.name)

    # -- what was chosen --------------------------------------------------------------------
    def name(self) -> str:
        return str(self.template.currentData())

    def writes_from_topic(self) -> bool:
        return self._templates[self.template.currentIndex()].writes_from_topic

    def options(self) -> dict[str, Any]:
        """The chosen template's options as the creator gave them (checked on create)."""
        name = self.name()
        options: dict[str, Any] = {}
        if name in ("scroll", "chat"):
            background = self._backgrounds[name].text()
            if background:
                options["background"] = background
        if name == "chat":
            options["chat_style"] = self.chat_style.currentData()
        if name == "music":
            if self.bpm.value() > 0:
                options["bpm"] = self.bpm.value()
            options["beats_per_cut"] = self.beats_per_cut.value()
        return options

    def song_path(self) -> Path | None:
        """The music video's song (None for the other templates or when none is given)."""
        if self.name() != "music":
            return None
        text = self.song_file.text()
        return Path(text) if text else None

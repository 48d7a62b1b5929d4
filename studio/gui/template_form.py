"""The template part of New Project: which kind of video, and that template's own choices.

Each template's page is built from what the template declares (its ``options`` and whether
it needs a song): adding a template or an option adds its fields here with no code.

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
from studio.pipeline.templates import Template, TemplateOption, all_templates

MUSIC_FILTER = "Audio (*.mp3 *.m4a *.aac *.wav *.flac *.ogg *.opus)"


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


def _object_name(template: Template, option: TemplateOption) -> str:
    """``chatBackground``, ``musicBeatsPerCut``: unique across the pages, stable for tests."""
    words = option.key.split("_")
    return template.name + "".join(word.title() for word in words)


def option_field(template: Template, option: TemplateOption) -> QWidget:
    """The widget that enters ``option``, as its declaration says, holding its default."""
    name = _object_name(template, option)
    if option.kind == "choice":
        combo = named(QComboBox(), name)
        labels = option.choice_labels or option.choices
        for label, value in zip(labels, option.choices, strict=True):
            combo.addItem(label, value)
        combo.setCurrentIndex(max(0, combo.findData(option.default)))
        return combo
    if option.kind == "number":
        number = named(QDoubleSpinBox(), name)
        number.setRange(option.low, option.high)
        number.setDecimals(1)
        number.setSpecialValueText(option.empty_text)  # at the lowest value: not given
        number.setValue(float(option.default or option.low))
        return number
    if option.kind == "whole":
        whole = named(QSpinBox(), name)
        whole.setRange(int(option.low), int(option.high))
        whole.setValue(int(option.default or option.low))
        return whole
    if option.kind == "backdrop":
        return _FileRow(name, option.label, FILE_FILTER, option.empty_text)
    edit = named(QLineEdit(), name)
    edit.setPlaceholderText(option.empty_text)
    return edit


def field_value(option: TemplateOption, widget: QWidget) -> Any:
    """What the creator entered in ``widget`` (None: nothing given, the template decides)."""
    if isinstance(widget, QComboBox):
        return widget.currentData()
    if isinstance(widget, QDoubleSpinBox):
        empty = option.default is None and widget.value() <= widget.minimum()
        return None if empty else widget.value()
    if isinstance(widget, QSpinBox):
        return widget.value()
    text = widget.text().strip() if isinstance(widget, _FileRow | QLineEdit) else ""
    return text or None


class TemplateForm(QWidget):
    """A template chooser with a short description and the chosen template's options.

    Attributes:
        template: the template combo (item data: the template's name).
        song_file: the song's path (shown for templates that need a song).
    """

    templateChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.template = named(QComboBox(), "template")
        self.summary = named(QLabel(), "templateSummary")
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("color: palette(placeholder-text);")
        self.pages = QStackedWidget()
        self.song_file = _FileRow("song", "Song", MUSIC_FILTER, "the song (MP3, M4A, WAV…)")
        self._fields: dict[str, dict[str, QWidget]] = {}
        self._templates = all_templates()
        self._pages = [self._page(t) for t in self._templates]
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

    def _page(self, template: Template) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        form.setContentsMargins(0, 0, 0, 0)
        if template.needs_song:
            form.addRow("Song", self.song_file)
        fields = self._fields.setdefault(template.name, {})
        for option in template.options:
            widget = option_field(template, option)
            widget.setToolTip(option.help)
            fields[option.key] = widget
            form.addRow(option.label, widget)
        return page

    def _changed(self, index: int) -> None:
        template = self._templates[index]
        self.summary.setText(template.summary)
        self.pages.setCurrentIndex(index)
        for i, page in enumerate(self._pages):  # the stack takes the height of the page shown
            policy = QSizePolicy.Policy.Preferred if i == index else QSizePolicy.Policy.Ignored
            page.setSizePolicy(policy, policy)
        self.pages.adjustSize()
        self.pages.setVisible(bool(template.options) or template.needs_song)
        self.templateChanged.emit(template.name)

    # -- what was chosen --------------------------------------------------------------------
    def current(self) -> Template:
        """The chosen template."""
        return self._templates[self.template.currentIndex()]

    def name(self) -> str:
        return str(self.template.currentData())

    def writes_from_topic(self) -> bool:
        return self.current().writes_from_topic

    def field(self, key: str) -> QWidget:
        """The chosen template's field for option ``key`` (KeyError if it has none)."""
        return self._fields[self.name()][key]

    def options(self) -> dict[str, Any]:
        """The chosen template's options as the creator gave them (checked on create)."""
        template = self.current()
        fields = self._fields[template.name]
        values = {o.key: field_value(o, fields[o.key]) for o in template.options}
        return {key: value for key, value in values.items() if value is not None}

    def song_path(self) -> Path | None:
        """The song (None for templates that need none, or when none is given)."""
        if not self.current().needs_song:
            return None
        text = self.song_file.text()
        return Path(text) if text else None

"""The caption style editor: a preset and every field of its look, with a live preview.

Each change is saved at once to the project's render settings as an undoable edit (the
overrides of ``RenderSettings.caption``; "Back to the preset" clears them), so the next render
uses it. The preview is one frame drawn by the render's own libass path
(``studio.media.caption_preview``) over a scene's picture, off the GUI thread: requests settle
for ``PREVIEW_DELAY_MS`` and the latest one wins (a newer one cancels the frame being drawn).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studio.errors import StudioError
from studio.gui.commands import UpdateProjectCommand
from studio.gui.fitting import VerticalScroll
from studio.gui.qt_helpers import named
from studio.gui.workers import Worker, human_message
from studio.gui.workspace import Workspace
from studio.media.caption_look import FONTS, HIGHLIGHTS, POSITIONS, PRESETS, look_of
from studio.media.caption_preview import caption_frame
from studio.media.settings import RenderSettings
from studio.media.thumbnails import sample_frames
from studio.progress import CancelToken

#: How long edits settle before the preview is drawn (a spin box held down draws once).
PREVIEW_DELAY_MS = 200
#: The preview is drawn at 720p (sizes are relative to the frame: the look is the same).
PREVIEW_RESOLUTION = "720p"
_HIGHLIGHT_LABELS = {"none": "None", "word": "Word by word", "karaoke": "Karaoke fill"}
#: (field, label, minimum, maximum, step) of the number fields, in % of the frame.
_NUMBERS = (
    ("size", "Size", 2.0, 20.0, 0.2),
    ("outline", "Outline width", 0.0, 3.0, 0.05),
    ("shadow", "Shadow", 0.0, 3.0, 0.05),
    ("box_padding", "Box padding", 0.0, 5.0, 0.1),
    ("margin", "Extra margin", 0.0, 30.0, 0.5),
)
#: (field, label, ask for opacity) of the colour fields.
_COLOURS = (
    ("colour", "Text colour", False),
    ("outline_colour", "Outline colour", True),
    ("shadow_colour", "Shadow colour", True),
    ("box_colour", "Box colour", True),
    ("highlight_colour", "Highlight colour", False),
)

#: What the preview stands on: (file, "image" or "video", seconds into a video), or None.
Backdrop = tuple[Path, str, float] | None


class CaptionPreviewer(QObject):
    """Draws caption preview frames off the GUI thread; the latest request wins.

    Signals:
        ready(QImage): a frame for the latest request.
        failed(str): the latest request could not be drawn (why, for the creator).
    """

    ready = Signal(QImage)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self._start)
        self._request: tuple[RenderSettings, Backdrop] | None = None
        self._worker: Worker | None = None
        self.drawn = 0  # frames delivered (for tests and measurements)

    def request(self, settings: RenderSettings, backdrop: Backdrop) -> None:
        """Draw ``settings``' captions over ``backdrop`` once edits settle."""
        self._request = (settings, backdrop)
        self._timer.start()

    def busy(self) -> bool:
        return self._timer.isActive() or self._worker is not None

    def shutdown(self) -> None:
        """Stop: drop the waiting request, cancel the frame being drawn and wait for it."""
        self._timer.stop()
        self._request = None
        if self._worker is not None:
            self._worker.cancel()
            self._worker.wait()

    def _start(self) -> None:
        if self._request is None:
            return
        if self._worker is not None:  # a newer request: stop this one, start when it ends
            self._worker.cancel()
            return
        settings, backdrop = self._request
        self._request = None
        worker = Worker(
            lambda _r, cancel: _draw(settings, backdrop, cancel),
            name="Caption preview",
            parent=self,
        )
        worker.returned.connect(self._returned)
        worker.errored.connect(lambda exc: self.failed.emit(human_message(exc)))
        worker.finished.connect(lambda: self._finished(worker))
        self._worker = worker
        worker.start()

    def _returned(self, image: QImage) -> None:
        if self._request is None:  # no newer request waiting: this frame is current
            self.drawn += 1
            self.ready.emit(image)

    def _finished(self, worker: Worker) -> None:
        if self._worker is worker:
            self._worker = None
        worker.deleteLater()
        if self._request is not None and not self._timer.isActive():
            self._start()


def _draw(settings: RenderSettings, backdrop: Backdrop, cancel: CancelToken) -> QImage:
    """One preview frame (worker thread): the backdrop's picture with the sample caption."""
    small = RenderSettings.from_json(
        {**settings.to_json(), "resolution": PREVIEW_RESOLUTION, "music_path": None}
    )
    with tempfile.TemporaryDirectory(prefix="studio-caption-preview-") as folder:
        picture = None
        if backdrop is not None:
            path, kind, at = backdrop
            picture = path
            if kind == "video":
                (frame,) = sample_frames(path, [at], (small.width, small.height), cancel=cancel)
                picture = Path(folder) / "backdrop.png"
                frame.save(picture)
        out = caption_frame(small, Path(folder) / "preview.png", picture=picture, cancel=cancel)
        image = QImage(str(out))
    if image.isNull():
        raise StudioError("The caption preview could not be read")
    return image


class _PreviewLabel(QLabel):
    """The preview frame, scaled to fit (keeping its shape); small minimum size."""

    def __init__(self) -> None:
        super().__init__("Drawing the preview…")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(QSize(200, 160))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setStyleSheet("background: #14181d; color: #c8ccd0;")
        self._image: QImage | None = None

    def show_image(self, image: QImage) -> None:
        self._image = image
        self._fit()

    def image(self) -> QImage | None:
        return self._image

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        if self._image is not None:
            self.setPixmap(
                QPixmap.fromImage(self._image).scaled(
                    self.size(),
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )


class CaptionStyleDialog(QDialog):
    """Edit the current project's caption look, saved as you go (undoable), previewed live.

    Attributes:
        previewer: draws the preview frames (its ``drawn`` counts them).
    """

    def __init__(
        self, workspace: Workspace, project_id: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("captionStyleDialog")
        self.setWindowTitle("Caption style")
        self._workspace = workspace
        self._project_id = project_id
        self._loading = False
        self._fields: dict[str, QWidget] = {}
        self._colours: dict[str, str] = {}
        self.previewer = CaptionPreviewer(self)
        self._build()
        self.previewer.ready.connect(self.preview.show_image)
        self.previewer.failed.connect(self.preview.setText)
        workspace.projectChanged.connect(self._project_changed)
        workspace.currentProjectChanged.connect(self._current_project_changed)
        self.finished.connect(lambda _r: self.previewer.shutdown())
        self._load()
        self.resize(900, 560)

    # -- layout ---------------------------------------------------------------------------------
    @property
    def project_id(self) -> str:
        """The project whose caption look this editor changes."""
        return self._project_id

    def _build(self) -> None:
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.preset = named(QComboBox(), "captionPreset")
        for name in PRESETS:
            self.preset.addItem(name.capitalize(), name)
        self.preset.currentIndexChanged.connect(
            lambda _i: self._save_style(self.preset.currentData())
        )
        self.reset = named(QPushButton("Back to the preset"), "captionReset")
        self.reset.setToolTip("Undo every change made to the preset's look")
        self.reset.clicked.connect(lambda: self._save_caption({}))
        preset_row = QHBoxLayout()
        preset_row.addWidget(self.preset, 1)
        preset_row.addWidget(self.reset)
        form.addRow("Preset", preset_row)
        form.addRow("Font", self._combo("font", [(f, f) for f in FONTS]))
        form.addRow("", self._check("bold", "Bold"))
        for name, label, low, high, step in _NUMBERS[:1]:
            form.addRow(label, self._number(name, low, high, step))
        form.addRow("", self._check("upper", "Upper case"))
        for name, label, alpha in _COLOURS[:3]:
            form.addRow(label, self._colour(name, label, alpha))
        for name, label, low, high, step in _NUMBERS[1:3]:
            form.addRow(label, self._number(name, low, high, step))
        form.addRow("", self._check("box", "Background box"))
        form.addRow(_COLOURS[3][1], self._colour(*_COLOURS[3]))
        form.addRow(_NUMBERS[3][1], self._number(*_NUMBERS[3][0:1], *_NUMBERS[3][2:]))
        form.addRow("Position", self._combo("position", [(p.capitalize(), p) for p in POSITIONS]))
        form.addRow(_NUMBERS[4][1], self._number(*_NUMBERS[4][0:1], *_NUMBERS[4][2:]))
        form.addRow("Words per line", self._integer("max_words", 1, 12))
        form.addRow("Lines", self._integer("lines", 1, 2))
        form.addRow(
            "Highlight", self._combo("highlight", [(_HIGHLIGHT_LABELS[h], h) for h in HIGHLIGHTS])
        )
        form.addRow(_COLOURS[4][1], self._colour(*_COLOURS[4]))
        fields = QWidget()
        fields.setLayout(form)
        scroll = VerticalScroll(fields)
        scroll.setMinimumWidth(300)

        self.preview = named(_PreviewLabel(), "captionPreview")
        note = QLabel("The caption as the video will show it, over one of your scenes.")
        note.setWordWrap(True)
        right = QVBoxLayout()
        right.addWidget(self.preview, 1)
        right.addWidget(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        right.addWidget(buttons)
        layout = QHBoxLayout(self)
        layout.addWidget(scroll, 2)
        layout.addLayout(right, 3)

    def _combo(self, name: str, items: list[tuple[str, str]]) -> QComboBox:
        box = named(QComboBox(), f"caption_{name}")
        for label, value in items:
            box.addItem(label, value)
        box.currentIndexChanged.connect(lambda _i: self._save_field(name, box.currentData()))
        self._fields[name] = box
        return box

    def _check(self, name: str, label: str) -> QCheckBox:
        box = named(QCheckBox(label), f"caption_{name}")
        box.toggled.connect(lambda on: self._save_field(name, bool(on)))
        self._fields[name] = box
        return box

    def _number(self, name: str, low: float, high: float, step: float) -> QDoubleSpinBox:
        box = named(QDoubleSpinBox(), f"caption_{name}")
        box.setRange(low, high)
        box.setSingleStep(step)
        box.setDecimals(2)
        box.setSuffix(" %")
        box.setToolTip(
            "Of the frame's height"
            if name == "margin"
            else "Of the frame's short side: the same look at any size and shape"
        )
        box.setKeyboardTracking(False)  # typing saves once, not per digit
        box.valueChanged.connect(lambda value: self._save_field(name, round(value, 2)))
        self._fields[name] = box
        return box

    def _integer(self, name: str, low: int, high: int) -> QSpinBox:
        box = named(QSpinBox(), f"caption_{name}")
        box.setRange(low, high)
        box.setKeyboardTracking(False)
        box.valueChanged.connect(lambda value: self._save_field(name, int(value)))
        self._fields[name] = box
        return box

    def _colour(self, name: str, label: str, alpha: bool) -> QPushButton:
        button = named(QPushButton(), f"caption_{name}")
        button.setToolTip(f"Choose the {label.lower()}")
        button.clicked.connect(lambda: self._pick_colour(name, label, alpha))
        self._fields[name] = button
        return button

    # -- reading and saving ---------------------------------------------------------------------
    def _settings(self) -> RenderSettings:
        project = self._workspace.library.project(self._project_id)
        return RenderSettings.from_stored(project.render_settings)

    def _load(self) -> None:
        """Show the saved look in the fields (without saving anything) and redraw."""
        settings = self._settings()
        look = look_of(settings.caption_style, settings.caption).to_json()
        self._loading = True
        try:
            self.preset.setCurrentIndex(max(0, self.preset.findData(settings.caption_style)))
            self.reset.setEnabled(bool(settings.caption))
            for name, widget in self._fields.items():
                _show(widget, look[name])
                if isinstance(widget, QPushButton):
                    self._colours[name] = look[name]
            self._enable(look)
        finally:
            self._loading = False
        self.previewer.request(settings, self._backdrop())

    def _enable(self, look: dict[str, Any]) -> None:
        box = bool(look["box"])
        for name in ("outline", "outline_colour"):
            self._fields[name].setEnabled(not box)
        for name in ("box_colour", "box_padding"):
            self._fields[name].setEnabled(box)
        self._fields["highlight_colour"].setEnabled(look["highlight"] != "none")

    def _project_changed(self, project_id: str) -> None:
        if project_id == self._project_id:
            self._load()

    def _current_project_changed(self, project_id: str) -> None:
        if project_id != self._project_id:
            self.close()

    def _save_field(self, name: str, value: Any) -> None:
        if not self._loading:
            self._save_caption({**self._settings().caption, name: value})

    def _save_caption(self, caption: dict[str, Any]) -> None:
        self._push("caption", caption, "Change the caption look")

    def _save_style(self, style: str) -> None:
        if not self._loading:
            self._push("caption_style", style, "Change caption style")

    def _push(self, key: str, value: Any, text: str) -> None:
        project = self._workspace.library.project(self._project_id)
        old = dict(project.render_settings or {})
        current = self._settings().to_json()
        new = {**current, key: value}
        if key == "caption" and not value:
            new.pop("caption", None)
        try:
            RenderSettings.from_json(new)
        except StudioError as exc:  # the fields' ranges make this rare: say it, keep the old
            self.preview.setText(exc.message)
            return
        if new == current:
            return
        self._workspace.push(
            self._project_id,
            UpdateProjectCommand(
                self._workspace,
                self._project_id,
                {"render_settings": old},
                {"render_settings": new},
                text,
            ),
        )

    def _pick_colour(self, name: str, label: str, alpha: bool) -> None:
        options = QColorDialog.ColorDialogOption.ShowAlphaChannel if alpha else None
        start = _qcolor(self._colours.get(name, "#FFFFFF"))
        chosen = (
            QColorDialog.getColor(start, self, label, options)
            if options
            else QColorDialog.getColor(start, self, label)
        )
        if chosen.isValid():
            self.set_colour(name, chosen)

    def set_colour(self, name: str, colour: QColor) -> None:
        """Save ``colour`` as the look's ``name`` colour (what the colour picker does)."""
        text = colour.name(QColor.NameFormat.HexRgb).upper()
        if colour.alpha() < 255:
            text += f"{colour.alpha():02X}"
        self._save_field(name, text)

    def _backdrop(self) -> Backdrop:
        """The first scene's picture (or a frame of its clip) for the preview; None if no scene
        has one (a neutral background is drawn)."""
        library = self._workspace.library
        for scene in library.scenes(library.project(self._project_id)):
            selection = library.selection(scene)
            if selection is None:
                continue
            path = library.home.abs(selection.asset_path)
            if path.is_file():
                kind = "video" if selection.kind == "video" else "image"
                return path, kind, float(selection.in_point or 0.0)
        return None


def _show(widget: QWidget, value: Any) -> None:
    """Put ``value`` in ``widget`` (combo data, check, number or colour swatch)."""
    if isinstance(widget, QComboBox):
        widget.setCurrentIndex(max(0, widget.findData(value)))
    elif isinstance(widget, QCheckBox):
        widget.setChecked(bool(value))
    elif isinstance(widget, QDoubleSpinBox | QSpinBox):
        widget.setValue(value)
    elif isinstance(widget, QPushButton):
        colour = _qcolor(value)
        light = 0.299 * colour.red() + 0.587 * colour.green() + 0.114 * colour.blue() > 140
        text = "#000" if light else "#fff"
        widget.setText(colour_text(value))
        widget.setStyleSheet(
            f"QPushButton {{ background: {colour.name()}; color: {text}; }}"
            " QPushButton:disabled { background: palette(window); color: palette(mid); }"
        )


def colour_text(value: str) -> str:
    """A colour as a creator reads it: "#101010", or "#101010, 87 % opaque" when see-through
    (never the alpha glued to the hex, "#101010DF")."""
    colour = _qcolor(value)
    if colour.alpha() == 255:
        return colour.name().upper()
    return f"{colour.name().upper()}, {round(100 * colour.alpha() / 255)} % opaque"


def _qcolor(text: str) -> QColor:
    colour = QColor(text[:7])
    if len(text) == 9:
        colour.setAlpha(int(text[7:9], 16))
    return colour


def open_caption_style(
    workspace: Workspace, parent: QWidget | None, on_close: Callable[[], None] | None = None
) -> CaptionStyleDialog | None:
    """Open the editor for the current project (non-modal; the one already open is brought to
    the front); None when no project is open. It closes when another project is opened."""
    project_id = workspace.current_project_id
    if not project_id:
        return None
    if parent is not None:
        for open_one in parent.findChildren(CaptionStyleDialog):
            if open_one.isVisible() and open_one.project_id == project_id:
                open_one.activateWindow()
                return open_one
    dialog = CaptionStyleDialog(workspace, project_id, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if on_close is not None:
        dialog.finished.connect(lambda _r: on_close())
    dialog.show()
    return dialog

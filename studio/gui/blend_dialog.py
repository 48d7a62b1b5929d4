"""Voice blends: a voice of the creator's own, mixed from Kokoro's voices (60 % one, 40 %
another), heard before it is saved.

The list on the left holds the saved blends (choose one to edit it, or delete it); the editor
on the right names the blend and mixes 2 to 4 voices, each with a share (shown as the part of
the whole it will be). "Listen" speaks the sample sentence in the mix through the real voice
path, as a job; "Save" stores it (``Library.save_blend``) and every voice list offers it at
once (``Workspace.notify_voices``). A refused mix says why under the editor; nothing is saved.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.errors import StudioError
from studio.gui.dialogs import ask
from studio.gui.job_runner import Job
from studio.gui.language_picker import fill_languages
from studio.gui.qt_helpers import named
from studio.gui.voice_list import Auditioner, add_voices, select_voice
from studio.gui.workers import human_message
from studio.gui.workspace import Workspace
from studio.languages import find_language
from studio.pipeline.voice_catalogue import KOKORO_KIND, VoiceEntry
from studio.store.models import Voice
from studio.voice_ids import MAX_BLEND_PARTS, BlendPart, blend_spec, parts_from_json

#: Said when there is no Kokoro voice file to mix.
NO_KOKORO = (
    "Blends mix Kokoro's natural voices, and their files aren't on this computer yet. "
    "Add them in Settings, then come back."
)
#: Said when "Save" is pressed before the blend has a name.
NO_NAME = "Name the blend first (e.g. Warm narrator): every voice list shows it by its name."
GENDERS = (("Not said", None), ("Female", "female"), ("Male", "male"))


class BlendRow(QWidget):
    """One voice of the mix: which voice, its share in %, the part of the whole it makes.

    Attributes:
        voice: the Kokoro voice combo (data: the voice id).
        share: the share as the creator typed it (0-100 %).
        portion: the share as a part of the whole ("→ 60 %").
        remove: the × that takes the row out.
    """

    def __init__(self, voices: Sequence[VoiceEntry], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.voice = named(QComboBox(), "blendVoice")
        self.voice.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.voice.setMinimumContentsLength(20)
        add_voices(self.voice, voices)
        self.share = named(QSpinBox(), "blendShare")
        self.share.setRange(0, 100)
        self.share.setSuffix(" %")
        self.share.setValue(50)
        self.share.setToolTip("How much of this voice is in the blend")
        self.portion = named(QLabel(), "blendPortion")
        self.portion.setMinimumWidth(self.portion.fontMetrics().horizontalAdvance("→ 100 %"))
        self.remove = QToolButton()
        self.remove.setAutoRaise(True)
        self.remove.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_DialogCloseButton))
        self.remove.setToolTip("Take this voice out of the blend")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.voice, 1)
        layout.addWidget(self.share)
        layout.addWidget(self.portion)
        layout.addWidget(self.remove)

    def part(self) -> tuple[str, float]:
        return str(self.voice.currentData() or ""), float(self.share.value())


class BlendDialog(QDialog):
    """The saved blends and the editor of one.

    Attributes:
        blends: the saved blends (item data: the blend's voice id).
        name: the blend's name.
        rows: the voices of the mix (2 to 4).
        language: the blend's language (None: its largest share's).
        gender: female, male or not said.
        error: why the mix can't be heard or saved (hidden when it can).
        listen_button, save_button, add_button, delete_button: what they say.
        job: the latest "Listen" job (None before one).
    """

    def __init__(
        self, workspace: Workspace, auditioner: Auditioner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("blendDialog")
        self.setWindowTitle("Voice blends")
        self._workspace = workspace
        self._auditioner = auditioner
        self._voices = [v for v in workspace.voice_choices() if v.kind == KOKORO_KIND and v.usable]
        self.rows: list[BlendRow] = []
        self.job: Job | None = None
        layout = QHBoxLayout(self)
        layout.addLayout(self._list_side())
        layout.addLayout(self._editor_side(), 1)
        self._load_blends()
        self.new_blend()

    # -- building ---------------------------------------------------------------------------------
    def _list_side(self) -> QVBoxLayout:
        self.blends = named(QListWidget(), "savedBlends")
        self.blends.setMaximumWidth(200)
        self.blends.currentItemChanged.connect(lambda item, _old: self._edit(item))
        new = named(QPushButton("New blend"), "newBlend")
        new.clicked.connect(self.new_blend)
        self.delete_button = named(QPushButton("Delete"), "deleteBlend")
        self.delete_button.clicked.connect(self.delete_current)
        buttons = QHBoxLayout()
        buttons.addWidget(new)
        buttons.addWidget(self.delete_button)
        side = QVBoxLayout()
        side.addWidget(QLabel("Your blends"))
        side.addWidget(self.blends, 1)
        side.addLayout(buttons)
        return side

    def _editor_side(self) -> QVBoxLayout:
        self.name = named(QLineEdit(), "blendName")
        self.name.setPlaceholderText("e.g. Warm narrator")
        self.rows_box = QVBoxLayout()
        self.add_button = named(QPushButton("+ Add a voice"), "addBlendVoice")
        self.add_button.clicked.connect(lambda: self._add_row(None, 50))
        self.language = named(QComboBox(), "blendLanguage")
        self.gender = named(QComboBox(), "blendGender")
        for text, value in GENDERS:
            self.gender.addItem(text, value)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Voices", self.rows_box)
        form.addRow("", self.add_button)
        form.addRow("Language", self.language)
        form.addRow("Gender", self.gender)
        self.error = named(QLabel(), "dialogError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #d64545;")
        self.error.hide()
        hint = QLabel(
            NO_KOKORO
            if not self._voices
            else "Mix two to four voices; the shares are scaled to make the whole."
        )
        hint.setWordWrap(True)
        self.listen_button = named(QPushButton("▶ Listen"), "listenBlend")
        self.listen_button.setToolTip("Hear the blend say a short sentence before saving it")
        self.listen_button.clicked.connect(self.listen)
        self.save_button = named(QPushButton("Save"), "saveBlend")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        for button in (self.listen_button, self.save_button, self.add_button):
            button.setEnabled(bool(self._voices))
        buttons = QHBoxLayout()
        buttons.addWidget(self.listen_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        buttons.addWidget(self.save_button)
        side = QVBoxLayout()
        side.addWidget(hint)
        side.addLayout(form)
        side.addWidget(self.error)
        side.addStretch(1)
        side.addLayout(buttons)
        return side

    # -- rows -------------------------------------------------------------------------------------
    def _add_row(self, voice_id: str | None, share: int) -> BlendRow:
        row = BlendRow(self._voices, self)
        taken = {r.part()[0] for r in self.rows}
        free = next((v.id for v in self._voices if v.id not in taken), None)
        select_voice(row.voice, voice_id or free)
        row.share.setValue(share)
        row.voice.currentIndexChanged.connect(lambda _i: self._changed())
        row.share.valueChanged.connect(lambda _v: self._changed())
        row.remove.clicked.connect(lambda: self._remove_row(row))
        self.rows.append(row)
        self.rows_box.addWidget(row)
        self._changed()
        return row

    def _remove_row(self, row: BlendRow) -> None:
        self.rows.remove(row)
        row.hide()
        row.deleteLater()
        self._changed()

    def _set_rows(self, parts: Sequence[tuple[str | None, int]]) -> None:
        for row in list(self.rows):
            self._remove_row(row)
        for voice_id, share in parts:
            self._add_row(voice_id, share)

    def _changed(self) -> None:
        """Show each share as its part of the whole; name the largest share's language."""
        total = sum(row.share.value() for row in self.rows)
        for row in self.rows:
            row.portion.setText(f"→ {round(100 * row.share.value() / total)} %" if total else "")
            row.remove.setEnabled(len(self.rows) > 1)
        self.add_button.setEnabled(bool(self._voices) and len(self.rows) < MAX_BLEND_PARTS)
        chosen = self.language.currentData() if self.language.count() else None
        largest = max(self.rows, key=lambda row: row.share.value(), default=None)
        entry = next((v for v in self._voices if largest and v.id == largest.part()[0]), None)
        own = find_language(entry.language if entry else None)
        self.language.blockSignals(True)
        self.language.clear()
        self.language.addItem(
            f"As its largest share ({own.name})" if own else "As its largest share", None
        )
        fill_languages(self.language, chosen)
        if chosen is None:
            self.language.setCurrentIndex(0)
        self.language.blockSignals(False)
        self.error.hide()
        self._order_tabs()

    def _order_tabs(self) -> None:
        """Tab goes name → each voice's list, share and × → "+ Add a voice" → language: the
        rows are made after the buttons, so Qt's own order would visit them last."""
        chain: list[QWidget] = [self.name]
        for row in self.rows:
            chain += [row.voice, row.share, row.remove]
        chain.append(self.add_button)
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    # -- saved blends -----------------------------------------------------------------------------
    def _load_blends(self, select: str | None = None) -> None:
        self.blends.blockSignals(True)
        self.blends.clear()
        for blend in self._workspace.library.blends():
            item = QListWidgetItem(blend.display_name)
            item.setData(Qt.ItemDataRole.UserRole, blend.voice_id)
            self.blends.addItem(item)
            if blend.voice_id == select:
                self.blends.setCurrentItem(item)
        self.blends.blockSignals(False)
        self.delete_button.setEnabled(self.blends.currentItem() is not None)

    def _edit(self, item: QListWidgetItem | None) -> None:
        self.delete_button.setEnabled(item is not None)
        blend = self._blend(item)
        if blend is None:
            return
        try:
            parts = parts_from_json(blend.components or [])
        except StudioError as exc:
            self._show_error(exc.message)
            return
        self.name.setText(blend.display_name)
        self._set_rows([(part.voice, round(100 * part.weight)) for part in parts])
        select_voice(self.language, blend.language)
        select_voice(self.gender, blend.gender)

    def _blend(self, item: QListWidgetItem | None) -> Voice | None:
        if item is None:
            return None
        return self._workspace.library.blend(str(item.data(Qt.ItemDataRole.UserRole)))

    def new_blend(self) -> None:
        """An empty editor: no name, the first two voices half and half."""
        self.blends.setCurrentRow(-1)
        self.name.clear()
        self._set_rows([(None, 50), (None, 50)] if self._voices else [])
        self.gender.setCurrentIndex(0)
        self.name.setFocus()

    def delete_current(self) -> None:
        blend = self._blend(self.blends.currentItem())
        if blend is None or not ask(
            self,
            "Delete the blend",
            f"Delete the blend “{blend.display_name}”? Projects and "
            "scenes that use it will need another voice.",
            "Delete",
            default_no=True,
        ):
            return
        try:
            self._workspace.library.delete_blend(blend.voice_id)
        except StudioError as exc:
            self._show_error(exc.message)
            return
        self._load_blends()
        self.new_blend()
        self._workspace.notify_voices()

    # -- listen and save --------------------------------------------------------------------------
    def parts(self) -> list[BlendPart]:
        return [BlendPart(*row.part()) for row in self.rows]

    def listen(self) -> Job | None:
        """Speak the sample in the mix as it stands (a job); a refused mix says why here."""
        try:
            spec = blend_spec(self.parts())
        except StudioError as exc:
            self._show_error(exc.message)
            return None
        label = " ".join(self.name.text().split()) or "your blend"
        self.job = self._auditioner.listen(spec, label, self._listen_failed)
        if self.job is None:
            self._show_error("A voice sample is being made: wait for it, then listen again.")
        return self.job

    def _listen_failed(self, error: BaseException) -> None:
        self._show_error(f"Couldn't speak the blend: {human_message(error)}")

    def save(self) -> Voice | None:
        """Store the blend (replacing one of the same name) and offer it in every voice list."""
        if not self.name.text().strip():
            self._show_error(NO_NAME)
            self.name.setFocus()
            return None
        try:
            blend = self._workspace.library.save_blend(
                self.name.text(),
                self.parts(),
                language=self.language.currentData(),
                gender=self.gender.currentData(),
            )
        except StudioError as exc:
            self._show_error(exc.message)
            return None
        self._load_blends(select=blend.voice_id)
        self._workspace.notify_voices()
        self._workspace.errorRaised.emit(
            f"Saved the blend “{blend.display_name}”: every voice list offers it now."
        )
        return blend

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()


def open_blends(workspace: Workspace, auditioner: Auditioner, window: QWidget) -> BlendDialog:
    """Open the blend dialog (non-blocking) over whatever dialog is open, so a voice list's
    "New blend…" works from New Project too; returns it (tests drive it)."""
    dialog = BlendDialog(workspace, auditioner, _open_dialog_of(window) or window)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog


def _open_dialog_of(window: QWidget) -> QWidget | None:
    """The modal dialog open over ``window`` (New Project, Settings ...), if any."""
    modal = QApplication.activeModalWidget()
    ancestor = modal.parentWidget() if modal is not None else None
    while ancestor is not None and ancestor is not window:
        ancestor = ancestor.parentWidget()
    return modal if ancestor is window else None
